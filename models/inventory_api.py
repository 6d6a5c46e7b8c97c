"""Request and response schemas of the inventory endpoints."""

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

SKU = Field(min_length=1, max_length=64, examples=["OFF-PA-10000174"])
WAREHOUSE_ID = Field(min_length=1, max_length=32, examples=["WH-MAIN"])


class ReceiptLineCreate(BaseModel):
    sku: str = SKU
    quantity: int = Field(gt=0, le=1_000_000, examples=[24])


class ReceiptCreate(BaseModel):
    """Units of a purchase order that arrived at a warehouse."""

    receipt_id: str = Field(
        min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._/-]+$",
        description="Unique per delivery; resending it books nothing twice.",
        examples=["PO-1042/1"],
    )
    purchase_order_id: str = Field(min_length=1, max_length=100,
                                   examples=["PO-1042"])
    warehouse_id: str = WAREHOUSE_ID
    lines: list[ReceiptLineCreate] = Field(min_length=1, max_length=1000)


class ReceiptBooked(BaseModel):
    receipt_id: str
    units: int
    replayed: bool = Field(
        description="True when this receipt had been booked before."
    )


class AdjustmentCreate(BaseModel):
    """A stock count correction."""

    sku: str = SKU
    warehouse_id: str = WAREHOUSE_ID
    quantity: int = Field(
        ge=-1_000_000, le=1_000_000,
        description="Units to add (positive) or remove (negative); not 0.",
        examples=[-2],
    )
    reason: str = Field(min_length=1, max_length=200,
                        examples=["damaged in storage"])


class StockLevelPublic(BaseModel):
    sku: str
    warehouse_id: str
    on_hand: int
    reserved: int
    available: int


class ThresholdUpdate(BaseModel):
    low_stock_threshold: int = Field(0, ge=0, le=10_000_000)
    reorder_point: int = Field(0, ge=0, le=10_000_000)
    lead_time_days: float = Field(7.0, ge=0, le=365)
    minimum_order_quantity: int = Field(1, ge=1, le=10_000_000)


class ThresholdPublic(ThresholdUpdate):
    sku: str
    warehouse_id: str


class StockAlertPublic(BaseModel):
    sku: str
    warehouse_id: str
    kind: str = Field(
        description="`out_of_stock`, `low_stock` or `reorder_point_reached`."
    )
    available: int
    threshold: int


class ReorderSuggestionPublic(BaseModel):
    sku: str
    warehouse_id: str
    inventory_position: int
    safety_stock: float
    reorder_point: float
    order_up_to: float
    quantity: int = Field(description="Units to order; 0 means none.")
    order_date: date | None = Field(
        description="Day to place the order; null without forecast demand."
    )
    days_of_cover: float | None


class LevelReportPublic(BaseModel):
    sku: str
    warehouse_id: str
    on_hand: int
    available: int
    unit_price: Decimal
    stock_value: Decimal
    daily_demand: float
    days_of_cover: float | None
    last_demand_at: date | None


class InventoryReportPublic(BaseModel):
    total_value: Decimal = Field(description="On-hand units at list price.")
    levels: list[LevelReportPublic]
    slow_movers: list[LevelReportPublic]
    stock_outs: list[LevelReportPublic]


class StockDiscrepancyPublic(BaseModel):
    sku: str
    warehouse_id: str
    on_hand: int
    reserved: int
    ledger_on_hand: int
    ledger_reserved: int


class ExpiryResult(BaseModel):
    units_released: int
    older_than_minutes: float


class AllocationRequest(BaseModel):
    """Order lines and where they go, to preview an allocation."""

    lines: list[ReceiptLineCreate] = Field(min_length=1, max_length=500)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    strategy: Literal["fewest_shipments", "nearest", "priority"] | None = Field(
        None, description="Default: the server's `OMS_ALLOCATION_STRATEGY`."
    )


class ShipmentPublic(BaseModel):
    warehouse_id: str
    quantities: dict[str, int]


class AllocationPublic(BaseModel):
    strategy: str
    shipments: list[ShipmentPublic]
