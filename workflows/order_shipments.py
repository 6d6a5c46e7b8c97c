"""Shipment reports on an order: each moves the order's stage to that
of its least advanced live shipment.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.payloads import NotificationKind, ShipmentState, TrackingEvent
    from models.status import OrderStatus, ShipmentStatus
    from workflows.fulfilment import progress

# The order's stage while its least advanced live shipment is in a status.
_STAGE_BY_SHIPMENT = {
    ShipmentStatus.PENDING: OrderStatus.PICKING,
    ShipmentStatus.PICKED: OrderStatus.PACKING,
    ShipmentStatus.PACKED: OrderStatus.PACKING,
    ShipmentStatus.LABEL_CREATED: OrderStatus.SHIPPED,
    ShipmentStatus.IN_TRANSIT: OrderStatus.SHIPPED,
    ShipmentStatus.OUT_FOR_DELIVERY: OrderStatus.SHIPPED,
    ShipmentStatus.DELIVERED: OrderStatus.DELIVERED,
}
_STAGE_ORDER = list(OrderStatus)


class ShipmentReports:
    """Shipment handlers of `OrderWorkflow`, which owns the state they use."""

    @workflow.signal
    async def shipment_updated(self, shipment: ShipmentState) -> None:
        """Take a child shipment's report (orders with child shipments)."""
        await self._take_shipment_report(shipment)

    async def _take_shipment_report(self, shipment: ShipmentState) -> None:
        """Move the order's stage with a shipment's report. An inline
        shipment passes its live state, so the order keeps a copy."""
        self._track(shipment.model_copy(deep=True))
        await self._sync_stage()

    @workflow.signal
    async def tracking_event(self, event: TrackingEvent) -> None:
        """Pass a carrier webhook event to the shipment it belongs to."""
        for shipment in self._state.fulfillments:
            info = shipment.info
            if shipment.number in self._finished or info is None:
                continue
            if info.tracking_number == event.tracking_number:
                await self._shipments[shipment.number].tracking_event(event)

    def _shipment(self, number: int) -> ShipmentState:
        return next(s for s in self._state.fulfillments if s.number == number)

    def _track(self, shipment: ShipmentState) -> None:
        known = self._shipment(shipment.number)
        if progress(shipment) < progress(known):
            return  # an older report arriving late
        index = self._state.fulfillments.index(known)
        self._state.fulfillments[index] = shipment
        if shipment.info is not None:
            self._state.shipments = [
                s.info for s in self._state.fulfillments if s.info is not None
            ]
        if shipment.status != known.status:
            self._note(f"shipment_{shipment.status.value}",
                       f"Shipment {shipment.number} is {shipment.status.value}")
        if shipment.info is not None and known.info is None:
            self._notify(NotificationKind.ORDER_SHIPPED, {
                "customer_name": self._state.customer_name,
                "carrier": shipment.info.carrier, "service": shipment.info.service,
                "tracking_number": shipment.info.tracking_number,
                "eta": shipment.info.eta.isoformat() if shipment.info.eta else "",
            }, suffix=str(shipment.number))

    async def _sync_stage(self) -> None:
        live = [s for s in self._state.fulfillments if s.status != ShipmentStatus.CANCELLED]
        if not live or self._state.status.is_terminal:
            return
        least = min(live, key=progress)
        stage = _STAGE_BY_SHIPMENT.get(least.status, OrderStatus.PICKING)
        # Delivery is entered once every child has finished, in _fulfil.
        if stage == OrderStatus.DELIVERED:
            stage = OrderStatus.SHIPPED
        # The projection is written on stage changes only, to keep the
        # number of local activities per order small.
        if _STAGE_ORDER.index(stage) > _STAGE_ORDER.index(self._state.status):
            await self._enter(stage)
