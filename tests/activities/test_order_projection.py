"""The order projection keeps the newest version the workflow sent."""

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlmodel import Session
from temporalio.testing import ActivityEnvironment

from models.payloads import OrderLineInput, OrderState
from models.status import OrderStatus
from models.tables import OrderRecord
from tests.workflows.helpers import make_activities


def state(version: int, status: OrderStatus, total: str | None = None) -> OrderState:
    return OrderState(
        order_id="O-1", workflow_id="order-O-1", status=status, channel="api",
        customer_id="C-1", currency="USD",
        placed_at=datetime(2026, 12, 1, 9, 30, tzinfo=timezone.utc),
        requested_lines=[OrderLineInput(sku="OFF-LA-10003223", quantity=2)],
        total=Decimal(total) if total else None, version=version,
    )


def stored(engine) -> OrderRecord:
    with Session(engine) as session:
        return session.get(OrderRecord, "O-1")


@pytest.fixture
def record(sqlite_engine):
    activities = make_activities(sqlite_engine)
    return lambda snapshot: ActivityEnvironment().run(
        activities.record_order_state, snapshot)


def test_projection_inserts_missing_row(sqlite_engine, record):
    record(state(1, OrderStatus.RECEIVED))

    row = stored(sqlite_engine)
    assert row.status == "received"
    assert row.version == 1
    assert row.customer_id == "C-1"
    assert row.state["requested_lines"][0]["quantity"] == 2


def test_projection_newer_version_overwrites(sqlite_engine, record):
    record(state(1, OrderStatus.RECEIVED))
    record(state(2, OrderStatus.PAYMENT, "7.86"))

    row = stored(sqlite_engine)
    assert row.status == "payment"
    assert row.version == 2
    assert row.total == Decimal("7.86")
    assert row.state["status"] == "payment"


def test_projection_older_version_ignored(sqlite_engine, record):
    record(state(3, OrderStatus.PICKING, "7.86"))
    record(state(2, OrderStatus.PAYMENT, "7.86"))
    record(state(3, OrderStatus.PAYMENT, "7.86"))

    row = stored(sqlite_engine)
    assert row.status == "picking"
    assert row.version == 3
    assert row.state["status"] == "picking"
