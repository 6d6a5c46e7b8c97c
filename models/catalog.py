"""Catalog tables: price lists and typed attributes.

The rules that read price lists live in domain.price_engine.
"""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Column, Numeric
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


class AttributeDefinition(SQLModel, table=True):
    """A typed product attribute: text, number with unit, enumeration or boolean."""

    __tablename__ = "attribute_definitions"

    name: str = Field(primary_key=True, max_length=64)
    kind: str = Field(description="text, number, enum or boolean.")
    unit: str = Field("", max_length=20, description="For numbers, e.g. cm or kg.")
    allowed: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    """For enumerations, the values a product may take."""


class ProductAttribute(SQLModel, table=True):
    """One attribute value of one SKU, stored in the column of its kind."""

    __tablename__ = "product_attributes"

    sku: str = Field(primary_key=True, max_length=64)
    name: str = Field(primary_key=True, foreign_key="attribute_definitions.name")
    text_value: str | None = None
    number_value: Decimal | None = Field(default=None, sa_column=Column(Numeric(18, 6)))
    bool_value: bool | None = None


class BundleRecord(SQLModel, table=True):
    """A bundle SKU: fixed components, or one option per slot."""

    __tablename__ = "bundles"

    sku: str = Field(primary_key=True, max_length=64)
    kind: str = Field(description="fixed or configurable.")
    components: dict = Field(default_factory=dict, sa_column=Column(JSON))
    """Fixed: {sku: units}. Configurable: {slot: {sku: units}}."""


class PromotionRecord(SQLModel, table=True):
    """A percentage or fixed amount off lines or the order, in a window."""

    __tablename__ = "promotions"

    id: str = Field(primary_key=True, max_length=64)
    scope: str = Field(description="line or order.")
    currency: str = Field(max_length=3)
    percent: Decimal | None = Field(default=None, sa_column=Column(Numeric(7, 4)))
    amount: Decimal | None = Field(default=None, sa_column=Column(Numeric(18, 4)))
    sku: str | None = Field(None, description="Line promotions: one SKU, or all.")
    channel: str | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None


class TaxRateRecord(SQLModel, table=True):
    """Tax percent by country and, optionally, region."""

    __tablename__ = "tax_rates"

    country: str = Field(primary_key=True, max_length=2)
    region: str = Field("", primary_key=True, max_length=100,
                        description="Empty for the country-wide rate.")
    rate: Decimal = Field(sa_column=Column(Numeric(7, 4), nullable=False))
