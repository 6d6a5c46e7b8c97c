"""Receipts, adjustments, audit, expiry and release of reservations."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, select
from structlog.testing import capture_logs

from activities.stock import (
    ReceiptConflictError,
    OutOfStockError,
    ReceiptLine,
    StockAdjustmentError,
    adjust_stock,
    allocate_order,
    audit_stock_levels,
    consume_order_stock,
    expire_stale_reservations,
    load_warehouse_stock,
    receive_stock,
    release_order_stock,
    reserve_order_stock,
)
from domain.allocation import FewestShipmentsStrategy, Location
from models.inventory import StockThreshold
from models.payloads import OrderLineInput
from models.tables import (
    PaymentLedgerEntry,
    Reservation,
    StockLevel,
    StockMovement,
    Warehouse,
)


@pytest.fixture
def session(any_engine):
    with Session(any_engine) as session:
        session.add(Warehouse(id="WH-1", name="East", latitude=40.71,
                              longitude=-74.01))
        session.add(Warehouse(id="WH-2", name="West", latitude=34.05,
                              longitude=-118.24))
        session.commit()
        receive_stock(session, "R-1", "PO-1", "WH-1",
                      [ReceiptLine("A", 5), ReceiptLine("B", 2)], user_id="u1")
        receive_stock(session, "R-2", "PO-2", "WH-2", [ReceiptLine("A", 4)])
        yield session


def stock(session, sku, warehouse_id="WH-1") -> StockLevel:
    return session.get(StockLevel, (sku, warehouse_id), populate_existing=True)


def lines(**quantities) -> list[OrderLineInput]:
    return [OrderLineInput(sku=s, quantity=q) for s, q in quantities.items()]


def test_receipt_adds_on_hand_and_movement(session):
    movements = session.exec(
        select(StockMovement).where(StockMovement.reference == "PO-1")
    ).all()

    assert stock(session, "A").on_hand == 5
    assert stock(session, "B").on_hand == 2
    assert {m.sku: m.quantity for m in movements} == {"A": 5, "B": 2}
    assert all(m.kind == "receipt" for m in movements)
    assert all(m.user_id == "u1" for m in movements)


def test_receipt_replay_changes_nothing(session):
    result = receive_stock(session, "R-1", "PO-1", "WH-1",
                           [ReceiptLine("A", 5), ReceiptLine("B", 2)])

    assert result.replayed is True
    assert result.units == 7
    assert stock(session, "A").on_hand == 5


def test_receipt_reused_with_other_lines_rejected(session):
    with pytest.raises(ReceiptConflictError, match="use a new receipt_id"):
        receive_stock(session, "R-1", "PO-1", "WH-1", [ReceiptLine("A", 5)])

    assert stock(session, "A").on_hand == 5


def test_receipt_rejects_zero_quantity(session):
    with pytest.raises(ValueError, match="must be positive"):
        receive_stock(session, "R-3", "PO-3", "WH-1", [ReceiptLine("A", 0)])


def test_adjustment_removes_units_with_reason(session):
    level = adjust_stock(session, "A", "WH-1", -2, "damaged in storage", "u2")
    movement = session.exec(
        select(StockMovement).where(StockMovement.kind == "adjustment")
    ).one()

    assert level.on_hand == 3
    assert movement.quantity == -2
    assert movement.reason == "damaged in storage"
    assert movement.user_id == "u2"


def test_adjustment_cannot_cut_into_reserved_units(session):
    reserve_order_stock(session, "order-1", lines(B=2))

    with pytest.raises(StockAdjustmentError, match="fewer on hand than reserved"):
        adjust_stock(session, "B", "WH-1", -1, "count")

    assert stock(session, "B").on_hand == 2


def test_audit_matches_after_every_kind_of_movement(session):
    reserve_order_stock(session, "order-1", lines(A=2))
    reserve_order_stock(session, "order-2", lines(B=1))
    consume_order_stock(session, "order-1")
    release_order_stock(session, "order-1", "returned")
    release_order_stock(session, "order-2", "cancelled")
    adjust_stock(session, "A", "WH-2", 3, "found in count")

    assert audit_stock_levels(session) == []


def test_audit_reports_level_written_without_movement(session):
    session.execute(
        update(StockLevel)
        .where(StockLevel.sku == "A", StockLevel.warehouse_id == "WH-1")
        .values(on_hand=50)
    )
    session.commit()

    [discrepancy] = audit_stock_levels(session)

    assert discrepancy.sku == "A"
    assert discrepancy.on_hand == 50
    assert discrepancy.ledger_on_hand == 5


def test_cancellation_releases_at_once(session):
    reserve_order_stock(session, "order-1", lines(A=3))

    released = release_order_stock(session, "order-1", "order cancelled")

    assert released == 3
    assert stock(session, "A").reserved == 0


def test_expiry_releases_unpaid_old_reservations(session):
    reserve_order_stock(session, "unpaid", lines(A=2))
    reserve_order_stock(session, "paid", lines(B=1))
    session.add(PaymentLedgerEntry(
        idempotency_key="order-paid/authorize", order_id="paid",
        payment_id="p1", kind="authorize", status="authorized",
        amount=10, currency="USD",
    ))
    session.commit()
    now = datetime.now(UTC)

    released = expire_stale_reservations(session, now + timedelta(seconds=1))
    again = expire_stale_reservations(session, now + timedelta(seconds=1))
    statuses = {r.order_id: r.status for r in session.exec(select(Reservation))}

    assert released == 2
    assert again == 0
    assert statuses == {"unpaid": "expired", "paid": "active"}
    assert stock(session, "A").reserved == 0
    assert stock(session, "B").reserved == 1
    assert audit_stock_levels(session) == []


def test_expiry_keeps_recent_reservations(session):
    reserve_order_stock(session, "order-1", lines(A=2))
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)

    assert expire_stale_reservations(session, an_hour_ago) == 0
    assert stock(session, "A").reserved == 2


def test_reserve_follows_split_allocation(session):
    # 7 units of A: WH-1 has 5 and WH-2 has 4, so both ship.
    warehouses = load_warehouse_stock(session, ["A"])
    allocation = FewestShipmentsStrategy().allocate(
        {"A": 7}, warehouses, Location(40.0, -75.0)
    )

    reservations = reserve_order_stock(
        session, "order-1", lines(A=7), allocation=allocation
    )

    assert {(r.warehouse_id, r.quantity) for r in reservations} == {
        ("WH-1", 5), ("WH-2", 2),
    }
    assert stock(session, "A", "WH-1").reserved == 5
    assert stock(session, "A", "WH-2").reserved == 2


def test_reserve_rejects_allocation_that_misses_units(session):
    warehouses = load_warehouse_stock(session, ["A"])
    allocation = FewestShipmentsStrategy().allocate({"A": 1}, warehouses)

    with pytest.raises(ValueError, match="allocate again"):
        reserve_order_stock(session, "order-1", lines(A=2), allocation=allocation)


def test_allocate_order_then_reserve(session):
    order = lines(A=6, B=1)

    allocation = allocate_order(session, order, Location(34.0, -118.0))
    reservations = reserve_order_stock(session, "order-1", order,
                                       allocation=allocation)

    # WH-2 (Los Angeles) is nearer but has no B, so the fewest shipments
    # are both warehouses: A=4 from WH-2, the rest from WH-1.
    assert [s.warehouse_id for s in allocation.shipments] == ["WH-2", "WH-1"]
    assert {(r.sku, r.warehouse_id, r.quantity) for r in reservations} == {
        ("A", "WH-2", 4), ("A", "WH-1", 2), ("B", "WH-1", 1),
    }


def test_reserve_stale_allocation_reports_warehouse(session):
    warehouses = load_warehouse_stock(session, ["B"])
    allocation = FewestShipmentsStrategy().allocate({"B": 2}, warehouses)
    reserve_order_stock(session, "order-1", lines(B=1))

    with pytest.raises(OutOfStockError) as caught:
        reserve_order_stock(session, "order-2", lines(B=2),
                            allocation=allocation)

    assert caught.value.requested == 2
    assert caught.value.available == 1
    assert stock(session, "B").reserved == 1


def test_low_stock_logged_after_reservation(session):
    session.add(StockThreshold(sku="A", warehouse_id="WH-1",
                               low_stock_threshold=2))
    session.commit()

    with capture_logs() as logs:
        reserve_order_stock(session, "order-1", lines(A=3))

    low = [entry for entry in logs if entry["event"] == "stock_low"]
    assert len(low) == 1
    assert low[0]["sku"] == "A"
    assert low[0]["available"] == 2
    assert low[0]["threshold"] == 2
