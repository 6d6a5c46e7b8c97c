"""Operator actions on an order: hold, release, cancel and staff
confirmation of warehouse steps, each a Temporal Update with a validator.

A validator raises before the update is accepted, so a rejected action
leaves no event in the order's history.
"""

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from models.payloads import (
        Hold,
        OperatorRequest,
        OrderState,
        ShipmentState,
        WarehouseConfirmation,
    )
    from models.status import ShipmentStatus

# Shipment statuses after which the parcel has left the warehouse.
_LEFT = {ShipmentStatus.LABEL_CREATED, ShipmentStatus.IN_TRANSIT,
         ShipmentStatus.OUT_FOR_DELIVERY, ShipmentStatus.DELIVERED}


class OperatorActions:
    """Update handlers of `OrderWorkflow`, which owns the state they use."""

    @workflow.update
    async def hold(self, request: OperatorRequest) -> OrderState:
        self._state.holds.append(
            Hold(reason=request.reason, actor=request.actor, placed_at=workflow.now())
        )
        self._note("hold_placed", f"Hold: {request.reason}", actor=request.actor)
        await self._hold_shipments(True)
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
        await self._hold_shipments(False)
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
        """Cancel the whole order, or, once a shipment has left, the
        shipments still in the warehouse."""
        if self._cancel is None:
            self._cancel = request
            unshipped = [s for s in self._state.fulfillments
                         if not s.leaving and s.status != ShipmentStatus.CANCELLED]
            partial = len(unshipped) < len(self._state.fulfillments)
            for shipment in unshipped:
                if shipment.number not in self._finished:
                    await self._shipments[shipment.number].cancel(request)
            scope = ("shipments " + ", ".join(str(s.number) for s in unshipped)
                     if partial else "order")
            self._note("cancel_requested", f"Cancel {scope}: {request.reason}",
                       actor=request.actor)
            await self._record()
        return self._state

    @cancel.validator
    def _validate_cancel(self, request: OperatorRequest) -> None:
        self._reject_if_terminal("cancel")
        if self._state.fulfillments and all(
            s.leaving or s.status == ShipmentStatus.CANCELLED
            for s in self._state.fulfillments
        ):
            raise ApplicationError(
                f"order {self._state.order_id} cannot be cancelled: its shipment "
                "has left the warehouse; start a return instead",
                type="already_shipped",
            )

    @workflow.update
    async def confirm_warehouse_step(self, request: WarehouseConfirmation) -> OrderState:
        for shipment in self._waiting_for(request.step):
            await self._shipments[shipment.number].confirm(request)
        self._note(f"{request.step}_confirmed", f"Staff confirmed {request.step}",
                   actor=request.actor)
        return self._state

    @confirm_warehouse_step.validator
    def _validate_confirmation(self, request: WarehouseConfirmation) -> None:
        if not self._waiting_for(request.step):
            raise ApplicationError(
                f"order {self._state.order_id} has no shipment waiting for "
                f"{request.step!r}; it is {self._state.status.value}",
                type="wrong_stage",
            )

    def _waiting_for(self, step: str) -> list[ShipmentState]:
        waiting = {"pick": ShipmentStatus.PENDING, "pack": ShipmentStatus.PICKED}
        return [s for s in self._state.fulfillments if s.status == waiting.get(step)]

    async def _hold_shipments(self, on_hold: bool) -> None:
        for shipment in self._state.fulfillments:
            if shipment.number in self._finished or shipment.status in _LEFT:
                continue
            await self._shipments[shipment.number].set_hold(on_hold)

    def _reject_if_terminal(self, action: str) -> None:
        if self._state.status.is_terminal:
            raise ApplicationError(
                f"order {self._state.order_id} is {self._state.status.value}; "
                f"{action} is no longer possible",
                type="order_closed",
            )
