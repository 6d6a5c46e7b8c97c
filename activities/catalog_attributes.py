"""Typed attribute values: validation, storage and search."""

from decimal import Decimal, InvalidOperation

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from models.catalog import AttributeDefinition, ProductAttribute
from models.tables import Product

KINDS = ("text", "number", "enum", "boolean")


class AttributeValueError(ValueError):
    def __init__(self, name: str, message: str, fix: str):
        super().__init__(message)
        self.name = name
        self.fix = fix


def to_record(definition: AttributeDefinition, sku: str, value) -> ProductAttribute:
    """Check a value against its definition and build the row to store."""
    record = ProductAttribute(sku=sku, name=definition.name)
    if definition.kind == "boolean":
        if not isinstance(value, bool):
            raise AttributeValueError(definition.name, f"{value!r} is not true or false",
                                      "send true or false")
        record.bool_value = value
    elif definition.kind == "number":
        try:
            record.number_value = Decimal(str(value))
        except InvalidOperation:
            raise AttributeValueError(
                definition.name, f"{value!r} is not a number",
                f"send a number in {definition.unit or 'the attribute unit'}") from None
        if not record.number_value.is_finite() or isinstance(value, bool):
            raise AttributeValueError(definition.name, f"{value!r} is not a number",
                                      "send a finite number")
    elif definition.kind == "enum":
        if value not in definition.allowed:
            raise AttributeValueError(
                definition.name, f"{value!r} is not an allowed value",
                f"use one of {', '.join(definition.allowed)}")
        record.text_value = value
    else:
        if not isinstance(value, str) or len(value) > 500:
            raise AttributeValueError(definition.name, "text must be a string of at most 500 characters",
                                      "send shorter text")
        record.text_value = value
    return record


def public_value(definition: AttributeDefinition, record: ProductAttribute):
    if definition.kind == "boolean":
        return record.bool_value
    if definition.kind == "number":
        # Fixed-point text: normalize() alone would print 100 as 1E+2.
        return {"value": format(Decimal(record.number_value).normalize(), "f"),
                "unit": definition.unit}
    return record.text_value


def search_products(session: Session, *, text: str = "", category: str = "",
                    filters: dict[str, str] | None = None, limit: int = 50,
                    offset: int = 0) -> list[Product]:
    """Find products by text (name or SKU), category and attribute values.

    Each filter is `name -> value`; numbers match `min..max` ranges with
    either end open, booleans `true`/`false`, text and enums exactly.
    """
    statement = select(Product).where(Product.discontinued == False)  # noqa: E712
    if text:
        pattern = f"%{text.lower()}%"
        statement = statement.where(or_(Product.name.ilike(pattern),
                                        Product.sku.ilike(pattern)))
    if category:
        statement = statement.where(Product.category == category)
    definitions = {d.name: d for d in session.exec(select(AttributeDefinition))}
    for name, wanted in (filters or {}).items():
        definition = definitions.get(name)
        if definition is None:
            raise AttributeValueError(name, f"attribute {name} does not exist",
                                      "filter by a defined attribute")
        statement = statement.where(Product.sku.in_(
            select(ProductAttribute.sku).where(and_(
                ProductAttribute.name == name, _condition(definition, wanted)))))
    return list(session.exec(
        statement.order_by(Product.name, Product.sku).offset(offset).limit(limit)).all())


def _condition(definition: AttributeDefinition, wanted: str):
    if definition.kind == "boolean":
        if wanted not in ("true", "false"):
            raise AttributeValueError(definition.name, f"{wanted!r} is not true or false",
                                      "filter with true or false")
        return ProductAttribute.bool_value == (wanted == "true")
    if definition.kind == "number":
        try:
            if ".." not in wanted:
                return ProductAttribute.number_value == Decimal(wanted)
            low, high = wanted.split("..", 1)
            conditions = [ProductAttribute.number_value.is_not(None)]
            if low:
                conditions.append(ProductAttribute.number_value >= Decimal(low))
            if high:
                conditions.append(ProductAttribute.number_value <= Decimal(high))
        except InvalidOperation:
            raise AttributeValueError(definition.name, f"{wanted!r} is not a number or range",
                                      "filter with 10, 10..20, ..20 or 10..") from None
        return and_(*conditions)
    return ProductAttribute.text_value == wanted
