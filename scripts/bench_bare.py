"""Second baseline for the benchmark: the order's own activity calls,
status updates and projection writes in a straight line.

It makes the calls a delivered single-shipment order makes, with the
same requests, so its activities do the same database work. What it
leaves out is the order workflow's own logic: holds and cancel checks,
the timeline, shipment state, e-mails and compensation. The ratio of
orders to this baseline is the cost of that logic alone.
"""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.payloads import (
        CapturedOrder,
        EtaRequest,
        FeedbackRequest,
        OrderInput,
        OrderState,
        PaymentRecord,
        PaymentRequest,
        ShipmentInfo,
        ShipRequest,
        TrackingRequest,
        TrackingResult,
        WarehouseRequest,
        WarehouseResult,
    )
    from models.status import OrderStatus
    from workflows.search_attributes import ORDER_STATUS

_TIMEOUT = timedelta(seconds=60)


async def _call(name: str, request, result_type: type):
    return await workflow.execute_activity(
        name, request, result_type=result_type, start_to_close_timeout=_TIMEOUT)


@workflow.defn
class BareOrderWorkflow:
    @workflow.run
    async def run(self, order: OrderInput) -> str:
        self._state = OrderState(
            order_id=order.order_id, workflow_id=workflow.info().workflow_id,
            status=OrderStatus.RECEIVED, channel=order.channel,
            customer_id=order.customer_id, currency=order.currency,
            placed_at=order.placed_at, requested_lines=order.lines,
        )
        captured = await _call("capture_order", order, CapturedOrder)
        self._state.total = captured.total

        await self._enter(OrderStatus.PAYMENT)
        payment = PaymentRequest(
            order_id=order.order_id, amount=captured.total, currency=order.currency,
            payment_token=order.payment_token,
            idempotency_key=f"{self._state.workflow_id}/authorize",
        )
        authorization = await _call("authorize_payment", payment, PaymentRecord)
        capture = payment.model_copy(update={
            "idempotency_key": f"{self._state.workflow_id}/capture",
            "authorization_id": authorization.payment_id,
        })
        await _call("capture_payment", capture, PaymentRecord)

        await self._enter(OrderStatus.PICKING)
        planned = captured.shipments[0]
        shipped_skus = {line.sku for line in planned.lines}
        lines = [line for line in captured.lines if line.sku in shipped_skus]
        for step in ("pick", "pack"):
            request = WarehouseRequest(order_id=order.order_id, lines=lines,
                                       step=step, warehouse_id=planned.warehouse_id)
            await _call("perform_warehouse_step", request, WarehouseResult)
            if step == "pick":
                await self._enter(OrderStatus.PACKING)

        ship = ShipRequest(
            order_id=order.order_id, address=order.shipping_address, lines=lines,
            ship_mode=order.ship_mode, warehouse_id=planned.warehouse_id,
            idempotency_key=f"{self._state.workflow_id}/ship",
            shipment_id=f"{order.order_id}-{planned.number}",
        )
        info = await _call("ship_order", ship, ShipmentInfo)
        await self._enter(OrderStatus.SHIPPED)
        tracking = TrackingRequest(order_id=order.order_id,
                                   tracking_number=info.tracking_number)
        await _call("fetch_tracking_events", tracking, TrackingResult)
        await workflow.execute_local_activity(
            "estimate_eta",
            EtaRequest(shipment=info, warehouse_id=planned.warehouse_id,
                       address=order.shipping_address),
            result_type=type(info.shipped_at), start_to_close_timeout=_TIMEOUT,
        )

        await self._enter(OrderStatus.DELIVERED)
        feedback = FeedbackRequest(order_id=order.order_id,
                                   customer_id=order.customer_id)
        await _call("request_feedback", feedback, bool)
        await self._enter(OrderStatus.COMPLETED)
        return self._state.status.value

    async def _enter(self, status: OrderStatus) -> None:
        self._state.status = status
        self._state.version += 1
        workflow.upsert_search_attributes([ORDER_STATUS.value_set(status.value)])
        await workflow.execute_local_activity(
            "record_order_state", self._state, start_to_close_timeout=_TIMEOUT)
