"""The order workflow: one durable run per order, capture to follow-up.

Each allocated warehouse ships its part in a shipment of its own that
runs inside this workflow, so one part can ship while another is
cancelled. Activities are called by name, so that this module never
imports the activity code, which pulls in the database layer the
sandbox rejects.
"""

from datetime import timedelta
from decimal import Decimal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import structlog

    from models.payloads import (
        CapturedOrder,
        FeedbackRequest,
        Hold,
        NotificationKind,
        NotificationRequest,
        OperatorRequest,
        OrderInput,
        OrderState,
        PaymentRecord,
        PaymentRequest,
        PlannedShipment,
        ReleaseStockRequest,
        ShipmentRequest,
        ShipmentState,
        TimelineEntry,
    )
    from domain.order_returns import open_returns, paid_order
    from domain.refunds import return_refund
    from models.status import OrderStatus, ShipmentStatus
    from workflows import policies
    from workflows.common import StepFailed, run_step
    from workflows.fulfilment import (
        INLINE_SHIPMENTS,
        ChildShipment,
        InlineShipment,
        ShipmentHandle,
        merge_lines,
    )
    from workflows.search_attributes import CUSTOMER_ID, ORDER_CHANNEL, ORDER_STATUS
    from workflows.shipment import ShipmentRun, ShipmentWorkflow, shipment_key

# Handlers on the order's state, split out by concept. They are imported
# inside the sandbox, as this module is, so the sandbox checks their code.
from workflows.order_operators import OperatorActions
from workflows.order_returns import ReturnRequests
from workflows.order_shipments import ShipmentReports

log = structlog.get_logger("oms.workflow")


class OrderCancelled(Exception):
    pass


