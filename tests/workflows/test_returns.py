"""Returns after delivery: approval, receipt, inspection, refund."""

import asyncio
from decimal import Decimal

import pytest
from sqlmodel import Session
from temporalio.client import WorkflowUpdateFailedError

from models.payloads import (
    FollowUpPolicy,
    OrderState,
    ReturnCreate,
    ReturnDecision,
    ReturnInspection,
    ReturnLine,
)
from models.status import OrderStatus, ReturnStatus
from models.tables import Product, StockLevel
from tests.workflows.helpers import make_order, make_worker
from workflows.order import OrderWorkflow
from workflows.returns import ReturnWorkflow


async def until(handle, check, attempts: int = 200):
    for _ in range(attempts):
        state: OrderState = await handle.query(OrderWorkflow.state)
        if check(state):
            return state
        await asyncio.sleep(0.05)
    raise AssertionError(f"condition not reached; order is {state.status.value}")


async def until_return(env, return_id: str, status: ReturnStatus):
    handle = env.client.get_workflow_handle(return_id)
    for _ in range(200):
        state = await handle.query(ReturnWorkflow.state)
        if state.status == status:
            return handle
        await asyncio.sleep(0.05)
    raise AssertionError(f"{return_id} never reached {status.value}")


def on_hand(engine, sku: str) -> int:
    with Session(engine) as session:
        return session.get(StockLevel, (sku, "WH-1")).on_hand


async def start(env, order, task_queue):
    return await env.client.start_workflow(
        OrderWorkflow.run, order, id=f"order-{order.order_id}", task_queue=task_queue)


async def test_return_damaged_line_restocked_and_refunded(
    fresh_env, sqlite_engine, task_queue
):
    env = fresh_env
    async with make_worker(env.client, task_queue, sqlite_engine):
        handle = await start(env, make_order("ret-1"), task_queue)
        await until(handle, lambda s: s.status == OrderStatus.DELIVERED)
        await handle.execute_update(OrderWorkflow.request_return, ReturnCreate(
            lines=[ReturnLine(sku="OFF-PA-10000174", quantity=2, reason="damaged")]))
        child = await until_return(env, "return-ret-1-1", ReturnStatus.LABEL_CREATED)
        await child.execute_update(ReturnWorkflow.receive)
        await until_return(env, "return-ret-1-1", ReturnStatus.RECEIVED)
        await child.execute_update(ReturnWorkflow.inspect, ReturnInspection(restock=True))
        await until(handle, lambda s: s.returns[0].status == ReturnStatus.REFUNDED)
        state: OrderState = await handle.result()

    refund = state.payments[-1]
    assert state.status == OrderStatus.COMPLETED
    assert state.returns[0].status == ReturnStatus.REFUNDED
    assert state.returns[0].tracking_number
    # 2 x 8.22 = 16.44 was paid for the returned line.
    assert refund.kind == "refund"
    assert refund.amount == Decimal("16.44")
    # 100 on hand, 2 shipped, 2 back on the shelf.
    assert on_hand(sqlite_engine, "OFF-PA-10000174") == 100


async def test_return_needs_staff_and_can_be_rejected(
    fresh_env, sqlite_engine, task_queue
):
    env = fresh_env
    async with make_worker(env.client, task_queue, sqlite_engine):
        handle = await start(env, make_order("ret-2"), task_queue)
        await until(handle, lambda s: s.status == OrderStatus.DELIVERED)
        await handle.execute_update(OrderWorkflow.request_return, ReturnCreate(
            lines=[ReturnLine(sku="OFF-LA-10003223", quantity=1, reason="changed_mind")]))
        child = await until_return(env, "return-ret-2-1", ReturnStatus.REQUESTED)
        await child.execute_update(ReturnWorkflow.decide,
                                   ReturnDecision(approve=False, reason="used item"))
        state: OrderState = await handle.result()

    assert state.returns[0].status == ReturnStatus.REJECTED
    assert state.returns[0].note == "used item"
    assert [p.kind for p in state.payments] == ["authorize", "capture"]


async def test_return_more_than_delivered_rejected(
    fresh_env, sqlite_engine, task_queue
):
    env = fresh_env
    async with make_worker(env.client, task_queue, sqlite_engine):
        handle = await start(env, make_order("ret-3"), task_queue)
        await until(handle, lambda s: s.status == OrderStatus.DELIVERED)
        with pytest.raises(WorkflowUpdateFailedError) as rejected:
            await handle.execute_update(OrderWorkflow.request_return, ReturnCreate(
                lines=[ReturnLine(sku="OFF-LA-10003223", quantity=4, reason="damaged")]))
        await handle.terminate("test finished")

    assert "3 delivered and not yet returned" in str(rejected.value.cause)


async def test_return_before_delivery_rejected(fresh_env, sqlite_engine, task_queue):
    env = fresh_env
    async with make_worker(env.client, task_queue, sqlite_engine, manual=True):
        handle = await start(env, make_order("ret-4"), task_queue)
        await until(handle, lambda s: s.status == OrderStatus.PICKING)
        with pytest.raises(WorkflowUpdateFailedError) as rejected:
            await handle.execute_update(OrderWorkflow.request_return, ReturnCreate(
                lines=[ReturnLine(sku="OFF-LA-10003223", quantity=1, reason="damaged")]))
        await handle.terminate("test finished")

    assert "returns open once it is delivered" in str(rejected.value.cause)


