"""The order workflow: one durable run per order, capture to follow-up.

Activities are called by name so that this module never imports the
activity code, which pulls in the database layer the sandbox rejects.
"""

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    import structlog

    from models.payloads import (
        CapturedOrder,
        FeedbackRequest,
        Hold,
        OperatorRequest,
        OrderInput,
        OrderState,
        PaymentRecord,
        PaymentRequest,
        ReleaseStockRequest,
        ShipmentInfo,
        ShipRequest,
        TimelineEntry,
        TrackingEvent,
        TrackingRequest,
        TrackingResult,
        WarehouseConfirmation,
        WarehouseRequest,
        WarehouseResult,
    )
    from models.status import FailureReason, OrderStatus, ShipmentStatus
    from workflows import policies
    from workflows.search_attributes import CUSTOMER_ID, ORDER_CHANNEL, ORDER_STATUS

log = structlog.get_logger("oms.workflow")


class OrderCancelled(Exception):
    pass


class OrderFailed(Exception):
    def __init__(self, reason: FailureReason, message: str):
        super().__init__(message)
        self.reason = reason


@workflow.defn
class OrderWorkflow:
    @workflow.init
    def __init__(self, order: OrderInput) -> None:
        # State exists before the first await, so updates that arrive with
        # the start (a hold, a cancel) are validated against real state.
        self._order = order
        self._state = OrderState(
            order_id=order.order_id,
            workflow_id=workflow.info().workflow_id,
            status=OrderStatus.RECEIVED,
            channel=order.channel,
            customer_id=order.customer_id,
            customer_name=order.customer_name,
            currency=order.currency,
            placed_at=order.placed_at,
            requested_lines=order.lines,
        )
        self._cancel: OperatorRequest | None = None
        self._shipping_started = False
        self._delivered = False
        self._confirmed_steps: set[str] = set()
        self._reserved = False
        self._authorization: PaymentRecord | None = None
        self._capture: PaymentRecord | None = None
        self._state.stage_started_at[OrderStatus.RECEIVED.value] = workflow.now()
        self._note("order_received", f"Order received from channel {order.channel}")

    @workflow.run
    async def run(self, order: OrderInput) -> OrderState:
        # The API sets these at start; workflows started elsewhere get them here.
        if workflow.info().typed_search_attributes.get(ORDER_CHANNEL) is None:
            workflow.upsert_search_attributes([
                ORDER_STATUS.value_set(self._state.status.value),
                ORDER_CHANNEL.value_set(order.channel),
                CUSTOMER_ID.value_set(order.customer_id),
            ])
        try:
            await self._capture_order()
            await self._take_payment()
            await self._pick_and_pack()
            await self._ship()
            await self._await_delivery()
            await self._follow_up()
            await self._enter(OrderStatus.COMPLETED)
        except OrderCancelled:
            await self._compensate("order cancelled")
            self._state.cancel_reason = self._cancel.reason if self._cancel else None
            await self._enter(OrderStatus.CANCELLED)
        except OrderFailed as failure:
            self._state.failure_reason = failure.reason
            self._state.failure_message = str(failure)
            self._note("order_failed", f"{failure.reason.value}: {failure}")
            await self._compensate(f"order failed: {failure.reason.value}")
            await self._enter(OrderStatus.FAILED)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._state

    # Steps

    async def _capture_order(self) -> None:
        await self._checkpoint()
        captured: CapturedOrder = await self._step(
            "capture_order", self._order, CapturedOrder, policies.CAPTURE
        )
        self._reserved = True
        self._state.lines = captured.lines
        self._state.subtotal = captured.subtotal
        self._state.total = captured.total
        self._note("order_captured",
                   f"Priced {len(captured.lines)} lines, total "
                   f"{captured.total} {captured.currency}; stock reserved")

    async def _take_payment(self) -> None:
        await self._checkpoint()
        await self._enter(OrderStatus.PAYMENT)
        base = self._state.workflow_id
        request = PaymentRequest(
            order_id=self._state.order_id,
            amount=self._state.total,
            currency=self._state.currency,
            payment_token=self._order.payment_token,
            idempotency_key=f"{base}/authorize",
        )
        self._authorization = await self._step(
            "authorize_payment", request, PaymentRecord, policies.PAYMENT
        )
        self._add_payment(self._authorization)
        await self._checkpoint()

        capture = request.model_copy(update={
            "idempotency_key": f"{base}/capture",
            "authorization_id": self._authorization.payment_id,
        })
        self._capture = await self._step(
            "capture_payment", capture, PaymentRecord, policies.PAYMENT
        )
        self._add_payment(self._capture)

    async def _pick_and_pack(self) -> None:
        for stage, step in ((OrderStatus.PICKING, "pick"), (OrderStatus.PACKING, "pack")):
            await self._checkpoint()
            await self._enter(stage)
            request = WarehouseRequest(
                order_id=self._state.order_id, lines=self._state.lines, step=step
            )
            result: WarehouseResult = await self._cancellable(
                "perform_warehouse_step", request, WarehouseResult, policies.WAREHOUSE
            )
            if not result.completed:
                self._note("warehouse_waiting", f"Waiting for staff to confirm {step}")
                await self._record()
                await self._wait_or_cancel(lambda: step in self._confirmed_steps)
            self._note(f"{step}_completed", f"Warehouse finished the {step} step")

    async def _ship(self) -> None:
        await self._checkpoint()
        # From here the parcel is leaving: cancel is rejected from now on.
        self._shipping_started = True
        request = ShipRequest(
            order_id=self._state.order_id,
            address=self._order.shipping_address,
            lines=self._state.lines,
            ship_mode=self._order.ship_mode,
            idempotency_key=f"{self._state.workflow_id}/ship/1",
        )
        shipment: ShipmentInfo = await self._step(
            "ship_order", request, ShipmentInfo, policies.SHIPPING
        )
        self._state.shipments.append(shipment)
        self._note("shipment_created",
                   f"{shipment.carrier} {shipment.service}, tracking "
                   f"{shipment.tracking_number}")
        await self._enter(OrderStatus.SHIPPED)

    async def _await_delivery(self) -> None:
        # Carrier webhooks arrive as signals; polling covers missed ones.
        poll = timedelta(seconds=self._order.follow_up.tracking_poll_seconds)
        while not self._delivered:
            for shipment in self._state.shipments:
                result: TrackingResult = await self._step(
                    "fetch_tracking_events",
                    TrackingRequest(order_id=self._state.order_id,
                                    tracking_number=shipment.tracking_number),
                    TrackingResult, policies.TRACKING,
                )
                for event in result.events:
                    self._apply_tracking(event)
            if self._delivered:
                break
            try:
                await workflow.wait_condition(lambda: self._delivered, timeout=poll)
            except asyncio.TimeoutError:
                pass
        await self._enter(OrderStatus.DELIVERED)

    async def _follow_up(self) -> None:
        policy = self._order.follow_up
        if policy.feedback_delay_seconds > 0:
            await workflow.sleep(timedelta(seconds=policy.feedback_delay_seconds))
        await self._step(
            "request_feedback",
            FeedbackRequest(order_id=self._state.order_id,
                            customer_id=self._state.customer_id),
            bool, policies.FOLLOW_UP,
        )
        self._note("feedback_requested", "Asked the customer for feedback")
        remaining = policy.return_window_seconds - policy.feedback_delay_seconds
        if remaining > 0:
            await workflow.sleep(timedelta(seconds=remaining))
        self._note("return_window_closed", "The return window closed")

    async def _compensate(self, reason: str) -> None:
        """Undo what was done, newest first: refund or void, then stock."""
        base = self._state.workflow_id
        if self._capture is not None:
            refund = PaymentRequest(
                order_id=self._state.order_id, amount=self._capture.amount,
                currency=self._state.currency, idempotency_key=f"{base}/refund/1",
                authorization_id=self._capture.payment_id,
            )
            self._add_payment(await self._step(
                "refund_payment", refund, PaymentRecord, policies.COMPENSATION))
        elif self._authorization is not None:
            void = PaymentRequest(
                order_id=self._state.order_id, amount=self._authorization.amount,
                currency=self._state.currency, idempotency_key=f"{base}/void",
                authorization_id=self._authorization.payment_id,
            )
            self._add_payment(await self._step(
                "void_payment", void, PaymentRecord, policies.COMPENSATION))
        if self._reserved:
            units = await self._step(
                "release_stock",
                ReleaseStockRequest(order_id=self._state.order_id, reason=reason),
                int, policies.COMPENSATION,
            )
            self._note("stock_released", f"Released {units} reserved units")

    # Operator actions

    @workflow.update
    async def hold(self, request: OperatorRequest) -> OrderState:
        self._state.holds.append(
            Hold(reason=request.reason, actor=request.actor, placed_at=workflow.now())
        )
        self._note("hold_placed", f"Hold: {request.reason}", actor=request.actor)
        await self._record()
        return self._state

    @hold.validator
    def _validate_hold(self, request: OperatorRequest) -> None:
        self._reject_if_terminal("hold")
        active = self._state.active_hold
        if active is not None:
            raise ApplicationError(
                f"order {self._state.order_id} is already on hold since "
                f"{active.placed_at.isoformat()} ({active.reason}); release it first",
                type="already_on_hold",
            )

    @workflow.update
    async def release(self, request: OperatorRequest) -> OrderState:
        hold = self._state.active_hold
        assert hold is not None  # the validator guarantees it
        hold.released_at = workflow.now()
        hold.released_by = request.actor
        self._note("hold_released", f"Released: {request.reason}", actor=request.actor)
        await self._record()
        return self._state

    @release.validator
    def _validate_release(self, request: OperatorRequest) -> None:
        self._reject_if_terminal("release")
        if self._state.active_hold is None:
            raise ApplicationError(
                f"order {self._state.order_id} is not on hold; nothing to release",
                type="not_on_hold",
            )

    @workflow.update
    async def cancel(self, request: OperatorRequest) -> OrderState:
        if self._cancel is None:
            self._cancel = request
            self._note("cancel_requested", f"Cancel: {request.reason}",
                       actor=request.actor)
            await self._record()
        return self._state

    @cancel.validator
    def _validate_cancel(self, request: OperatorRequest) -> None:
        self._reject_if_terminal("cancel")
        if self._shipping_started:
            raise ApplicationError(
                f"order {self._state.order_id} cannot be cancelled: its shipment "
                "has left the warehouse; start a return instead",
                type="already_shipped",
            )

    @workflow.update
    async def confirm_warehouse_step(self, request: WarehouseConfirmation) -> OrderState:
        self._confirmed_steps.add(request.step)
        self._note(f"{request.step}_confirmed", f"Staff confirmed {request.step}",
                   actor=request.actor)
        return self._state

    @confirm_warehouse_step.validator
    def _validate_confirmation(self, request: WarehouseConfirmation) -> None:
        expected = {OrderStatus.PICKING: "pick", OrderStatus.PACKING: "pack"}
        step = expected.get(self._state.status)
        if step != request.step:
            raise ApplicationError(
                f"order {self._state.order_id} is {self._state.status.value}, "
                f"so {request.step!r} cannot be confirmed now",
                type="wrong_stage",
            )

    @workflow.signal
    def tracking_event(self, event: TrackingEvent) -> None:
        """Apply a carrier event delivered by webhook."""
        self._apply_tracking(event)

    @workflow.query
    def state(self) -> OrderState:
        return self._state

    # Helpers

    def _reject_if_terminal(self, action: str) -> None:
        if self._state.status.is_terminal:
            raise ApplicationError(
                f"order {self._state.order_id} is {self._state.status.value}; "
                f"{action} is no longer possible",
                type="order_closed",
            )

    async def _checkpoint(self) -> None:
        """Wait while the order is on hold; stop here if cancel was accepted."""
        if self._state.active_hold is not None:
            await workflow.wait_condition(
                lambda: self._state.active_hold is None or self._cancel is not None
            )
        if self._cancel is not None:
            raise OrderCancelled()

    async def _wait_or_cancel(self, condition) -> None:
        await workflow.wait_condition(lambda: condition() or self._cancel is not None)
        if self._cancel is not None:
            raise OrderCancelled()

    async def _step(self, name: str, arg: Any, result_type: type,
                    options: policies.StepOptions) -> Any:
        try:
            return await workflow.execute_activity(
                name, arg, result_type=result_type,
                start_to_close_timeout=options.start_to_close,
                heartbeat_timeout=options.heartbeat,
                retry_policy=options.retry,
            )
        except ActivityError as error:
            raise _as_failure(error) from error

    async def _cancellable(self, name: str, arg: Any, result_type: type,
                           options: policies.StepOptions) -> Any:
        """Run an activity, but abandon it as soon as a cancel is accepted."""
        handle = workflow.start_activity(
            name, arg, result_type=result_type,
            start_to_close_timeout=options.start_to_close,
            heartbeat_timeout=options.heartbeat,
            retry_policy=options.retry,
        )
        await workflow.wait_condition(lambda: handle.done() or self._cancel is not None)
        if not handle.done():
            handle.cancel()
            raise OrderCancelled()
        try:
            return handle.result()
        except ActivityError as error:
            raise _as_failure(error) from error

    async def _enter(self, status: OrderStatus) -> None:
        self._state.status = status
        self._state.stage_started_at[status.value] = workflow.now()
        self._note("stage_entered", f"Order is {status.value}")
        workflow.upsert_search_attributes([ORDER_STATUS.value_set(status.value)])
        await self._record()

    async def _record(self) -> None:
        self._state.version += 1
        await workflow.execute_local_activity(
            "record_order_state", self._state,
            start_to_close_timeout=policies.PROJECTION.start_to_close,
            retry_policy=policies.PROJECTION.retry,
        )

    def _note(self, kind: str, message: str, actor: str = "system") -> None:
        self._state.timeline.append(
            TimelineEntry(at=workflow.now(), kind=kind, message=message, actor=actor)
        )
        if not workflow.unsafe.is_replaying():
            with workflow.unsafe.sandbox_unrestricted():
                log.info(kind, order_id=self._state.order_id,
                         workflow_id=self._state.workflow_id, activity=None,
                         status=self._state.status.value, actor=actor)

    def _add_payment(self, record: PaymentRecord) -> None:
        self._state.payments.append(record)
        self._note(f"payment_{record.status.value}",
                   f"{record.kind} {record.amount} {record.currency} "
                   f"({record.payment_id})")

    def _apply_tracking(self, event: TrackingEvent) -> None:
        for shipment in self._state.shipments:
            if shipment.tracking_number != event.tracking_number:
                continue
            seen = {(known.status, known.at) for known in shipment.events}
            if (event.status, event.at) in seen:
                return
            shipment.events.append(event)
            shipment.events.sort(key=lambda known: known.at)
            # Out-of-order events never move a shipment backwards.
            shipment.status = max(
                (known.status for known in shipment.events), key=_SHIPMENT_ORDER.index
            )
            self._note("tracking_event", f"{event.status.value} at {event.location}")
            if shipment.status == ShipmentStatus.DELIVERED:
                self._delivered = True


_SHIPMENT_ORDER = list(ShipmentStatus)


def _as_failure(error: ActivityError) -> Exception:
    """Map a non-retryable activity failure to the order's failure reason."""
    cause = error.cause
    if isinstance(cause, ApplicationError) and cause.type:
        try:
            reason = FailureReason(cause.type)
        except ValueError:
            reason = FailureReason.INTERNAL_ERROR
        return OrderFailed(reason, cause.message)
    return OrderFailed(FailureReason.INTERNAL_ERROR, str(cause or error))
