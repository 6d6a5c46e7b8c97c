"""Read the public catalog: product listing, stock availability and prices."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, select

from activities.pricing import load_price_lists
from domain.price_engine import NoPriceError, PriceRequest, Tier, price
from activities.catalog_attributes import public_value
from models.catalog import AttributeDefinition, BundleRecord, ProductAttribute
from models.tables import Product, StockLevel, Warehouse

# Larger than any tier minimum, so pricing at it returns every tier of
# the list that applies. Which list applies does not depend on the
# quantity, because neither PriceList.applies nor the ranking reads it.
ALL_TIERS_QUANTITY = 10**9

LIST_PRICE_SOURCE = "product list price"


@dataclass(frozen=True)
class CatalogFilter:
    category: str = ""
    sub_category: str = ""
    text: str = ""
    """Case-insensitive substring of the name or the SKU."""


@dataclass(frozen=True)
class CatalogPage:
    products: list[Product]
    total: int
    """Products that match the filter, over all pages."""


@dataclass(frozen=True)
class WarehouseAvailability:
    warehouse_id: str
    warehouse_name: str
    available: int
    """On hand minus reserved units."""


@dataclass(frozen=True)
class VisitorContext:
    """Pricing context of a catalog visitor."""

    channel: str
    currency: str
    customer_group: str
    quantity: int
    at: datetime


@dataclass(frozen=True)
class ProductPrice:
    unit_price: Decimal
    currency: str
    source: str
    """Price list and tier, or `product list price` when no list applies."""
    tiers: list[Tier] = field(default_factory=list)
    """Tiers of the price list that applies, empty when none does."""


def list_products(session: Session, catalog_filter: CatalogFilter,
                  limit: int, offset: int) -> CatalogPage:
    """Find products that are not discontinued, ordered by name then SKU."""
    conditions = [Product.discontinued.is_(False)]
    if catalog_filter.category:
        conditions.append(Product.category == catalog_filter.category)
    if catalog_filter.sub_category:
        conditions.append(Product.sub_category == catalog_filter.sub_category)
    if catalog_filter.text:
        conditions.append(
            Product.name.icontains(catalog_filter.text, autoescape=True)
            | Product.sku.icontains(catalog_filter.text, autoescape=True)
        )

    total = session.exec(
        select(func.count()).select_from(Product).where(*conditions)
    ).one()
    products = session.exec(
        select(Product).where(*conditions)
        .order_by(Product.name, Product.sku).offset(offset).limit(limit)
    ).all()
    return CatalogPage(products=list(products), total=total)


def list_categories(session: Session) -> list[str]:
    """Return the non-empty categories of products still on sale."""
    categories = session.exec(
        select(Product.category).distinct()
        .where(Product.discontinued.is_(False), Product.category != "")
        .order_by(Product.category)
    ).all()
    return list(categories)


def load_availability(session: Session, sku: str) -> list[WarehouseAvailability]:
    """Return the available units of `sku` per warehouse that stocks it."""
    rows = session.exec(
        select(StockLevel, Warehouse.name)
        .join(Warehouse, Warehouse.id == StockLevel.warehouse_id, isouter=True)
        .where(StockLevel.sku == sku)
        .order_by(StockLevel.warehouse_id)
    ).all()
    return [
        WarehouseAvailability(
            warehouse_id=level.warehouse_id,
            warehouse_name=name or level.warehouse_id,
            available=level.on_hand - level.reserved,
        )
        for level, name in rows
    ]


def quote_product(session: Session, product: Product,
                  visitor: VisitorContext) -> ProductPrice:
    """Price one product for a visitor the way order pricing does.

    A price list that applies sets the unit price. Without one, or below
    the list's smallest tier, the product's list price applies, as in
    activities.orders.
    """
    lists = load_price_lists(session, {product.sku}, visitor.currency)

    def request(quantity: int) -> PriceRequest:
        return PriceRequest(product.sku, quantity, visitor.channel,
                            visitor.currency, visitor.customer_group, visitor.at)

    try:
        tiers = price(request(ALL_TIERS_QUANTITY), lists).tiers
    except NoPriceError:
        tiers = []
    try:
        quote = price(request(visitor.quantity), lists)
    except NoPriceError:
        return ProductPrice(unit_price=Decimal(product.list_price),
                            currency=product.currency,
                            source=LIST_PRICE_SOURCE, tiers=tiers)
    return ProductPrice(unit_price=quote.unit_price, currency=quote.currency,
                        source=quote.source, tiers=tiers)


def load_product_extras(session: Session, product: Product) -> dict:
    """Attributes, variants with their availability, and bundle contents."""
    definitions = {d.name: d for d in session.exec(select(AttributeDefinition))}
    attributes = {
        value.name: public_value(definitions[value.name], value)
        for value in session.exec(select(ProductAttribute).where(
            ProductAttribute.sku == product.sku).order_by(ProductAttribute.name))
    }
    variants = []
    if product.family_id:
        siblings = session.exec(select(Product).where(
            Product.family_id == product.family_id, Product.sku != product.sku,
        ).order_by(Product.sku)).all()
        variants = [{"sku": sibling.sku, "name": sibling.name,
                     "available": _total_available(session, sibling.sku)}
                    for sibling in siblings]
    bundle = None
    record = session.get(BundleRecord, product.sku)
    if record is not None:
        if record.kind == "fixed":
            parts = [{"sku": sku, "units": units, "slot": None}
                     for sku, units in sorted(record.components.items())]
        else:
            parts = [{"sku": sku, "units": units, "slot": slot}
                     for slot, options in sorted(record.components.items())
                     for sku, units in sorted(options.items())]
        for part in parts:
            part["available"] = _total_available(session, part["sku"])
        bundle = {"kind": record.kind, "components": parts}
    return {"attributes": attributes, "variants": variants, "bundle": bundle}


def _total_available(session: Session, sku: str) -> int:
    return sum(stock.available for stock in load_availability(session, sku))
