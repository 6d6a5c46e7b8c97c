"""The order workflow's handles on its shipments.

A shipment runs either inside the order workflow (`InlineShipment`, every
order started now) or as a child workflow (`ChildShipment`, orders
started before). Both take the same requests, so the order's handlers
do not care which one they talk to.
"""

import asyncio

from temporalio import workflow
from temporalio.exceptions import ApplicationError, ChildWorkflowError

with workflow.unsafe.imports_passed_through():
    from domain.money import round_money
    from models.payloads import (
        OperatorRequest,
        PricedLine,
        ShipmentState,
        TrackingEvent,
        WarehouseConfirmation,
    )
    from models.status import FailureReason, ShipmentStatus
    from workflows.common import StepFailed
    from workflows.shipment import ShipmentRun, ShipmentWorkflow

# Patch id recorded by orders that run their shipments inline; a replay
# without it takes the child workflow path.
INLINE_SHIPMENTS = "shipments-inside-order"

_SHIPMENT_ORDER = list(ShipmentStatus)


class InlineShipment:
    """A shipment running as a coroutine of the order workflow."""

    def __init__(self, run: ShipmentRun) -> None:
        self._run = run
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run.run())

    async def result(self) -> ShipmentState:
        state = await self._task
        return state.model_copy(deep=True)

    async def stopped(self) -> None:
        """Wait until a cancelled shipment has stopped its warehouse step."""
        try:
            await self._task
        except StepFailed:
            pass

    async def cancel(self, request: OperatorRequest) -> None:
        self._run.cancel(request)

    async def set_hold(self, on_hold: bool) -> None:
        self._run.set_hold(on_hold)

    async def confirm(self, request: WarehouseConfirmation) -> None:
        self._run.confirm(request)

    async def tracking_event(self, event: TrackingEvent) -> None:
        self._run.apply(event)


class ChildShipment:
    """A shipment running as a child workflow; requests travel as signals."""

    def __init__(self, handle: workflow.ChildWorkflowHandle) -> None:
        self._handle = handle

    def start(self) -> None:
        """Do nothing: the child started when the handle was made."""

    async def result(self) -> ShipmentState:
        try:
            return await self._handle
        except ChildWorkflowError as error:
            cause = error.cause
            if isinstance(cause, ApplicationError) and cause.type:
                raise _failure_from(cause) from error
            raise StepFailed(FailureReason.INTERNAL_ERROR, str(cause)) from error

    async def stopped(self) -> None:
        """Return at once: a cancelled child finishes on its own, and
        orders with child shipments did not wait for it."""

    async def cancel(self, request: OperatorRequest) -> None:
        await self._handle.signal(ShipmentWorkflow.cancel, request)

    async def set_hold(self, on_hold: bool) -> None:
        await self._handle.signal(ShipmentWorkflow.set_hold, on_hold)

    async def confirm(self, request: WarehouseConfirmation) -> None:
        await self._handle.signal(ShipmentWorkflow.confirm_warehouse_step, request)

    async def tracking_event(self, event: TrackingEvent) -> None:
        await self._handle.signal(ShipmentWorkflow.tracking_event, event)


ShipmentHandle = InlineShipment | ChildShipment


def progress(shipment: ShipmentState) -> tuple[int, bool, int]:
    """Order reports of one shipment: status, then leaving, then events."""
    events = len(shipment.info.events) if shipment.info else 0
    return (_SHIPMENT_ORDER.index(shipment.status), shipment.leaving, events)


def merge_lines(lines: list[PricedLine], wanted: dict[str, int],
                currency: str) -> list[PricedLine]:
    """Keep one line per SKU, with the shipment's quantity of it."""
    merged: dict[str, PricedLine] = {}
    for line in lines:
        if line.sku in merged:
            continue
        share = line.line_total * wanted[line.sku] / line.quantity
        merged[line.sku] = line.model_copy(update={
            "quantity": wanted[line.sku],
            "line_total": round_money(share, currency),
        })
    return list(merged.values())


def _failure_from(cause: ApplicationError) -> StepFailed:
    try:
        return StepFailed(FailureReason(cause.type), cause.message)
    except ValueError:
        return StepFailed(FailureReason.INTERNAL_ERROR, cause.message)
