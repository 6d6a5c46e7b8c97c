"""record_shipment: insert, repeat and conflicting tracking numbers."""

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from activities.shipping_records import TrackingNumberConflictError, record_shipment
from models.payloads import Address, ShipmentInfo
from models.shipping import ShipmentRecord
from models.status import ShipmentStatus


def shipment(shipment_id="O-1-1", tracking_number="SIM1",
             status=ShipmentStatus.LABEL_CREATED):
    return ShipmentInfo(
        shipment_id=shipment_id, carrier="simcarrier", service="ground",
        tracking_number=tracking_number, status=status,
        shipped_at=datetime(2019, 1, 4, tzinfo=timezone.utc),
        weight_kg=Decimal("2.5"),
    )


def record(engine, info: ShipmentInfo) -> ShipmentRecord:
    with Session(engine) as session:
        return record_shipment(session, order_id="O-1", shipment=info,
                               ship_from=Address(name="Main"),
                               ship_to=Address(name="Ann", postal_code="77095"))


def test_record_shipment_twice_keeps_one_row(sqlite_engine):
    record(sqlite_engine, shipment())
    again = record(sqlite_engine, shipment())

    with Session(sqlite_engine) as session:
        rows = session.exec(select(ShipmentRecord)).all()
    assert len(rows) == 1
    assert again.ship_to["postal_code"] == "77095"
    assert again.weight_kg == Decimal("2.5")


def test_record_shipment_status_only_moves_forward(sqlite_engine):
    record(sqlite_engine, shipment(status=ShipmentStatus.IN_TRANSIT))
    older = record(sqlite_engine, shipment(status=ShipmentStatus.LABEL_CREATED))

    assert older.status == "in_transit"


def test_record_shipment_tracking_number_conflict(sqlite_engine):
    record(sqlite_engine, shipment())

    with pytest.raises(TrackingNumberConflictError) as raised:
        record(sqlite_engine, shipment(shipment_id="O-2-1"))

    assert "O-1-1" in str(raised.value)
