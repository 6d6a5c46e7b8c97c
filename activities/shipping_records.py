"""The `shipment_records` table: one row per booked parcel, written by the
ship activity and read by the label and carrier webhook endpoints."""

from datetime import datetime, timezone

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from domain.shipping.boxes import Dimensions
from models.payloads import Address, ShipmentInfo
from models.shipping import ShipmentRecord
from models.status import ShipmentStatus

_STATUS_ORDER = list(ShipmentStatus)


class TrackingNumberConflictError(ValueError):
    """A tracking number already recorded for another shipment."""


def record_shipment(
    session: Session,
    *,
    order_id: str,
    shipment: ShipmentInfo,
    ship_from: Address,
    ship_to: Address,
    warehouse_id: str = "",
    dimensions: Dimensions | None = None,
) -> ShipmentRecord:
    """Insert or update the shipment's row and commit the session.

    Calling it again with the same shipment id updates the row, so an
    activity retry is safe. The status only moves forward. Raises
    `TrackingNumberConflictError` when another shipment has the
    tracking number.
    """
    _check_tracking_number(session, shipment)
    record = session.get(ShipmentRecord, shipment.shipment_id, with_for_update=True)
    if record is None:
        record = ShipmentRecord(
            shipment_id=shipment.shipment_id, order_id=order_id,
            carrier=shipment.carrier, service=shipment.service,
            tracking_number=shipment.tracking_number,
            status=shipment.status.value, shipped_at=shipment.shipped_at,
        )
    _apply(record, shipment, ship_from, ship_to, warehouse_id, dimensions)
    session.add(record)
    try:
        session.commit()
    except IntegrityError:
        # A concurrent attempt inserted the row first: update that one.
        session.rollback()
        record = session.get(ShipmentRecord, shipment.shipment_id, with_for_update=True)
        if record is None:
            raise
        _apply(record, shipment, ship_from, ship_to, warehouse_id, dimensions)
        session.add(record)
        session.commit()
    session.refresh(record)
    return record


def find_shipment_by_tracking_number(
    session: Session, tracking_number: str
) -> ShipmentRecord | None:
    return session.exec(
        select(ShipmentRecord).where(ShipmentRecord.tracking_number == tracking_number)
    ).first()


def _check_tracking_number(session: Session, shipment: ShipmentInfo) -> None:
    other = find_shipment_by_tracking_number(session, shipment.tracking_number)
    if other is not None and other.shipment_id != shipment.shipment_id:
        raise TrackingNumberConflictError(
            f"tracking number {shipment.tracking_number} already belongs to "
            f"shipment {other.shipment_id} of order {other.order_id}"
        )


def _apply(record: ShipmentRecord, shipment: ShipmentInfo, ship_from: Address,
           ship_to: Address, warehouse_id: str, dimensions: Dimensions | None) -> None:
    record.carrier = shipment.carrier
    record.service = shipment.service
    record.tracking_number = shipment.tracking_number
    if _STATUS_ORDER.index(shipment.status) > _STATUS_ORDER.index(
        ShipmentStatus(record.status)
    ):
        record.status = shipment.status.value
    record.warehouse_id = warehouse_id
    record.ship_from = ship_from.model_dump(mode="json")
    record.ship_to = ship_to.model_dump(mode="json")
    record.weight_kg = shipment.weight_kg
    if dimensions is not None:
        record.length_cm = dimensions.length_cm
        record.width_cm = dimensions.width_cm
        record.height_cm = dimensions.height_cm
    record.eta = shipment.eta
    record.shipped_at = shipment.shipped_at
    record.updated_at = datetime.now(timezone.utc)
