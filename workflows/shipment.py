"""One parcel from pick to delivery.

`ShipmentRun` holds the steps. The order workflow runs one per
allocated warehouse as a coroutine of its own, so parts of an order
ship, and can be cancelled, on their own, and every report reaches the
order without a round trip through the server.

Orders started by earlier releases run each shipment as a child
`ShipmentWorkflow` (workflow id
`shipment-<order id>-<n>`) that reports with the parent's
`shipment_updated` signal. The workflow stays registered until no such
order is left running.
"""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from models.payloads import (
        EtaRequest,
        OperatorRequest,
        ShipmentInfo,
        ShipmentRequest,
        ShipmentState,
        ShipRequest,
        TrackingEvent,
        TrackingRequest,
        TrackingResult,
        WarehouseConfirmation,
        WarehouseRequest,
        WarehouseResult,
    )
    from models.status import ShipmentStatus
    from workflows import policies
    from workflows.common import StepFailed, run_step

# Carrier statuses in the order a parcel moves; events never move it back.
_CARRIER_ORDER = [
    ShipmentStatus.LABEL_CREATED, ShipmentStatus.IN_TRANSIT,
    ShipmentStatus.OUT_FOR_DELIVERY, ShipmentStatus.DELIVERED,
]

Report = Callable[[ShipmentState], Awaitable[None]]


class ShipmentCancelled(Exception):
    pass


def shipment_key(request: ShipmentRequest) -> str:
    """Return the shipment's stable name: its child workflow id where it
    runs as a child, and the prefix of its carrier idempotency key either way."""
    return f"shipment-{request.order_id}-{request.number}"


