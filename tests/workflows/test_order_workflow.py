"""Order workflow on the time-skipping test server with real activities."""

from decimal import Decimal

import pytest
from sqlmodel import Session, select
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from integrations.payment import SimulatedPaymentProvider
from models.payloads import OperatorRequest, OrderState
from models.status import FailureReason, OrderStatus, PaymentStatus
from models.tables import StockLevel
from tests.workflows.helpers import make_order, make_worker
from workflows.order import OrderWorkflow


async def start(env: WorkflowEnvironment, order, task_queue):
    return await env.client.start_workflow(
        OrderWorkflow.run, order, id=f"order-{order.order_id}", task_queue=task_queue
    )


def stock(engine, sku: str) -> StockLevel:
    with Session(engine) as session:
        return session.exec(select(StockLevel).where(StockLevel.sku == sku)).one()


async def test_order_happy_path_completes(time_skipping_env, sqlite_engine, task_queue):
    env = time_skipping_env
    order = make_order("happy-1")
    async with make_worker(env.client, task_queue, sqlite_engine):
        handle = await start(env, order, task_queue)
        state: OrderState = await handle.result()

    assert state.status == OrderStatus.COMPLETED
    # 2 x 8.224 -> unit 8.22, line 16.44; 3 x 3.928 -> unit 3.93, line 11.79
    assert [line.line_total for line in state.lines] == [Decimal("16.44"), Decimal("11.79")]
    assert state.total == Decimal("28.23")
    assert [p.status for p in state.payments] == [PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED]
    assert state.shipments[0].tracking_number.startswith("SIM")
    assert stock(sqlite_engine, "OFF-PA-10000174").on_hand == 98
    assert stock(sqlite_engine, "OFF-PA-10000174").reserved == 0
    kinds = [entry.kind for entry in state.timeline]
    assert "feedback_requested" in kinds
    assert "return_window_closed" in kinds


async def test_order_declined_card_compensates(time_skipping_env, sqlite_engine, task_queue):
    env = time_skipping_env
    order = make_order("declined-1", token="tok_decline")
    async with make_worker(env.client, task_queue, sqlite_engine):
        state: OrderState = await (await start(env, order, task_queue)).result()

    assert state.status == OrderStatus.FAILED
    assert state.failure_reason == FailureReason.PAYMENT_DECLINED
    assert stock(sqlite_engine, "OFF-PA-10000174").reserved == 0
    assert stock(sqlite_engine, "OFF-PA-10000174").on_hand == 100


async def test_order_lost_capture_answer_captures_once(
    time_skipping_env, sqlite_engine, task_queue
):
    env = time_skipping_env
    order = make_order("lost-1", token="tok_lost_answer_2")
    async with make_worker(env.client, task_queue, sqlite_engine):
        state: OrderState = await (await start(env, order, task_queue)).result()

    captures = SimulatedPaymentProvider(sqlite_engine).operations("capture")
    assert state.status == OrderStatus.COMPLETED
    assert len(captures) == 1
    assert captures[0].calls == 3
    assert captures[0].amount_minor == 2823


async def test_order_hold_at_start_stops_before_payment(
    time_skipping_env, sqlite_engine, task_queue
):
    env = time_skipping_env
    order = make_order("hold-1")
    async with make_worker(env.client, task_queue, sqlite_engine):
        handle = await start(env, order, task_queue)
        await handle.execute_update(
            OrderWorkflow.hold, OperatorRequest(reason="fraud check", actor="ops-1")
        )
        held: OrderState = await handle.query(OrderWorkflow.state)

        assert held.status == OrderStatus.RECEIVED
        assert held.payments == []
        assert held.active_hold is not None

        await handle.execute_update(
            OrderWorkflow.release, OperatorRequest(reason="checked", actor="ops-1")
        )
        state: OrderState = await handle.result()

    assert state.status == OrderStatus.COMPLETED
    kinds = [entry.kind for entry in state.timeline]
    assert kinds.index("hold_placed") < kinds.index("payment_authorized")
    assert kinds.index("hold_released") < kinds.index("payment_authorized")


async def test_order_cancel_before_shipping_refunds(
    time_skipping_env, sqlite_engine, task_queue
):
    env = time_skipping_env
    order = make_order("cancel-1")
    async with make_worker(env.client, task_queue, sqlite_engine, manual=True):
        handle = await start(env, order, task_queue)
        await wait_for_status(handle, OrderStatus.PICKING)
        await handle.execute_update(
            OrderWorkflow.cancel, OperatorRequest(reason="customer asked")
        )
        state: OrderState = await handle.result()

    assert state.status == OrderStatus.CANCELLED
    assert state.cancel_reason == "customer asked"
    assert [p.kind for p in state.payments] == ["authorize", "capture", "refund"]
    assert state.payments[-1].amount == Decimal("28.23")
    assert stock(sqlite_engine, "OFF-PA-10000174").reserved == 0
    assert stock(sqlite_engine, "OFF-PA-10000174").on_hand == 100


async def test_order_cancel_after_shipping_rejected(
    time_skipping_env, sqlite_engine, task_queue
):
    env = time_skipping_env
    order = make_order("cancel-late-1")
    async with make_worker(env.client, task_queue, sqlite_engine, transit_seconds=10**6):
        handle = await start(env, order, task_queue)
        await wait_for_status(handle, OrderStatus.SHIPPED)
        with pytest.raises(WorkflowUpdateFailedError) as rejected:
            await handle.execute_update(
                OrderWorkflow.cancel, OperatorRequest(reason="too late")
            )
        state: OrderState = await handle.query(OrderWorkflow.state)
        await handle.terminate("test finished")

    assert "has left the warehouse" in str(rejected.value.cause)
    assert state.status == OrderStatus.SHIPPED
    assert [p.kind for p in state.payments] == ["authorize", "capture"]


async def test_order_discontinued_item_fails(time_skipping_env, sqlite_engine, task_queue):
    env = time_skipping_env
    order = make_order("discontinued-1", lines=[("TEC-PH-10002275", 1)])
    async with make_worker(env.client, task_queue, sqlite_engine):
        state: OrderState = await (await start(env, order, task_queue)).result()

    assert state.status == OrderStatus.FAILED
    assert state.failure_reason == FailureReason.ITEM_DISCONTINUED
    assert state.payments == []


async def test_order_invalid_address_refunds(time_skipping_env, sqlite_engine, task_queue):
    env = time_skipping_env
    order = make_order("address-1", postal_code="00000")
    async with make_worker(env.client, task_queue, sqlite_engine):
        state: OrderState = await (await start(env, order, task_queue)).result()

    assert state.status == OrderStatus.FAILED
    assert state.failure_reason == FailureReason.ADDRESS_INVALID
    assert [p.kind for p in state.payments] == ["authorize", "capture", "refund"]
    # Stock was picked, then the failed order returned it.
    assert stock(sqlite_engine, "OFF-PA-10000174").on_hand == 100


async def wait_for_status(handle, status: OrderStatus, attempts: int = 200):
    import asyncio

    for _ in range(attempts):
        state: OrderState = await handle.query(OrderWorkflow.state)
        if state.status == status:
            return state
        await asyncio.sleep(0.05)
    raise AssertionError(f"order never reached {status.value}; last {state.status.value}")
