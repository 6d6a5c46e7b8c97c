"""Order workflow on the time-skipping test server with real activities."""

import asyncio
from decimal import Decimal

import pytest
from sqlmodel import Session, select
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from integrations.payment import SimulatedPaymentProvider
from models.payloads import OperatorRequest, OrderState
from models.status import FailureReason, OrderStatus, PaymentStatus, ShipmentStatus
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


def stock_in(engine, sku: str, warehouse_id: str) -> StockLevel:
    with Session(engine) as session:
        return session.get(StockLevel, (sku, warehouse_id))


async def test_order_split_ships_from_two_warehouses(
    time_skipping_env, sqlite_engine, task_queue
):
    env = time_skipping_env
    order = make_order("split-1", lines=[("OFF-PA-10000174", 2), ("TEC-AC-10003832", 1)])
    async with make_worker(env.client, task_queue, sqlite_engine):
        state: OrderState = await (await start(env, order, task_queue)).result()

    by_warehouse = {s.warehouse_id: s for s in state.fulfillments}
    assert state.status == OrderStatus.COMPLETED
    assert set(by_warehouse) == {"WH-1", "WH-2"}
    assert all(s.status == ShipmentStatus.DELIVERED for s in state.fulfillments)
    assert len({s.info.tracking_number for s in state.fulfillments}) == 2
    assert stock_in(sqlite_engine, "OFF-PA-10000174", "WH-1").on_hand == 98
    assert stock_in(sqlite_engine, "TEC-AC-10003832", "WH-2").on_hand == 9


async def test_order_shipment_has_rate_choice_and_eta(
    time_skipping_env, sqlite_engine, task_queue
):
    env = time_skipping_env
    order = make_order("rate-1")
    async with make_worker(env.client, task_queue, sqlite_engine):
        state: OrderState = await (await start(env, order, task_queue)).result()
    info = state.shipments[0]

    assert info.service in {"ground", "two_day", "express", "same_day"}
    assert "cheapest" in info.rate_reason or "fastest" in info.rate_reason
    assert info.box_code
    assert info.eta is not None
    assert info.events[-1].status == ShipmentStatus.DELIVERED


async def test_order_partial_cancel_refunds_unshipped_share(
    time_skipping_env, sqlite_engine, task_queue
):
    env = time_skipping_env
    # 2 x 8.224 -> 16.44 ships from WH-1; 1 x 20.00 waits in WH-2 for staff.
    order = make_order("partial-1", lines=[("OFF-PA-10000174", 2), ("TEC-AC-10003832", 1)])
    async with make_worker(env.client, task_queue, sqlite_engine,
                           manual_warehouses={"WH-2"}):
        handle = await start(env, order, task_queue)
        for _ in range(200):
            state: OrderState = await handle.query(OrderWorkflow.state)
            if any(s.leaving for s in state.fulfillments):
                break
            await asyncio.sleep(0.05)
        await handle.execute_update(
            OrderWorkflow.cancel, OperatorRequest(reason="second part not needed"))
        state = await handle.result()

    by_warehouse = {s.warehouse_id: s for s in state.fulfillments}
    assert by_warehouse["WH-1"].status == ShipmentStatus.DELIVERED
    assert by_warehouse["WH-2"].status == ShipmentStatus.CANCELLED
    assert state.status == OrderStatus.COMPLETED
    assert [p.kind for p in state.payments] == ["authorize", "capture", "refund"]
    assert state.payments[-1].amount == Decimal("20.00")
    assert stock_in(sqlite_engine, "TEC-AC-10003832", "WH-2").reserved == 0
    assert stock_in(sqlite_engine, "TEC-AC-10003832", "WH-2").on_hand == 10
    assert stock_in(sqlite_engine, "OFF-PA-10000174", "WH-1").on_hand == 98


async def test_order_priced_from_channel_price_list(
    time_skipping_env, sqlite_engine, task_queue
):
    from models.catalog import PriceListRecord, PriceTierRecord

    with Session(sqlite_engine) as session:
        session.add(PriceListRecord(id="api-promo", currency="USD", channel="api",
                                    priority=5))
        session.add(PriceListRecord(id="pos-only", currency="USD", channel="pos",
                                    priority=9))
        session.flush()
        session.add(PriceTierRecord(price_list_id="api-promo", sku="OFF-PA-10000174",
                                    min_quantity=1, unit_price=Decimal("7.00")))
        session.add(PriceTierRecord(price_list_id="api-promo", sku="OFF-PA-10000174",
                                    min_quantity=2, unit_price=Decimal("6.50")))
        session.add(PriceTierRecord(price_list_id="pos-only", sku="OFF-PA-10000174",
                                    min_quantity=1, unit_price=Decimal("1.00")))
        session.commit()
    env = time_skipping_env
    order = make_order("priced-1")
    async with make_worker(env.client, task_queue, sqlite_engine):
        state: OrderState = await (await start(env, order, task_queue)).result()
    paper, labels = state.lines

    # 2 units reach the tier from 2 of the api list: 2 x 6.50 = 13.00.
    assert paper.unit_price == Decimal("6.50")
    assert paper.line_total == Decimal("13.00")
    assert paper.price_source == "price list api-promo, tier from 2"
    assert labels.price_source == "product list price"
    assert state.total == Decimal("24.79")


async def test_order_lost_refund_answer_refunds_once(
    time_skipping_env, sqlite_engine, task_queue
):
    from models.postsale import PaymentBalance

    env = time_skipping_env
    order = make_order("lost-refund-1", token="tok_lost_answer_1")
    async with make_worker(env.client, task_queue, sqlite_engine, manual=True):
        handle = await start(env, order, task_queue)
        await wait_for_status(handle, OrderStatus.PICKING)
        await handle.execute_update(
            OrderWorkflow.cancel, OperatorRequest(reason="customer asked"))
        state: OrderState = await handle.result()

    refunds = SimulatedPaymentProvider(sqlite_engine).operations("refund")
    with Session(sqlite_engine) as session:
        balance = session.exec(select(PaymentBalance)).one()
    assert state.status == OrderStatus.CANCELLED
    # The first refund response was lost; the retry reused the key.
    assert len(refunds) == 1
    assert refunds[0].calls == 2
    assert refunds[0].amount_minor == 2823
    assert balance.refunded == Decimal("28.23")
