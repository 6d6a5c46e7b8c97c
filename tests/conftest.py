"""Shared fixtures: a real Temporal test server and a fresh database."""

import uuid
from decimal import Decimal
from pathlib import Path

import pytest
import pytest_asyncio
from sqlmodel import Session
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from core.binaries import temporal_test_server
from core.db import create_tables, make_engine
from core.temporal import register_search_attributes
from models.tables import Product, StockLevel, Warehouse

CATALOG = [
    # sku, name, list price, stock
    ("OFF-PA-10000174", "Message Book, Wirebound", Decimal("8.224"), 100),
    ("OFF-LA-10003223", "Avery 508", Decimal("3.928"), 100),
    ("FUR-CH-10000454", "Mitel 5320 IP Phone", Decimal("139.99"), 5),
    ("TEC-PH-10002275", "Old Phone", Decimal("50.00"), 10),
]


# Only the second warehouse stocks this SKU, so orders with it split.
SECOND_WAREHOUSE_SKU = ("TEC-AC-10003832", "Logitech Keyboard", Decimal("20.00"), 10)


def seed_catalog(engine) -> None:
    with Session(engine) as session:
        session.add(Warehouse(id="WH-1", name="Main", postal_region="77",
                              timezone="America/Chicago"))
        session.add(Warehouse(id="WH-2", name="East", postal_region="10",
                              timezone="America/New_York"))
        for sku, name, price, stock in CATALOG:
            session.add(Product(sku=sku, name=name, list_price=price,
                                discontinued=sku == "TEC-PH-10002275"))
            session.add(StockLevel(sku=sku, warehouse_id="WH-1", on_hand=stock))
        sku, name, price, stock = SECOND_WAREHOUSE_SKU
        session.add(Product(sku=sku, name=name, list_price=price, category="Technology"))
        session.add(StockLevel(sku=sku, warehouse_id="WH-2", on_hand=stock))
        session.commit()


@pytest.fixture
def sqlite_engine(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'oms.db'}")
    create_tables(engine)
    seed_catalog(engine)
    yield engine
    engine.dispose()


@pytest_asyncio.fixture(scope="session")
async def time_skipping_env():
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=temporal_test_server(),
    )
    await register_search_attributes(env.client)
    yield env
    await env.shutdown()


@pytest.fixture
def task_queue() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


INTEGRATION_FOLDERS = ("api", "integration")


def pytest_collection_modifyitems(config, items):
    """Mark tests under tests/api and tests/integration as integration."""
    root = Path(__file__).parent
    for item in items:
        relative = Path(item.fspath).relative_to(root)
        if relative.parts and relative.parts[0] in INTEGRATION_FOLDERS:
            item.add_marker(pytest.mark.integration)


@pytest_asyncio.fixture
async def fresh_env():
    """A time-skipping server of the test's own, for tests that run long
    follow-up windows: a workflow left over from another test cannot
    hold its clock back."""
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=temporal_test_server(),
    )
    await register_search_attributes(env.client)
    yield env
    await env.shutdown()
