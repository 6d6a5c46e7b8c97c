"""Price list tables; the rules that read them live in domain.price_engine."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, Numeric
from sqlmodel import Field, SQLModel


class PriceListRecord(SQLModel, table=True):
    __tablename__ = "price_lists"

    id: str = Field(primary_key=True, max_length=64)
    currency: str = Field(max_length=3)
    channel: str | None = Field(None, description="None applies to every channel.")
    customer_group: str | None = Field(None, description="None applies to every group.")
    valid_from: datetime | None = None
    valid_to: datetime | None = Field(None, description="Exclusive end.")
    priority: int = 0


class PriceTierRecord(SQLModel, table=True):
    __tablename__ = "price_tiers"

    price_list_id: str = Field(primary_key=True, foreign_key="price_lists.id")
    sku: str = Field(primary_key=True, max_length=64)
    min_quantity: int = Field(primary_key=True, ge=1)
    unit_price: Decimal = Field(sa_column=Column(Numeric(18, 4), nullable=False))
    sale_price: Decimal | None = Field(default=None, sa_column=Column(Numeric(18, 4)))