class ShipmentRun:
    """The steps of one shipment, run inside a workflow.

    `report` receives the state after each change the order shows: the
    pick, the parcel leaving, the label, each batch of carrier events,
    and a cancel. Failures that retrying cannot fix raise `StepFailed`.
    """

    def __init__(self, request: ShipmentRequest, report: Report) -> None:
        self._request = request
        self._report = report
        self.state = ShipmentState(
            shipment_id=f"{request.order_id}-{request.number}",
            number=request.number,
            warehouse_id=request.warehouse_id,
            lines=request.lines,
        )
        self._on_hold = request.on_hold
        self._cancel: OperatorRequest | None = None
        self.leaving = False
        self._confirmed: set[str] = set()
        self._eta_dirty = False

    async def run(self) -> ShipmentState:
        try:
            await self._warehouse_step("pick", ShipmentStatus.PICKED)
            await self._warehouse_step("pack", ShipmentStatus.PACKED)
            await self._ship()
            await self._track()
        except ShipmentCancelled:
            self.state.status = ShipmentStatus.CANCELLED
            self.state.cancel_reason = self._cancel.reason if self._cancel else None
            await self._report(self.state)
        return self.state

    # Requests from the order

    def cancel(self, request: OperatorRequest) -> None:
        """Cancel unless the parcel is already leaving; the order checks first."""
        if not self.leaving and self._cancel is None:
            self._cancel = request

    def set_hold(self, on_hold: bool) -> None:
        self._on_hold = on_hold

    def confirm(self, request: WarehouseConfirmation) -> None:
        self._confirmed.add(request.step)

    def apply(self, event: TrackingEvent) -> None:
        """Take a carrier event; duplicates and other parcels' events are ignored."""
        info = self.state.info
        if info is None or event.tracking_number != info.tracking_number:
            return
        if any((known.status, known.at) == (event.status, event.at) for known in info.events):
            return
        info.events.append(event)
        info.events.sort(key=lambda known: known.at)
        highest = max((known.status for known in info.events), key=_CARRIER_ORDER.index)
        if _CARRIER_ORDER.index(highest) >= _CARRIER_ORDER.index(info.status):
            info.status = highest
            self.state.status = highest
        self._eta_dirty = True

    # Steps

    async def _warehouse_step(self, step: str, done: ShipmentStatus) -> None:
        await self._checkpoint()
        request = WarehouseRequest(
            order_id=self._request.order_id, lines=self._request.lines,
            step=step, warehouse_id=self._request.warehouse_id,
        )
        handle = workflow.start_activity(
            "perform_warehouse_step", request, result_type=WarehouseResult,
            start_to_close_timeout=policies.WAREHOUSE.start_to_close,
            heartbeat_timeout=policies.WAREHOUSE.heartbeat,
            retry_policy=policies.WAREHOUSE.retry,
        )
        await workflow.wait_condition(lambda: handle.done() or self._cancel is not None)
        if not handle.done():
            handle.cancel()
            raise ShipmentCancelled()
        if not handle.result().completed:
            await workflow.wait_condition(
                lambda: step in self._confirmed or self._cancel is not None
            )
            if self._cancel is not None:
                raise ShipmentCancelled()
        self.state.status = done
        # Packed changes nothing the order shows: the order is packing
        # from the pick on, and the next report is that the parcel is leaving.
        if done != ShipmentStatus.PACKED:
            await self._report(self.state)

    async def _ship(self) -> None:
        await self._checkpoint()
        # From here the parcel is leaving: cancel is rejected from now on.
        self.leaving = True
        self.state.leaving = True
        await self._report(self.state)
        request = ShipRequest(
            order_id=self._request.order_id,
            address=self._request.address,
            lines=self._request.lines,
            ship_mode=self._request.ship_mode,
            idempotency_key=f"{shipment_key(self._request)}/ship",
            shipment_id=self.state.shipment_id,
            warehouse_id=self._request.warehouse_id,
        )
        self.state.info = await run_step(
            "ship_order", request, ShipmentInfo, policies.SHIPPING
        )
        self.state.status = ShipmentStatus.LABEL_CREATED
        await self._report(self.state)

    async def _track(self) -> None:
        # Carrier webhooks arrive as signals; polling covers missed ones.
        poll = timedelta(seconds=self._request.follow_up.tracking_poll_seconds)
        info = self.state.info
        while self.state.status != ShipmentStatus.DELIVERED:
            result: TrackingResult = await run_step(
                "fetch_tracking_events",
                TrackingRequest(order_id=self._request.order_id,
                                tracking_number=info.tracking_number),
                TrackingResult, policies.TRACKING,
            )
            for event in result.events:
                self.apply(event)
            await self._after_events()
            if self.state.status == ShipmentStatus.DELIVERED:
                break
            try:
                await workflow.wait_condition(
                    lambda: self._eta_dirty
                    or self.state.status == ShipmentStatus.DELIVERED,
                    timeout=poll,
                )
            except asyncio.TimeoutError:
                pass
            await self._after_events()

    async def _after_events(self) -> None:
        """Recompute the ETA and report once per batch of events."""
        if not self._eta_dirty:
            return
        self._eta_dirty = False
        self.state.info.eta = await workflow.execute_local_activity(
            "estimate_eta",
            EtaRequest(shipment=self.state.info,
                       warehouse_id=self._request.warehouse_id,
                       address=self._request.address),
            result_type=type(self.state.info.shipped_at),
            start_to_close_timeout=policies.PROJECTION.start_to_close,
        )
        await self._report(self.state)

    async def _checkpoint(self) -> None:
        await workflow.wait_condition(lambda: not self._on_hold or self._cancel is not None)
        if self._cancel is not None:
            raise ShipmentCancelled()


@workflow.defn
class ShipmentWorkflow:
    """A shipment as a child workflow, for orders started by earlier
    releases."""

    @workflow.init
    def __init__(self, request: ShipmentRequest) -> None:
        self._run = ShipmentRun(request, self._notify_parent)
        self._parent = request.parent_workflow_id

    @workflow.run
    async def run(self, request: ShipmentRequest) -> ShipmentState:
        try:
            state = await self._run.run()
        except StepFailed as failure:
            # Fail the child workflow so the parent receives the reason.
            raise ApplicationError(
                str(failure), type=failure.reason.value, non_retryable=True
            ) from failure
        await workflow.wait_condition(workflow.all_handlers_finished)
        return state

    async def _notify_parent(self, state: ShipmentState) -> None:
        parent = workflow.get_external_workflow_handle(self._parent)
        await parent.signal("shipment_updated", state)

    @workflow.signal
    def cancel(self, request: OperatorRequest) -> None:
        self._run.cancel(request)

    @workflow.signal
    def set_hold(self, on_hold: bool) -> None:
        self._run.set_hold(on_hold)

    @workflow.signal
    def confirm_warehouse_step(self, request: WarehouseConfirmation) -> None:
        self._run.confirm(request)

    @workflow.signal
    def tracking_event(self, event: TrackingEvent) -> None:
        """Apply a carrier event delivered by webhook."""
        self._run.apply(event)

    @workflow.query
    def state(self) -> ShipmentState:
        return self._run.state

    @workflow.query
    def leaving(self) -> bool:
        return self._run.leaving