async def test_order_continues_as_new_in_follow_up(
    fresh_env, sqlite_engine, task_queue
):
    env = fresh_env
    order = make_order("can-1").model_copy(update={"follow_up": FollowUpPolicy(
        tracking_poll_seconds=60, feedback_delay_seconds=3600,
        return_window_seconds=14 * 86400, history_event_limit=40)})
    async with make_worker(env.client, task_queue, sqlite_engine):
        handle = await start(env, order, task_queue)
        state: OrderState = await handle.result()
        latest = await env.client.get_workflow_handle(handle.id).describe()

    kinds = [entry.kind for entry in state.timeline]
    assert state.status == OrderStatus.COMPLETED
    # The run that completed is a later one than the run the start created.
    assert latest.run_id != handle.first_execution_run_id
    assert kinds[0] == "order_received"
    assert kinds.count("feedback_requested") == 1
    assert "return_window_closed" in kinds


async def test_promotion_and_tax_reach_payment_and_refund(
    fresh_env, sqlite_engine, task_queue
):
    from models.catalog import PromotionRecord, TaxRateRecord

    with Session(sqlite_engine) as session:
        session.add(PromotionRecord(id="TENOFF", scope="order", currency="USD",
                                    percent=Decimal(10)))
        session.add(TaxRateRecord(country="US", region="Texas", rate=Decimal("8.25")))
        session.commit()
    env = fresh_env
    async with make_worker(env.client, task_queue, sqlite_engine):
        handle = await start(env, make_order("promo-1"), task_queue)
        await until(handle, lambda s: s.status == OrderStatus.DELIVERED)
        await handle.execute_update(OrderWorkflow.request_return, ReturnCreate(
            lines=[ReturnLine(sku="OFF-PA-10000174", quantity=2, reason="damaged")]))
        child = await until_return(env, "return-promo-1-1", ReturnStatus.LABEL_CREATED)
        await child.execute_update(ReturnWorkflow.receive)
        await until_return(env, "return-promo-1-1", ReturnStatus.RECEIVED)
        await child.execute_update(ReturnWorkflow.inspect, ReturnInspection(restock=False))
        state: OrderState = await handle.result()
    paper, labels = state.lines

    # Lines 16.44 and 11.79 (28.23); 10% off is 2.823 -> 2.82, split by
    # largest remainder into 1.64 and 1.18; nets 14.80 and 10.61.
    assert [paper.discount, labels.discount] == [Decimal("1.64"), Decimal("1.18")]
    # Texas 8.25% per line: 1.221 -> 1.22 and 0.875325 -> 0.88.
    assert [paper.tax, labels.tax] == [Decimal("1.22"), Decimal("0.88")]
    assert state.discount_total == Decimal("2.82")
    assert state.tax_total == Decimal("2.10")
    assert state.total == Decimal("27.51")
    assert state.payments[1].amount == Decimal("27.51")
    # The returned paper line's net 14.80 plus its tax 1.22 is 16.02.
    assert state.payments[-1].kind == "refund"
    assert state.payments[-1].amount == Decimal("16.02")


async def test_bundle_order_ships_and_refunds_components(
    fresh_env, sqlite_engine, task_queue
):
    from models.catalog import BundleRecord

    with Session(sqlite_engine) as session:
        for sku, price in (("KIT-A", "30.00"), ("KIT-B", "20.00"), ("KIT-C", "25.00"),
                           ("KIT", "100.00")):
            session.add(Product(sku=sku, name=sku, list_price=Decimal(price)))
            session.add(StockLevel(sku=sku, warehouse_id="WH-1", on_hand=10))
        session.add(BundleRecord(sku="KIT", kind="fixed",
                                 components={"KIT-A": 1, "KIT-B": 2, "KIT-C": 1}))
        session.commit()
    env = fresh_env
    async with make_worker(env.client, task_queue, sqlite_engine):
        handle = await start(env, make_order("kit-1", lines=[("KIT", 1)]), task_queue)
        await until(handle, lambda s: s.status == OrderStatus.DELIVERED)
        await handle.execute_update(OrderWorkflow.request_return, ReturnCreate(
            lines=[ReturnLine(sku="KIT-B", quantity=2, reason="damaged")]))
        child = await until_return(env, "return-kit-1-1", ReturnStatus.LABEL_CREATED)
        await child.execute_update(ReturnWorkflow.receive)
        await until_return(env, "return-kit-1-1", ReturnStatus.RECEIVED)
        await child.execute_update(ReturnWorkflow.inspect, ReturnInspection(restock=True))
        state: OrderState = await handle.result()
    totals = {line.sku: line.line_total for line in state.lines}

    # 100.00 split by list value 30 : 40 : 25 -> 31.58, 42.10, 26.32.
    assert totals == {"KIT-A": Decimal("31.58"), "KIT-B": Decimal("42.10"),
                      "KIT-C": Decimal("26.32")}
    assert state.total == Decimal("100.00")
    assert state.payments[-1].amount == Decimal("42.10")
    with Session(sqlite_engine) as session:
        assert session.get(StockLevel, ("KIT-A", "WH-1")).on_hand == 9
        assert session.get(StockLevel, ("KIT-B", "WH-1")).on_hand == 10
        assert session.get(StockLevel, ("KIT", "WH-1")).on_hand == 10
