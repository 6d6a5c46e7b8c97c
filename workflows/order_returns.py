"""Returns on an order: the request, checked against the return
window, and the reports of the return workflows it starts.
"""

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from domain.order_returns import (
        paid_order,
        refuse_return,
        returned_quantities,
        warehouse_by_sku,
    )
    from domain.refunds import return_refund
    from models.payloads import (
        NotificationKind,
        OrderState,
        ReturnCreate,
        ReturnInput,
        ReturnState,
    )
    from models.status import ReturnStatus
    from workflows.returns import ReturnWorkflow


class ReturnRequests:
    """Return handlers of `OrderWorkflow`, which owns the state they use."""

    @workflow.update
    async def request_return(self, request: ReturnCreate) -> OrderState:
        """Open a return for delivered lines within the return window."""
        number = len(self._state.returns) + 1
        quantities = {line.sku: line.quantity for line in request.lines}
        policy = self._order.follow_up
        refund = return_refund(paid_order(self._state), quantities, returned_quantities(self._state))
        child = ReturnInput(
            order_id=self._state.order_id,
            parent_workflow_id=self._state.workflow_id,
            number=number, lines=request.lines,
            warehouse_by_sku=warehouse_by_sku(self._state),
            refund_amount=refund.total, currency=self._state.currency,
            capture_payment_id=self._capture.payment_id,
            auto_approve=all(line.reason in policy.auto_approve_reasons
                             for line in request.lines),
            address=self._order.shipping_address,
            transit_seconds=policy.return_transit_seconds,
        )
        self._state.returns.append(ReturnState(
            return_id=f"{self._state.order_id}-R{number}", number=number,
            status=ReturnStatus.REQUESTED, lines=request.lines,
            refund_amount=refund.total,
        ))
        self._returns[number] = await workflow.start_child_workflow(
            ReturnWorkflow.run, child, id=f"return-{self._state.order_id}-{number}",
            parent_close_policy=ParentClosePolicy.ABANDON,
        )
        self._note("return_requested",
                   f"Return {number}: " + ", ".join(
                       f"{line.quantity} x {line.sku} ({line.reason})"
                       for line in request.lines),
                   actor=request.actor)
        await self._record()
        return self._state

    @request_return.validator
    def _validate_return(self, request: ReturnCreate) -> None:
        window = timedelta(seconds=self._order.follow_up.return_window_seconds)
        refusal = refuse_return(self._state, request.lines, window, workflow.now())
        if refusal is not None:
            raise ApplicationError(refusal.message, type=refusal.kind)

    @workflow.signal
    async def return_updated(self, update: ReturnState) -> None:
        """Take a return child's report; a refund joins the payments."""
        for index, known in enumerate(self._state.returns):
            if known.number != update.number:
                continue
            if update.refund is not None and known.refund is None:
                self._refunded += update.refund.amount
                self._add_payment(update.refund)
                self._notify(NotificationKind.REFUND_ISSUED, {
                    "customer_name": self._state.customer_name,
                    "reason": f"return {update.return_id}",
                    "amount": str(update.refund.amount),
                    "currency": update.refund.currency,
                }, suffix=update.return_id)
            if update.status == ReturnStatus.RECEIVED and known.status != update.status:
                self._notify(NotificationKind.RETURN_RECEIVED,
                             {"return_id": update.return_id}, suffix=update.return_id)
            self._state.returns[index] = update
            self._note(f"return_{update.status.value}",
                       f"Return {update.number} is {update.status.value}")
            await self._record()
