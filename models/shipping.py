"""Tables of shipments that left a warehouse and of carrier events
received by webhook. Only activities and the API import this module."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Column, Numeric
from sqlmodel import Field, SQLModel

from models.tables import utc_now


class ShipmentRecord(SQLModel, table=True):
    """A booked parcel: carrier, addresses, size, for labels and webhooks."""

    __tablename__ = "shipment_records"

    shipment_id: str = Field(primary_key=True, max_length=100)
    order_id: str = Field(index=True, max_length=64)
    carrier: str
    service: str
    tracking_number: str = Field(unique=True, max_length=100)
    status: str = Field(description="A `ShipmentStatus` value.")
    warehouse_id: str = ""
    ship_from: dict = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False),
        description="Sender as an `Address`: warehouse name and address.",
    )
    ship_to: dict = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False),
        description="Recipient as an `Address`.",
    )
    weight_kg: Decimal | None = Field(default=None, sa_column=Column(Numeric(10, 3)))
    length_cm: Decimal | None = Field(default=None, sa_column=Column(Numeric(10, 1)))
    width_cm: Decimal | None = Field(default=None, sa_column=Column(Numeric(10, 1)))
    height_cm: Decimal | None = Field(default=None, sa_column=Column(Numeric(10, 1)))
    eta: datetime | None = None
    shipped_at: datetime
    updated_at: datetime = Field(default_factory=utc_now)


class CarrierEventReceipt(SQLModel, table=True):
    """A carrier event already passed to its order's workflow."""

    __tablename__ = "carrier_event_receipts"

    event_digest: str = Field(
        primary_key=True, max_length=64,
        description="SHA-256 hex of the tracking number and the event's key: "
        "the carrier's event id, else status, time and place.",
    )
    tracking_number: str = Field(index=True, max_length=100)
    order_id: str
    status: str
    received_at: datetime = Field(default_factory=utc_now)
