"""Merging carrier tracking events into a shipment's history.

Carriers resend events and deliver them out of order. A merge therefore
drops events already known and never moves the shipment's status back
to an earlier stage. A late `in_transit` scan after `out_for_delivery`
stays in the history but leaves the status unchanged.
"""

from dataclasses import dataclass
from datetime import datetime, timezone

from pydantic import AwareDatetime, Field

from domain.shipping.eta import BusinessCalendar, Eta, eta_after_event
from models.payloads import TrackingEvent
from models.status import ShipmentStatus

# Position of each status in a parcel's life. Status only moves to a
# higher rank.
STATUS_RANK = {
    ShipmentStatus.LABEL_CREATED: 0,
    ShipmentStatus.IN_TRANSIT: 1,
    ShipmentStatus.OUT_FOR_DELIVERY: 2,
    ShipmentStatus.DELIVERED: 3,
}


class CarrierEvent(TrackingEvent):
    """A tracking event as a carrier sends it, with the carrier's own id."""

    at: AwareDatetime
    event_id: str = Field(
        "", description="Carrier's id of the event, or empty when it sends none."
    )


@dataclass(frozen=True)
class TrackingMerge:
    """History after a merge, and what the merge changed."""

    events: list[TrackingEvent]
    """Every distinct event, oldest first."""
    status: ShipmentStatus
    added: list[TrackingEvent]
    duplicates: int
    out_of_order: list[TrackingEvent]
    """Added events older than the newest event known before the merge."""

    def status_changed(self, before: ShipmentStatus) -> bool:
        return self.status != before


def event_key(event: TrackingEvent) -> str:
    """Identify an event: the carrier's id, else its status, time and place.

    The time is taken in UTC so that one instant sent with two different
    offsets is still one event.
    """
    event_id = getattr(event, "event_id", "")
    if event_id:
        return f"id:{event_id}"
    at = event.at.astimezone(timezone.utc).isoformat()
    return f"{event.status.value}|{at}|{event.location}"


def merge_events(
    tracking_number: str,
    known: list[TrackingEvent],
    incoming: list[TrackingEvent],
    status: ShipmentStatus = ShipmentStatus.LABEL_CREATED,
) -> TrackingMerge:
    """Add new events to a shipment's history.

    The resulting status is the furthest of `status`, the shipment's
    status before the merge, and the statuses of all events.
    """
    _check_tracking_number(tracking_number, incoming)
    seen = {event_key(event) for event in known}
    newest = max((event.at for event in known), default=None)

    added = []
    out_of_order = []
    duplicates = 0
    for event in incoming:
        key = event_key(event)
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        added.append(event)
        if newest is not None and event.at < newest:
            out_of_order.append(event)

    return TrackingMerge(
        events=sorted([*known, *added], key=_chronological),
        status=_highest_status(status, [*known, *added]),
        added=added,
        duplicates=duplicates,
        out_of_order=out_of_order,
    )


def current_eta(
    plan: Eta, events: list[TrackingEvent], destination: BusinessCalendar
) -> datetime:
    """Recompute the delivery estimate from a shipment's whole history.

    A delivery event settles it. Otherwise the newest event decides, so
    an old event that arrives late cannot change the estimate.
    """
    delivered = [e for e in events if e.status == ShipmentStatus.DELIVERED]
    if delivered:
        return min(delivered, key=_chronological).at
    if not events:
        return plan.deliver_by
    newest = max(events, key=_chronological)
    return eta_after_event(plan, newest, destination)


def _check_tracking_number(tracking_number: str, events: list[TrackingEvent]) -> None:
    others = {e.tracking_number for e in events if e.tracking_number != tracking_number}
    if others:
        raise ValueError(
            f"events for {sorted(others)} passed to the merge of "
            f"{tracking_number}; group events by tracking number first"
        )


def _highest_status(
    status: ShipmentStatus, events: list[TrackingEvent]
) -> ShipmentStatus:
    for event in events:
        if STATUS_RANK[event.status] > STATUS_RANK[status]:
            status = event.status
    return status


def _chronological(event: TrackingEvent) -> tuple:
    # Ties on time fall back to the status rank, so that a scan and a
    # delivery stamped with the same second read in the right order.
    return (event.at, STATUS_RANK[event.status])
