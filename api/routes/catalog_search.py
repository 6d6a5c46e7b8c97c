"""Public catalog search by text, category and typed attribute values."""

from decimal import Decimal
from fastapi import APIRouter, Query, Request
from sqlmodel import Session, select

from activities.catalog_attributes import AttributeValueError, public_value, search_products
from api.problems import ApiProblem, field_error
from domain.money import round_money
from models.api import Problem
from models.catalog import AttributeDefinition, ProductAttribute
from models.tables import Product

router = APIRouter(tags=["catalog"])


@router.get("/catalog/search", responses={422: {"model": Problem}})
def search(request: Request, q: str = Query("", max_length=100),
           category: str = Query("", max_length=100),
           attribute: list[str] = Query(
               [], description="`name:value`, repeatable; numbers take "
               "ranges such as `width:40..60`."),
           page: int = Query(1, ge=1, le=10_000),
           page_size: int = Query(50, ge=1, le=200)) -> dict:
    """Find products, each with its attribute values and its variants."""
    filters = {}
    for index, item in enumerate(attribute):
        name, separator, value = item.partition(":")
        if not separator or not name or not value:
            raise ApiProblem(422, "validation_failed", "invalid fields: attribute", [
                field_error(f"query.attribute[{index}]", f"{item!r} is not name:value",
                            "send attribute=color:red")])
        filters[name] = value
    with Session(request.app.state.engine) as session:
        try:
            products = search_products(session, text=q, category=category,
                                       filters=filters, limit=page_size,
                                       offset=(page - 1) * page_size)
        except AttributeValueError as error:
            raise ApiProblem(422, "validation_failed", str(error), [
                field_error("query.attribute", str(error), error.fix)]) from error
        return {"items": [_item(session, product) for product in products],
                "page": page, "page_size": page_size}


def _item(session: Session, product: Product) -> dict:
    definitions = {d.name: d for d in session.exec(select(AttributeDefinition))}
    values = session.exec(select(ProductAttribute).where(
        ProductAttribute.sku == product.sku)).all()
    variants = []
    if product.family_id:
        variants = [sku for sku in session.exec(select(Product.sku).where(
            Product.family_id == product.family_id, Product.sku != product.sku)).all()]
    return {
        "sku": product.sku, "name": product.name, "category": product.category,
        "sub_category": product.sub_category,
        "list_price": str(round_money(Decimal(product.list_price), product.currency)),
        "currency": product.currency,
        "family_id": product.family_id, "variants": sorted(variants),
        "attributes": {v.name: public_value(definitions[v.name], v) for v in values},
    }
