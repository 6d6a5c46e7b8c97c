"""Capture allocates to the warehouse nearest the customer."""

from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlmodel import Session
from temporalio.testing import ActivityEnvironment

from core.db import create_tables, make_engine
from domain.geography import approximate_location
from models.payloads import Address, OrderInput, OrderLineInput
from models.tables import Product, StockLevel, Warehouse
from tests.workflows.helpers import make_activities


@pytest.fixture
def engine(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'oms.db'}")
    create_tables(engine)
    with Session(engine) as session:
        session.add(Warehouse(id="WH-HOU", name="Houston", latitude=29.76,
                              longitude=-95.37, timezone="America/Chicago"))
        session.add(Warehouse(id="WH-NYC", name="New York", latitude=40.71,
                              longitude=-74.01, timezone="America/New_York"))
        session.add(Product(sku="A", name="Stapler", list_price="5.00"))
        for warehouse_id in ("WH-HOU", "WH-NYC"):
            session.add(StockLevel(sku="A", warehouse_id=warehouse_id, on_hand=10))
        session.commit()
    yield engine
    engine.dispose()


def order(order_id: str, postal_code: str) -> OrderInput:
    return OrderInput(
        order_id=order_id, channel="api", customer_id="C-1",
        lines=[OrderLineInput(sku="A", quantity=2)],
        shipping_address=Address(city="x", postal_code=postal_code),
        payment_token="tok_visa", placed_at=datetime.now(timezone.utc),
    )


@pytest.mark.parametrize(("postal_code", "warehouse_id"), [
    ("77095", "WH-HOU"),  # Houston
    ("10024", "WH-NYC"),  # Manhattan
    ("98101", "WH-HOU"),  # Seattle is nearer Houston than New York
])
def test_capture_picks_nearest_warehouse(engine, postal_code, warehouse_id):
    activities = make_activities(engine)
    activities.allocation_strategy = "nearest"

    captured = ActivityEnvironment().run(
        activities.capture_order, order(f"O-{postal_code}", postal_code))

    assert [s.warehouse_id for s in captured.shipments] == [warehouse_id]


def test_geography_unknown_postal_area_is_none():
    assert approximate_location("US", "") is None
    assert approximate_location("FR", "75001") is None
    assert approximate_location("CA", "C0A") is not None
