"""Tables of post-sale money: refundable balances and the refunds taken
from them. Only activities and the API import this module."""

from datetime import datetime
from decimal import Decimal

from sqlmodel import Field, SQLModel

from models.tables import money_column, utc_now


class PaymentBalance(SQLModel, table=True):
    """Captured and refunded totals of one payment.

    Refunds change `refunded` only through a conditional update that
    keeps it at or below `captured`.
    """

    __tablename__ = "payment_balances"

    payment_id: str = Field(primary_key=True, max_length=200)
    order_id: str = Field(index=True)
    currency: str
    captured: Decimal = Field(sa_column=money_column())
    refunded: Decimal = Field(default=Decimal(0), sa_column=money_column())
    updated_at: datetime = Field(default_factory=utc_now)


class RefundEntry(SQLModel, table=True):
    """Immutable record of one refund, keyed by its idempotency key."""

    __tablename__ = "refund_entries"

    idempotency_key: str = Field(primary_key=True, max_length=200)
    payment_id: str = Field(index=True)
    order_id: str = Field(index=True)
    amount: Decimal = Field(sa_column=money_column())
    currency: str
    reason: str = ""
    at: datetime = Field(default_factory=utc_now)