@workflow.defn
class OrderWorkflow(OperatorActions, ReturnRequests, ShipmentReports):
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

        # Operator requests and payment progress.
        self._cancel: OperatorRequest | None = None
        self._reserved = False
        self._authorization: PaymentRecord | None = None
        self._capture: PaymentRecord | None = None
        self._refunded = Decimal(0)
        self._refunds = 0

        # Shipments, returns, e-mails and stock waits.
        self._plan: list[PlannedShipment] = []
        self._shipments: dict[int, ShipmentHandle] = {}
        self._finished: set[int] = set()
        self._mail: list = []
        self._returns: dict[int, workflow.ChildWorkflowHandle] = {}
        self._stock_arrived = False
        self._expired = False

        if order.carried_state is not None:
            self._restore(order.carried_state)
            return
        self._state.stage_started_at[OrderStatus.RECEIVED.value] = workflow.now()
        self._note("order_received", f"Order received from channel {order.channel}")

    def _restore(self, carried: OrderState) -> None:
        """Pick up an order that continued as new in its follow-up."""
        self._state = carried
        for payment in carried.payments:
            if payment.kind == "capture":
                self._capture = payment
            elif payment.kind == "refund":
                self._refunded += payment.amount
                self._refunds += 1
        self._finished = {shipment.number for shipment in carried.fulfillments}

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
            if order.carried_state is None:
                await self._capture_order()
                await self._take_payment()
                await self._fulfil()
            await self._follow_up()
            await self._enter(OrderStatus.COMPLETED)
        except OrderCancelled:
            await self._compensate("order cancelled")
            self._state.cancel_reason = self._cancel.reason if self._cancel else None
            await self._enter(OrderStatus.CANCELLED)
        except StepFailed as failure:
            self._state.failure_reason = failure.reason
            self._state.failure_message = str(failure)
            self._note("order_failed", f"{failure.reason.value}: {failure}")
            await self._compensate(f"order failed: {failure.reason.value}")
            await self._enter(OrderStatus.FAILED)
        await self._flush_mail()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._state

    async def _flush_mail(self) -> None:
        """Give e-mails still retrying an hour before the workflow closes,
        since closing abandons them."""
        if all(handle.done() for handle in self._mail):
            return
        try:
            await workflow.wait_condition(
                lambda: all(handle.done() for handle in self._mail),
                timeout=timedelta(hours=1),
            )
        except TimeoutError:
            self._note("email_abandoned", "An order e-mail was still failing at close")

    # Steps

    async def _capture_order(self) -> None:
        await self._checkpoint()
        while True:
            captured: CapturedOrder = await run_step(
                "capture_order", self._order, CapturedOrder, policies.CAPTURE
            )
            if not captured.backordered_skus:
                break
            await self._wait_for_stock(captured.backordered_skus)
        self._state.backordered_skus = []
        self._reserved = True
        self._plan = captured.shipments
        self._state.lines = captured.lines
        self._state.subtotal = captured.subtotal
        self._state.discount_total = captured.discount_total
        self._state.tax_total = captured.tax_total
        self._state.total = captured.total
        self._note("order_captured",
                   f"Priced {len(captured.lines)} lines, total "
                   f"{captured.total} {captured.currency}; stock reserved in "
                   f"{len(captured.shipments)} warehouse(s)")

    async def _wait_for_stock(self, skus: list[str]) -> None:
        """Wait for a receipt of backordered SKUs; past the deadline, hold
        the order so that an operator decides, and keep waiting."""
        self._state.backordered_skus = skus
        self._stock_arrived = False
        self._note("order_backordered", f"Waiting for stock of {', '.join(skus)}")
        await self._record()
        deadline = timedelta(seconds=self._order.follow_up.backorder_deadline_seconds)
        try:
            await workflow.wait_condition(
                lambda: self._stock_arrived or self._cancel is not None,
                timeout=deadline,
            )
        except TimeoutError:
            self._state.holds.append(Hold(
                reason=f"backorder of {', '.join(skus)} passed its deadline",
                actor="system", placed_at=workflow.now(),
            ))
            self._note("backorder_escalated",
                       "Backorder deadline passed; placed on hold for an operator")
            await self._record()
            await workflow.wait_condition(
                lambda: self._stock_arrived or self._cancel is not None)
        await self._checkpoint()

    @workflow.signal
    def stock_received(self) -> None:
        """Wake a backordered order; receipts reserve its stock first."""
        self._stock_arrived = True

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
        self._authorization = await run_step(
            "authorize_payment", request, PaymentRecord, policies.PAYMENT
        )
        self._add_payment(self._authorization)
        await self._checkpoint()

        capture = request.model_copy(update={
            "idempotency_key": f"{base}/capture",
            "authorization_id": self._authorization.payment_id,
        })
        self._capture = await run_step(
            "capture_payment", capture, PaymentRecord, policies.PAYMENT
        )
        self._add_payment(self._capture)
        self._notify(NotificationKind.ORDER_CONFIRMED, {
            "customer_name": self._state.customer_name,
            "total": str(self._capture.amount), "currency": self._state.currency,
        })

    async def _fulfil(self) -> None:
        """Run the shipments until each is delivered or cancelled; a
        cancel of the whole order stops here."""
        # Orders recorded before the marker existed replay with children.
        # The check comes first, in the activation that took the capture
        # result: after a local activity a query can split the workflow
        # task, and a replay would then look for the marker in the wrong task.
        inline = workflow.patched(INLINE_SHIPMENTS)
        await self._checkpoint()
        await self._enter(OrderStatus.PICKING)
        for planned in self._plan:
            if self._cancel is not None:
                raise OrderCancelled()
            await self._start_shipment(planned, inline)

        outcomes: dict[int, ShipmentState] = {}
        for number, shipment in self._shipments.items():
            outcomes[number] = await shipment.result()
            self._finished.add(number)
            self._track(outcomes[number])

        if all(state.status == ShipmentStatus.CANCELLED for state in outcomes.values()):
            raise OrderCancelled()
        await self._refund_cancelled_shipments()
        await self._enter(OrderStatus.DELIVERED)
        self._notify(NotificationKind.ORDER_DELIVERED, {
            "customer_name": self._state.customer_name,
        })

    async def _start_shipment(self, planned: PlannedShipment, inline: bool) -> None:
        wanted = {line.sku: line.quantity for line in planned.lines}
        lines = [
            line.model_copy(update={"quantity": wanted[line.sku]})
            for line in self._state.lines if line.sku in wanted
        ]
        request = ShipmentRequest(
            order_id=self._state.order_id,
            parent_workflow_id=self._state.workflow_id,
            number=planned.number,
            warehouse_id=planned.warehouse_id,
            lines=merge_lines(lines, wanted, self._state.currency),
            address=self._order.shipping_address,
            ship_mode=self._order.ship_mode,
            follow_up=self._order.follow_up,
            on_hold=self._state.active_hold is not None,
        )
        if inline:
            shipment: ShipmentHandle = InlineShipment(
                ShipmentRun(request, self._take_shipment_report))
        else:
            shipment = ChildShipment(await workflow.start_child_workflow(
                ShipmentWorkflow.run, request, id=shipment_key(request)))
        # Registered only once started, so requests never reach a child
        # that the server does not know yet, and an inline shipment's
        # first report finds its entry.
        self._shipments[planned.number] = shipment
        self._state.fulfillments.append(ShipmentState(
            shipment_id=f"{self._state.order_id}-{planned.number}",
            number=planned.number, warehouse_id=planned.warehouse_id,
            lines=request.lines,
        ))
        shipment.start()
        if self._cancel is not None:
            await shipment.cancel(self._cancel)
        self._note("shipment_started",
                   f"Shipment {planned.number} from {planned.warehouse_id}")

    async def _refund_cancelled_shipments(self) -> None:
        """Return the stock and refund the share of shipments cancelled
        while others shipped; the shipped part stays as it is."""
        cancelled: dict[str, int] = {}
        for shipment in self._state.fulfillments:
            if shipment.status != ShipmentStatus.CANCELLED:
                continue
            reason = f"shipment {shipment.number} cancelled"
            units = await run_step(
                "release_stock",
                ReleaseStockRequest(order_id=self._state.order_id, reason=reason,
                                    warehouse_id=shipment.warehouse_id),
                int, policies.COMPENSATION,
            )
            self._note("stock_released",
                       f"Released {units} units of shipment {shipment.number}")
            quantities = {line.sku: line.quantity for line in shipment.lines}
            share = return_refund(paid_order(self._state), quantities, dict(cancelled))
            for sku, quantity in quantities.items():
                cancelled[sku] = cancelled.get(sku, 0) + quantity
            await self._refund(share.total, reason)

    async def _follow_up(self) -> None:
        """Ask for feedback, then keep returns open until the window closes.

        A long window with many returns could grow the history without
        bound, so past `history_event_limit` events the workflow
        continues as new with its state, between returns.
        """
        policy = self._order.follow_up
        delivered_at = self._state.stage_started_at[OrderStatus.DELIVERED.value]
        if not any(entry.kind == "feedback_requested" for entry in self._state.timeline):
            wait = delivered_at + timedelta(seconds=policy.feedback_delay_seconds)
            if wait > workflow.now():
                await workflow.sleep(wait - workflow.now())
            await run_step(
                "request_feedback",
                FeedbackRequest(order_id=self._state.order_id,
                                customer_id=self._state.customer_id),
                bool, policies.FOLLOW_UP,
            )
            self._note("feedback_requested", "Asked the customer for feedback")

        window_end = delivered_at + timedelta(seconds=policy.return_window_seconds)
        while workflow.now() < window_end:
            try:
                await workflow.wait_condition(
                    self._should_continue_as_new, timeout=window_end - workflow.now()
                )
            except TimeoutError:
                break
            await self._flush_mail()
            await workflow.wait_condition(workflow.all_handlers_finished)
            workflow.continue_as_new(
                self._order.model_copy(update={"carried_state": self._state})
            )
        self._note("return_window_closed", "The return window closed")
        await workflow.wait_condition(lambda: not open_returns(self._state))

    def _should_continue_as_new(self) -> bool:
        limit = self._order.follow_up.history_event_limit
        return (workflow.info().get_current_history_length() > limit
                and not open_returns(self._state))

    async def _compensate(self, reason: str) -> None:
        """Undo what was done, newest first: refund or void, then stock."""
        stopping = []
        for number, shipment in self._shipments.items():
            if number not in self._finished and not self._shipment(number).leaving:
                await shipment.cancel(OperatorRequest(reason=reason))
                stopping.append(shipment)
        for shipment in stopping:
            await shipment.stopped()
        if self._capture is not None:
            await self._refund(self._capture.amount - self._refunded, reason)
        elif self._authorization is not None:
            void = PaymentRequest(
                order_id=self._state.order_id, amount=self._authorization.amount,
                currency=self._state.currency,
                idempotency_key=f"{self._state.workflow_id}/void",
                authorization_id=self._authorization.payment_id,
            )
            self._add_payment(await run_step(
                "void_payment", void, PaymentRecord, policies.COMPENSATION))
        if self._reserved:
            units = await run_step(
                "release_stock",
                ReleaseStockRequest(order_id=self._state.order_id, reason=reason),
                int, policies.COMPENSATION,
            )
            self._note("stock_released", f"Released {units} reserved units")

    async def _refund(self, amount: Decimal, reason: str) -> None:
        if amount <= 0 or self._capture is None:
            return
        self._refunds += 1
        refund = PaymentRequest(
            order_id=self._state.order_id, amount=amount,
            currency=self._state.currency,
            idempotency_key=f"{self._state.workflow_id}/refund/{self._refunds}",
            authorization_id=self._capture.payment_id,
        )
        record = await run_step("refund_payment", refund, PaymentRecord,
                                policies.COMPENSATION)
        self._refunded += record.amount
        self._add_payment(record)
        self._notify(NotificationKind.REFUND_ISSUED, {
            "customer_name": self._state.customer_name, "reason": reason,
            "amount": str(record.amount), "currency": record.currency,
        }, suffix=str(self._refunds))
        self._note("refund_issued", f"Refunded {record.amount} {record.currency}: {reason}")

    @workflow.query
    def state(self) -> OrderState:
        return self._state

    # Helpers

    async def _checkpoint(self) -> None:
        """Wait while the order is on hold; stop here if cancel was accepted.

        An order held before payment gives its reserved stock back after
        `reservation_ttl_seconds` and reserves again on release.
        """
        if self._state.active_hold is not None:
            released = lambda: self._state.active_hold is None or self._cancel is not None
            unpaid = self._reserved and self._authorization is None
            ttl = timedelta(seconds=self._order.follow_up.reservation_ttl_seconds)
            try:
                await workflow.wait_condition(released, timeout=ttl if unpaid else None)
            except TimeoutError:
                await self._expire_reservation()
                await workflow.wait_condition(released)
        if self._cancel is not None:
            raise OrderCancelled()
        if self._expired:
            self._expired = False
            await self._capture_order()

    async def _expire_reservation(self) -> None:
        units = await run_step(
            "release_stock",
            ReleaseStockRequest(order_id=self._state.order_id,
                                reason="reservation expired during hold"),
            int, policies.COMPENSATION,
        )
        self._reserved = False
        self._expired = True
        self._note("reservation_expired",
                   f"Released {units} units held past the reservation time")
        await self._record()

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

    def _notify(self, kind: NotificationKind, context: dict[str, str],
                suffix: str = "1") -> None:
        """Start an e-mail without waiting for it: a failing mail server
        retries on its own and never holds up the order."""
        if not self._order.customer_email:
            return
        request = NotificationRequest(
            kind=kind, order_id=self._state.order_id,
            to_email=self._order.customer_email, context=context,
            idempotency_key=f"{self._state.workflow_id}/notify/{kind.value}/{suffix}",
        )
        self._mail.append(workflow.start_activity(
            "send_notification", request, result_type=bool,
            start_to_close_timeout=policies.NOTIFICATION.start_to_close,
            retry_policy=policies.NOTIFICATION.retry,
        ))

    def _add_payment(self, record: PaymentRecord) -> None:
        self._state.payments.append(record)
        self._note(f"payment_{record.status.value}",
                   f"{record.kind} {record.amount} {record.currency} "
                   f"({record.payment_id})")

