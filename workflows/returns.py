"""The return workflow: request, approval, label, receipt, inspection,
restock or write-off, refund.

The order workflow starts one per return request (workflow id
`return-<order id>-<n>`) and hears of each step through the
`return_updated` signal.
"""

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from models.payloads import (
        PaymentRecord,
        PaymentRequest,
        RestockRequest,
        ReturnDecision,
        ReturnInput,
        ReturnInspection,
        ReturnState,
        ShipmentInfo,
        ShipRequest,
    )
    from models.status import ReturnStatus
    from workflows import policies
    from workflows.common import run_step


@workflow.defn
class ReturnWorkflow:
    @workflow.init
    def __init__(self, request: ReturnInput) -> None:
        self._request = request
        self._state = ReturnState(
            return_id=f"{request.order_id}-R{request.number}",
            number=request.number,
            status=ReturnStatus.REQUESTED,
            lines=request.lines,
            refund_amount=request.refund_amount,
        )
        self._decision: ReturnDecision | None = None
        self._received = False
        self._inspection: ReturnInspection | None = None

    @workflow.run
    async def run(self, request: ReturnInput) -> ReturnState:
        if request.auto_approve:
            self._decision = ReturnDecision(approve=True, reason="policy", actor="system")
        await workflow.wait_condition(lambda: self._decision is not None)
        if not self._decision.approve:
            await self._move(ReturnStatus.REJECTED, self._decision.reason)
            return self._state
        await self._move(ReturnStatus.APPROVED, self._decision.reason)

        label: ShipmentInfo = await run_step(
            "create_return_label",
            ShipRequest(order_id=request.order_id, address=request.address, lines=[],
                        ship_mode="standard", shipment_id=self._state.return_id,
                        idempotency_key=f"{workflow.info().workflow_id}/label"),
            ShipmentInfo, policies.SHIPPING,
        )
        self._state.tracking_number = label.tracking_number
        await self._move(ReturnStatus.LABEL_CREATED)

        try:
            await workflow.wait_condition(
                lambda: self._received,
                timeout=timedelta(seconds=request.transit_seconds),
            )
        except TimeoutError:
            await self._move(ReturnStatus.EXPIRED, "the parcel never arrived")
            return self._state
        await self._move(ReturnStatus.RECEIVED)

        await workflow.wait_condition(lambda: self._inspection is not None)
        await run_step(
            "restock_return",
            RestockRequest(order_id=request.order_id, return_id=self._state.return_id,
                           lines=request.lines,
                           warehouse_by_sku=request.warehouse_by_sku,
                           restock=self._inspection.restock),
            int, policies.COMPENSATION,
        )
        outcome = ReturnStatus.RESTOCKED if self._inspection.restock else ReturnStatus.WRITTEN_OFF
        await self._move(outcome, self._inspection.note)

        self._state.refund = await run_step(
            "refund_payment",
            PaymentRequest(order_id=request.order_id, amount=request.refund_amount,
                           currency=request.currency,
                           idempotency_key=f"{workflow.info().workflow_id}/refund",
                           authorization_id=request.capture_payment_id),
            PaymentRecord, policies.COMPENSATION,
        )
        await self._move(ReturnStatus.REFUNDED)
        return self._state

    async def _move(self, status: ReturnStatus, note: str = "") -> None:
        self._state.status = status
        if note:
            self._state.note = note
        parent = workflow.get_external_workflow_handle(self._request.parent_workflow_id)
        await parent.signal("return_updated", self._state)

    @workflow.update
    def decide(self, decision: ReturnDecision) -> ReturnState:
        self._decision = decision
        return self._state

    @decide.validator
    def _validate_decision(self, decision: ReturnDecision) -> None:
        self._expect(ReturnStatus.REQUESTED, "approved or rejected")
        if self._decision is not None:
            raise ApplicationError("the return was already decided", type="already_decided")

    @workflow.update
    def receive(self) -> ReturnState:
        self._received = True
        return self._state

    @receive.validator
    def _validate_receive(self) -> None:
        self._expect(ReturnStatus.LABEL_CREATED, "received")

    @workflow.update
    def inspect(self, inspection: ReturnInspection) -> ReturnState:
        self._inspection = inspection
        return self._state

    @inspect.validator
    def _validate_inspection(self, inspection: ReturnInspection) -> None:
        self._expect(ReturnStatus.RECEIVED, "inspected")
        if self._inspection is not None:
            raise ApplicationError("the return was already inspected",
                                   type="already_inspected")

    @workflow.query
    def state(self) -> ReturnState:
        return self._state

    def _expect(self, status: ReturnStatus, action: str) -> None:
        if self._state.status != status:
            raise ApplicationError(
                f"return {self._state.return_id} is {self._state.status.value}; "
                f"it can be {action} only while {status.value}",
                type="wrong_return_status",
            )
