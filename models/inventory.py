"""Inventory planning tables and the list of stock movement kinds."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from models.tables import utc_now


class MovementKind(StrEnum):
    """Kind of stock movement, with its effect on on-hand and reserved units."""

    RECEIPT = "receipt"
    """Units arrived from a supplier: on hand goes up."""
    RESERVATION = "reservation"
    """Units held for an order: reserved goes up."""
    RELEASE = "release"
    """A hold ended without a pick: reserved goes down."""
    PICK = "pick"
    """Reserved units left the shelf: on hand and reserved go down."""
    ADJUSTMENT = "adjustment"
    """A count correction: on hand moves by the signed quantity."""
    RETURN_TO_STOCK = "return_to_stock"
    """Picked units came back to the shelf: on hand goes up."""


class StockThreshold(SQLModel, table=True):
    """Planning parameters of one SKU in one warehouse."""

    __tablename__ = "stock_thresholds"

    sku: str = Field(primary_key=True, max_length=64)
    warehouse_id: str = Field(primary_key=True, max_length=32)
    low_stock_threshold: int = Field(
        0, ge=0, description="Alert when available units fall to this or below."
    )
    reorder_point: int = Field(
        0, ge=0, description="Suggest a purchase when available plus inbound "
        "units fall to this or below."
    )
    lead_time_days: float = Field(
        7.0, ge=0, description="Days from purchase order to receipt."
    )
    minimum_order_quantity: int = Field(1, ge=1)
    updated_at: datetime = Field(default_factory=utc_now)


class StockReceipt(SQLModel, table=True):
    """One booked receipt, so a retried request is not counted twice."""

    __tablename__ = "stock_receipts"

    receipt_id: str = Field(primary_key=True, max_length=100)
    purchase_order_id: str = Field(index=True, max_length=100)
    warehouse_id: str = Field(max_length=32)
    user_id: str | None = None
    units: int
    received_at: datetime = Field(default_factory=utc_now)
