"""Carrier interface and the built-in simulator."""

import hashlib
from datetime import datetime, timedelta, timezone
from typing import Protocol

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from integrations.errors import AddressInvalidError
from models.payloads import Address, ShipmentInfo, TrackingEvent
from models.status import ShipmentStatus
from models.tables import SimulatedShipment

SERVICE_BY_SHIP_MODE = {
    "same day": "same_day",
    "first class": "express",
    "second class": "two_day",
    "standard class": "ground",
    "standard": "ground",
}


class Carrier(Protocol):
    def create_shipment(
        self, order_id: str, address: Address, ship_mode: str, idempotency_key: str
    ) -> ShipmentInfo: ...

    def tracking_events(self, tracking_number: str) -> list[TrackingEvent]: ...


class SimulatedCarrier:
    """Carrier that moves a parcel to delivered over a fixed transit time.

    A postal code of "00000" or an empty one is rejected as an invalid
    address, which is how tests reach that failure.
    """

    name = "simcarrier"

    def __init__(self, engine: Engine, transit_seconds: float):
        self._engine = engine
        self._transit = timedelta(seconds=transit_seconds)

    def create_shipment(self, order_id, address, ship_mode, idempotency_key):
        if address.postal_code.strip() in ("", "00000"):
            raise AddressInvalidError(
                f"postal code {address.postal_code!r} is not deliverable"
            )
        service = SERVICE_BY_SHIP_MODE.get(ship_mode.lower(), "ground")
        row = self._find_or_create(order_id, service, idempotency_key)
        return ShipmentInfo(
            shipment_id=f"{order_id}-1",
            carrier=self.name,
            service=row.service,
            tracking_number=row.tracking_number,
            shipped_at=_aware(row.shipped_at),
        )

    def tracking_events(self, tracking_number):
        with Session(self._engine) as session:
            row = session.exec(
                select(SimulatedShipment).where(
                    SimulatedShipment.tracking_number == tracking_number
                )
            ).first()
        if row is None:
            return []
        shipped = _aware(row.shipped_at)
        now = datetime.now(timezone.utc)
        steps = [
            (ShipmentStatus.IN_TRANSIT, 1 / 3, "sorting center"),
            (ShipmentStatus.OUT_FOR_DELIVERY, 2 / 3, "local depot"),
            (ShipmentStatus.DELIVERED, 1.0, "front door"),
        ]
        events = []
        for status, share, location in steps:
            at = shipped + self._transit * share
            if at <= now:
                events.append(
                    TrackingEvent(
                        tracking_number=tracking_number,
                        status=status,
                        at=at,
                        location=location,
                    )
                )
        return events

    def _find_or_create(self, order_id, service, key) -> SimulatedShipment:
        with Session(self._engine) as session:
            row = session.get(SimulatedShipment, key)
            if row is not None:
                return row
            digest = hashlib.sha256(key.encode()).hexdigest()[:12].upper()
            row = SimulatedShipment(
                idempotency_key=key,
                tracking_number=f"SIM{digest}",
                order_id=order_id,
                service=service,
            )
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                return session.get(SimulatedShipment, key)
            session.refresh(row)
            return row


def _aware(moment: datetime) -> datetime:
    """Attach UTC to timestamps that SQLite returns without a zone."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment
