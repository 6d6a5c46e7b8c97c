"""Backorders that wait for receipts, and reservations that expire."""

import asyncio
import time
from datetime import timedelta

from sqlmodel import Session
from temporalio import activity

from activities.orders import OrderActivities
from activities.stock import receive_stock, ReceiptLine
from api.backorders import reserve_for_backorders, wake_backorders
from core.temporal import build_worker
from models.payloads import CapturedOrder, OperatorRequest, OrderInput, OrderState
from models.status import OrderStatus
from models.tables import Product, StockLevel
from tests.workflows.helpers import make_activities, make_order, make_worker
from workflows.order import OrderWorkflow

BACKORDER_SKU = "FUR-BO-10000001"


def add_backorderable(engine) -> None:
    with Session(engine) as session:
        session.add(Product(sku=BACKORDER_SKU, name="Bookcase", list_price="99.00",
                            backorderable=True))
        session.add(StockLevel(sku=BACKORDER_SKU, warehouse_id="WH-1", on_hand=0))
        session.commit()


def receive(engine, units: int, receipt_id: str) -> None:
    with Session(engine) as session:
        receive_stock(session, receipt_id, "PO-1", "WH-1",
                      [ReceiptLine(BACKORDER_SKU, units)], user_id="test")


async def until(handle, check, attempts: int = 200) -> OrderState:
    for _ in range(attempts):
        state: OrderState = await handle.query(OrderWorkflow.state)
        if check(state):
            return state
        await asyncio.sleep(0.05)
    raise AssertionError(f"condition not reached; order is {state.status.value}")


async def test_backorder_oldest_order_gets_receipt(
    fresh_env, sqlite_engine, task_queue
):
    env = fresh_env
    add_backorderable(sqlite_engine)
    older = make_order("bo-old", lines=[(BACKORDER_SKU, 1)])
    newer = make_order("bo-new", lines=[(BACKORDER_SKU, 1)]).model_copy(
        update={"placed_at": older.placed_at + timedelta(hours=1)})
    async with make_worker(env.client, task_queue, sqlite_engine):
        handles = {}
        for order in (newer, older):
            handles[order.order_id] = await env.client.start_workflow(
                OrderWorkflow.run, order, id=f"order-{order.order_id}",
                task_queue=task_queue)
        for handle in handles.values():
            await until(handle, lambda s: s.backordered_skus == [BACKORDER_SKU])

        receive(sqlite_engine, 1, "R-1")
        served = reserve_for_backorders(sqlite_engine, {BACKORDER_SKU})
        await wake_backorders(env.client, served)
        await until(handles["bo-old"], lambda s: s.status != OrderStatus.RECEIVED)
        waiting: OrderState = await handles["bo-new"].query(OrderWorkflow.state)
        # Stop the order still waiting before time skips ahead for the other.
        await handles["bo-new"].terminate("test finished")
        done: OrderState = await handles["bo-old"].result()

    assert served == ["bo-old"]
    assert done.status == OrderStatus.COMPLETED
    assert waiting.status == OrderStatus.RECEIVED
    assert waiting.backordered_skus == [BACKORDER_SKU]


async def test_backorder_past_deadline_goes_on_hold(
    fresh_env, sqlite_engine, task_queue
):
    env = fresh_env
    add_backorderable(sqlite_engine)
    order = make_order("bo-late", lines=[(BACKORDER_SKU, 1)])
    async with make_worker(env.client, task_queue, sqlite_engine):
        handle = await env.client.start_workflow(
            OrderWorkflow.run, order, id="order-bo-late", task_queue=task_queue)
        await until(handle, lambda s: bool(s.backordered_skus))
        await env.sleep(timedelta(days=15))
        state = await until(handle, lambda s: s.active_hold is not None)
        await handle.terminate("test finished")

    assert "passed its deadline" in state.active_hold.reason
    assert state.active_hold.actor == "system"
    assert "backorder_escalated" in [entry.kind for entry in state.timeline]


class SlowCapture(OrderActivities):
    """Capture that takes a second, so a hold can arrive while it runs."""

    @activity.defn(name="capture_order")
    def capture_order(self, order: OrderInput) -> CapturedOrder:
        time.sleep(1)
        return super().capture_order(order)


async def test_held_unpaid_order_releases_then_rereserves(
    fresh_env, sqlite_engine, task_queue
):
    env = fresh_env
    base = make_activities(sqlite_engine)
    slow = SlowCapture(base.engine, base.payment, base.warehouse, base.carrier)
    async with build_worker(env.client, task_queue, slow):
        handle = await env.client.start_workflow(
            OrderWorkflow.run, make_order("ttl-1"), id="order-ttl-1",
            task_queue=task_queue)
        await asyncio.sleep(0.3)
        await handle.execute_update(OrderWorkflow.hold, OperatorRequest(reason="check"))
        await until(handle, lambda s: s.total is not None)
        # The default reservation time is 30 minutes.
        await env.sleep(timedelta(minutes=31))
        expired = await until(handle, lambda s: any(
            e.kind == "reservation_expired" for e in s.timeline))
        with Session(sqlite_engine) as session:
            reserved_while_expired = session.get(
                StockLevel, ("OFF-PA-10000174", "WH-1")).reserved
        await handle.execute_update(OrderWorkflow.release, OperatorRequest(reason="ok"))
        state: OrderState = await handle.result()

    assert expired.payments == []
    assert reserved_while_expired == 0
    assert state.status == OrderStatus.COMPLETED
    with Session(sqlite_engine) as session:
        level = session.get(StockLevel, ("OFF-PA-10000174", "WH-1"))
    assert level.on_hand == 98
    assert level.reserved == 0
