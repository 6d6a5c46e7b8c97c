"""Concurrent orders race `reserve_order_stock` for the same stock.

Each order runs in its own thread with its own session and connection,
and a barrier releases them together. The same cases run on PostgreSQL
(marked `postgres`) and on SQLite.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlmodel import Session, select

from activities.stock import (
    OutOfStockError,
    ReceiptLine,
    audit_stock_levels,
    receive_stock,
    reserve_order_stock,
)
from models.payloads import OrderLineInput
from models.tables import Reservation, StockLevel, StockMovement, Warehouse

SKU = "FUR-CH-10000454"


def stock_up(engine, units: int, sku: str = SKU) -> None:
    with Session(engine) as session:
        if session.get(Warehouse, "WH-1") is None:
            session.add(Warehouse(id="WH-1", name="Main"))
            session.commit()
        receive_stock(session, f"receipt-{sku}", "PO-1", "WH-1",
                      [ReceiptLine(sku, units)])


def race(engine, orders: list[tuple[str, int]], sku: str = SKU) -> dict:
    """Reserve each (order id, quantity) at once. Return a map from
    order id to its reservations or to the OutOfStockError raised."""
    barrier = threading.Barrier(len(orders))

    def place(order_id: str, quantity: int):
        with Session(engine) as session:
            barrier.wait()
            try:
                return reserve_order_stock(
                    session, order_id, [OrderLineInput(sku=sku, quantity=quantity)]
                )
            except OutOfStockError as error:
                return error

    with ThreadPoolExecutor(max_workers=len(orders)) as pool:
        futures = {oid: pool.submit(place, oid, q) for oid, q in orders}
    return {oid: future.result() for oid, future in futures.items()}


def level(engine, sku: str = SKU) -> StockLevel:
    with Session(engine) as session:
        return session.get(StockLevel, (sku, "WH-1"))


def test_two_orders_of_three_for_five_units(any_engine):
    # Ten rounds, each on a fresh SKU, raise the chance that the two
    # transactions overlap.
    for round_number in range(10):
        sku = f"{SKU}-{round_number}"
        stock_up(any_engine, 5, sku)

        results = race(any_engine, [(f"a-{round_number}", 3),
                                    (f"b-{round_number}", 3)], sku)
        rejected = [r for r in results.values() if isinstance(r, OutOfStockError)]
        reserved = [r for r in results.values() if isinstance(r, list)]
        stock = level(any_engine, sku)

        assert len(reserved) == 1
        assert len(rejected) == 1
        assert rejected[0].sku == sku
        assert rejected[0].requested == 3
        assert rejected[0].available == 2
        assert str(rejected[0]) == f"SKU {sku}: 3 requested, 2 available"
        assert stock.reserved == 3
        assert stock.on_hand - stock.reserved == 2


def test_hundred_orders_of_one_for_ten_units(any_engine):
    stock_up(any_engine, 10)

    results = race(any_engine, [(f"order-{i:03}", 1) for i in range(100)])
    succeeded = [oid for oid, r in results.items() if isinstance(r, list)]
    rejected = [r for r in results.values() if isinstance(r, OutOfStockError)]
    stock = level(any_engine)
    with Session(any_engine) as session:
        reservations = session.exec(select(Reservation)).all()
        movements = session.exec(
            select(StockMovement).where(StockMovement.kind == "reservation")
        ).all()
        discrepancies = audit_stock_levels(session)

    assert len(succeeded) == 10
    assert len(rejected) == 90
    assert all(error.available == 0 for error in rejected)
    assert stock.on_hand == 10
    assert stock.reserved == 10
    assert stock.on_hand - stock.reserved == 0
    assert sorted(r.order_id for r in reservations) == sorted(succeeded)
    assert len(movements) == 10
    assert discrepancies == []


def test_one_order_adds_up_lines_of_same_sku(any_engine):
    # Two lines of 3 are 6 units: with 5 in stock the order is rejected
    # whole, although each line alone would fit.
    stock_up(any_engine, 5)

    with Session(any_engine) as session:
        lines = [OrderLineInput(sku=SKU, quantity=3),
                 OrderLineInput(sku=SKU, quantity=3)]
        try:
            reserve_order_stock(session, "order-1", lines)
            error = None
        except OutOfStockError as caught:
            error = caught

    assert error is not None
    assert error.requested == 6
    assert error.available == 5
    assert level(any_engine).reserved == 0
