"""Database tables. Only activities and the API import this module."""

from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import JSON, Column, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def money_column() -> Column:
    return Column(Numeric(18, 4), nullable=False)


class Product(SQLModel, table=True):
    __tablename__ = "products"

    sku: str = Field(primary_key=True, max_length=64)
    name: str
    category: str = ""
    sub_category: str = ""
    currency: str = "USD"
    list_price: Decimal = Field(sa_column=money_column())
    discontinued: bool = False
    backorderable: bool = Field(
        False, description="Orders wait for stock instead of failing when out."
    )
    family_id: str | None = Field(
        None, index=True, max_length=64,
        description="Products sharing a family are variants of one product.",
    )


class Warehouse(SQLModel, table=True):
    __tablename__ = "warehouses"

    id: str = Field(primary_key=True, max_length=32)
    name: str
    postal_region: str = ""
    timezone: str = Field("UTC", description="IANA time zone name.")
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    priority: int = Field(
        100, description="Allocation order for the priority strategy; lower first."
    )


class StockLevel(SQLModel, table=True):
    """On-hand and reserved units of one SKU in one warehouse."""

    __tablename__ = "stock_levels"

    sku: str = Field(primary_key=True, max_length=64)
    warehouse_id: str = Field(primary_key=True, max_length=32)
    on_hand: int = 0
    reserved: int = 0


class StockMovement(SQLModel, table=True):
    """Immutable record of one stock change and who caused it."""

    __tablename__ = "stock_movements"

    id: int | None = Field(default=None, primary_key=True)
    sku: str = Field(index=True)
    warehouse_id: str
    kind: str = Field(description="A `models.inventory.MovementKind` value.")
    quantity: int = Field(
        description="Units moved; negative only for an adjustment that removes."
    )
    order_id: str | None = Field(default=None, index=True)
    user_id: str | None = Field(default=None, description="Who made the change.")
    reference: str | None = Field(
        default=None, description="Purchase order or receipt behind a receipt."
    )
    reason: str = ""
    at: datetime = Field(default_factory=utc_now)


class Reservation(SQLModel, table=True):
    __tablename__ = "reservations"
    __table_args__ = (UniqueConstraint("order_id", "sku", "warehouse_id"),)

    id: int | None = Field(default=None, primary_key=True)
    order_id: str = Field(index=True)
    sku: str
    warehouse_id: str
    quantity: int
    status: str = Field(
        "active", description="active, released, consumed or expired."
    )
    created_at: datetime = Field(default_factory=utc_now)


class OrderRecord(SQLModel, table=True):
    """Projection of an order for lists and search, written by activities."""

    __tablename__ = "orders"

    id: str = Field(primary_key=True, max_length=64)
    workflow_id: str
    status: str = Field(index=True)
    channel: str = Field(index=True)
    customer_id: str = Field(index=True)
    currency: str
    total: Decimal | None = Field(default=None, sa_column=Column(Numeric(18, 4)))
    placed_at: datetime = Field(index=True)
    updated_at: datetime = Field(default_factory=utc_now)
    version: int = 0
    state: dict = Field(default_factory=dict, sa_column=Column(JSON))


class PaymentLedgerEntry(SQLModel, table=True):
    __tablename__ = "payment_ledger"

    idempotency_key: str = Field(primary_key=True, max_length=200)
    order_id: str = Field(index=True)
    payment_id: str
    kind: str
    status: str
    amount: Decimal = Field(sa_column=money_column())
    currency: str
    at: datetime = Field(default_factory=utc_now)


class IdempotencyRecord(SQLModel, table=True):
    """Maps an `Idempotency-Key` header to the order it created."""

    __tablename__ = "idempotency_keys"

    key: str = Field(primary_key=True, max_length=255)
    request_hash: str
    order_id: str
    created_at: datetime = Field(default_factory=utc_now)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"

    key_hash: str = Field(primary_key=True, max_length=64)
    name: str
    role: str
    created_at: datetime = Field(default_factory=utc_now)
    revoked: bool = False


class FeedbackInvitation(SQLModel, table=True):
    __tablename__ = "feedback_invitations"

    order_id: str = Field(primary_key=True, max_length=64)
    customer_id: str
    sent_at: datetime = Field(default_factory=utc_now)


class SimulatedPaymentOperation(SQLModel, table=True):
    """The payment simulator's own book, keyed by idempotency key."""

    __tablename__ = "sim_payment_operations"

    idempotency_key: str = Field(primary_key=True, max_length=200)
    payment_id: str
    kind: str
    amount_minor: int
    currency: str
    behavior: str = Field("", description="Test behavior taken from the token.")
    parent_id: str = ""
    calls: int = 1
    created_at: datetime = Field(default_factory=utc_now)


class SimulatedShipment(SQLModel, table=True):
    __tablename__ = "sim_shipments"

    idempotency_key: str = Field(primary_key=True, max_length=200)
    tracking_number: str = Field(index=True)
    order_id: str
    service: str
    shipped_at: datetime = Field(default_factory=utc_now)
