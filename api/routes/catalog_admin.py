"""Catalog administration: products, price lists and CSV exchange."""

import csv
import io
from decimal import Decimal
from typing import Literal

from fastapi import APIRouter, Request, Response, UploadFile
from pydantic import AwareDatetime, BaseModel, Field, ValidationError
from sqlmodel import Session, select

from api.auth import Administer
from api.problems import ApiProblem, field_error
from domain.money import MINOR_UNITS, round_money
from models.api import Problem
from activities.catalog_attributes import AttributeValueError, to_record
from models.catalog import (
    AttributeDefinition,
    PriceListRecord,
    PriceTierRecord,
    ProductAttribute,
    PromotionRecord,
    TaxRateRecord,
)
from models.tables import Product

router = APIRouter(prefix="/admin/catalog", tags=["catalog administration"])

_ERRORS = {
    401: {"model": Problem, "description": "Missing or invalid API key"},
    403: {"model": Problem, "description": "Only admin keys may change the catalog"},
    404: {"model": Problem, "description": "No such product or price list"},
    422: {"model": Problem, "description": "Invalid fields, named one by one"},
}
CSV_COLUMNS = ["sku", "name", "category", "sub_category", "currency", "list_price",
               "discontinued", "backorderable"]


class ProductWrite(BaseModel):
    """A product as an admin creates or replaces it."""

    name: str = Field(min_length=1, max_length=300)
    category: str = Field("", max_length=100)
    sub_category: str = Field("", max_length=100)
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    list_price: Decimal = Field(ge=0, max_digits=14, decimal_places=4)
    discontinued: bool = False
    backorderable: bool = False
    family_id: str | None = Field(
        None, max_length=64, description="Shared by the variants of one product.")


class ProductPublic(ProductWrite):
    sku: str


class TierWrite(BaseModel):
    sku: str = Field(min_length=1, max_length=64)
    min_quantity: int = Field(1, ge=1, le=1_000_000)
    unit_price: Decimal = Field(ge=0, max_digits=14, decimal_places=4)
    sale_price: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=4)


class PriceListWrite(BaseModel):
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    channel: str | None = Field(None, max_length=40)
    customer_group: str | None = Field(None, max_length=64)
    valid_from: AwareDatetime | None = None
    valid_to: AwareDatetime | None = None
    priority: int = Field(0, ge=-1000, le=1000)
    tiers: list[TierWrite] = Field(min_length=1, max_length=10_000)


@router.put("/products/{sku}", response_model=ProductPublic, responses=_ERRORS)
def put_product(sku: str, body: ProductWrite, request: Request, response: Response,
                _: Administer) -> ProductPublic:
    """Create a product, or replace every field of an existing one."""
    _check_currency(body.currency)
    with Session(request.app.state.engine) as session:
        product = session.get(Product, sku)
        response.status_code = 200 if product else 201
        product = product or Product(sku=sku, name=body.name, list_price=body.list_price)
        for key, value in body.model_dump().items():
            setattr(product, key, value)
        session.add(product)
        session.commit()
        return ProductPublic(sku=sku, **body.model_dump())


@router.post("/products/{sku}/retire", response_model=ProductPublic, responses=_ERRORS)
def retire_product(sku: str, request: Request, _: Administer) -> ProductPublic:
    """Stop selling a product; orders already accepted keep their lines."""
    with Session(request.app.state.engine) as session:
        product = session.get(Product, sku)
        if product is None:
            raise ApiProblem(404, "product_not_found", f"product {sku} does not exist")
        product.discontinued = True
        session.add(product)
        session.commit()
        return _public(product)


@router.put("/price-lists/{list_id}", status_code=200, responses=_ERRORS)
def put_price_list(list_id: str, body: PriceListWrite, request: Request,
                   _: Administer) -> dict:
    """Create or replace a price list with all its tiers."""
    _check_currency(body.currency)
    if body.valid_from and body.valid_to and body.valid_to <= body.valid_from:
        raise ApiProblem(422, "validation_failed", "invalid fields: valid_to", [
            field_error("valid_to", "ends before it starts", "send a later valid_to")])
    with Session(request.app.state.engine) as session:
        known = set(session.exec(select(Product.sku).where(
            Product.sku.in_({tier.sku for tier in body.tiers}))).all())
        errors = [
            field_error(f"tiers[{index}].sku", f"SKU {tier.sku} is not in the catalog",
                        "create the product first")
            for index, tier in enumerate(body.tiers) if tier.sku not in known
        ]
        if errors:
            raise ApiProblem(422, "validation_failed", "invalid fields: tiers", errors)
        for tier in session.exec(select(PriceTierRecord).where(
                PriceTierRecord.price_list_id == list_id)):
            session.delete(tier)
        record = session.get(PriceListRecord, list_id) or PriceListRecord(
            id=list_id, currency=body.currency)
        for key in ("currency", "channel", "customer_group", "valid_from",
                    "valid_to", "priority"):
            setattr(record, key, getattr(body, key))
        session.add(record)
        session.flush()
        for tier in body.tiers:
            session.add(PriceTierRecord(price_list_id=list_id, **tier.model_dump()))
        session.commit()
    return {"id": list_id, "tiers": len(body.tiers)}


@router.get("/products.csv", responses=_ERRORS)
def export_products(request: Request, _: Administer) -> Response:
    """Export every product as CSV, in the columns the import takes."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    with Session(request.app.state.engine) as session:
        for product in session.exec(select(Product).order_by(Product.sku)):
            row = _public(product).model_dump()
            writer.writerow({column: row[column] for column in CSV_COLUMNS})
    return Response(buffer.getvalue(), media_type="text/csv")


@router.post("/products.csv", responses=_ERRORS)
async def import_products(file: UploadFile, request: Request, _: Administer) -> dict:
    """Create or replace products from CSV; nothing is saved if any row
    is invalid, and each bad row is named with its line number."""
    text = (await file.read()).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    errors, products = [], []
    for line, row in enumerate(rows, start=2):
        sku = (row.get("sku") or "").strip()
        if not sku:
            errors.append(field_error(f"line {line}.sku", "empty", "fill in the SKU"))
            continue
        try:
            body = ProductWrite(
                name=row.get("name", ""), category=row.get("category", ""),
                sub_category=row.get("sub_category", ""),
                currency=row.get("currency") or "USD",
                list_price=row.get("list_price", ""),
                discontinued=(row.get("discontinued") or "false").lower() == "true",
                backorderable=(row.get("backorderable") or "false").lower() == "true",
            )
        except ValidationError as error:
            for problem in error.errors():
                field = ".".join(str(part) for part in problem["loc"])
                errors.append(field_error(f"line {line}.{field}", problem["msg"],
                                          "correct the cell and import again"))
            continue
        products.append((sku, body))
    if errors:
        raise ApiProblem(422, "invalid_csv", f"{len(errors)} invalid cells; nothing imported",
                         errors)
    with Session(request.app.state.engine) as session:
        for sku, body in products:
            product = session.get(Product, sku) or Product(
                sku=sku, name=body.name, list_price=body.list_price)
            for key, value in body.model_dump().items():
                setattr(product, key, value)
            session.add(product)
        session.commit()
    return {"imported": len(products)}


class PromotionWrite(BaseModel):
    scope: Literal["line", "order"]
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    percent: Decimal | None = Field(None, gt=0, le=100)
    amount: Decimal | None = Field(None, gt=0, max_digits=14, decimal_places=4)
    sku: str | None = Field(None, max_length=64)
    channel: str | None = Field(None, max_length=40)
    valid_from: AwareDatetime | None = None
    valid_to: AwareDatetime | None = None


@router.put("/promotions/{promotion_id}", responses=_ERRORS)
def put_promotion(promotion_id: str, body: PromotionWrite, request: Request,
                  _: Administer) -> dict:
    """Create or replace a promotion: a percentage or an amount off."""
    _check_currency(body.currency)
    if (body.percent is None) == (body.amount is None):
        raise ApiProblem(422, "validation_failed", "invalid fields: percent, amount", [
            field_error("percent", "set exactly one of percent and amount",
                        "send percent or amount, not both")])
    with Session(request.app.state.engine) as session:
        record = session.get(PromotionRecord, promotion_id) or PromotionRecord(
            id=promotion_id, scope=body.scope, currency=body.currency)
        for key, value in body.model_dump().items():
            setattr(record, key, value)
        session.add(record)
        session.commit()
    return {"id": promotion_id, **body.model_dump(mode="json")}


class TaxRateWrite(BaseModel):
    rate: Decimal = Field(ge=0, le=100, description="Percent, e.g. 8.25.")


@router.put("/tax-rates/{country}", responses=_ERRORS)
def put_tax_rate(country: str, body: TaxRateWrite, request: Request, _: Administer,
                 region: str = "") -> dict:
    """Set the tax percent of a country, or of one region with ?region=."""
    if len(country) != 2 or not country.isupper():
        raise ApiProblem(422, "validation_failed", "invalid fields: country", [
            field_error("country", f"{country!r} is not an ISO 3166-1 alpha-2 code",
                        "send a code such as US or DE")])
    with Session(request.app.state.engine) as session:
        record = session.get(TaxRateRecord, (country, region)) or TaxRateRecord(
            country=country, region=region, rate=body.rate)
        record.rate = body.rate
        session.add(record)
        session.commit()
    return {"country": country, "region": region, "rate": str(body.rate)}


class AttributeWrite(BaseModel):
    kind: Literal["text", "number", "enum", "boolean"]
    unit: str = Field("", max_length=20)
    allowed: list[str] = Field([], max_length=200)


@router.put("/attributes/{name}", responses=_ERRORS)
def put_attribute(name: str, body: AttributeWrite, request: Request,
                  _: Administer) -> dict:
    """Define a typed attribute; enumerations list their allowed values."""
    if body.kind == "enum" and not body.allowed:
        raise ApiProblem(422, "validation_failed", "invalid fields: allowed", [
            field_error("allowed", "an enumeration needs values",
                        "list the values products may take")])
    with Session(request.app.state.engine) as session:
        definition = session.get(AttributeDefinition, name) or AttributeDefinition(
            name=name, kind=body.kind)
        definition.kind, definition.unit, definition.allowed = (
            body.kind, body.unit, list(body.allowed))
        session.add(definition)
        session.commit()
    return {"name": name, **body.model_dump()}


@router.put("/products/{sku}/attributes", responses=_ERRORS)
def put_product_attributes(sku: str, body: dict[str, str | int | float | bool],
                           request: Request, _: Administer) -> dict:
    """Replace a product's attribute values; each is checked against its kind."""
    with Session(request.app.state.engine) as session:
        if session.get(Product, sku) is None:
            raise ApiProblem(404, "product_not_found", f"product {sku} does not exist")
        definitions = {d.name: d for d in session.exec(select(AttributeDefinition))}
        records, errors = [], []
        for name, value in body.items():
            definition = definitions.get(name)
            if definition is None:
                errors.append(field_error(f"attributes.{name}", "attribute is not defined",
                                          f"define it with PUT /admin/catalog/attributes/{name}"))
                continue
            try:
                records.append(to_record(definition, sku, value))
            except AttributeValueError as error:
                errors.append(field_error(f"attributes.{name}", str(error), error.fix))
        if errors:
            raise ApiProblem(422, "validation_failed", "invalid attribute values", errors)
        for old in session.exec(select(ProductAttribute).where(ProductAttribute.sku == sku)):
            session.delete(old)
        session.flush()
        for record in records:
            session.add(record)
        session.commit()
    return {"sku": sku, "attributes": len(records)}


def _public(product: Product) -> ProductPublic:
    return ProductPublic(
        sku=product.sku, name=product.name, category=product.category,
        sub_category=product.sub_category, currency=product.currency,
        list_price=round_money(Decimal(product.list_price), product.currency),
        discontinued=product.discontinued, backorderable=product.backorderable,
        family_id=product.family_id,
    )


def _check_currency(currency: str) -> None:
    if currency not in MINOR_UNITS:
        raise ApiProblem(422, "validation_failed", "invalid fields: currency", [
            field_error("currency", f"{currency} is not supported",
                        "use an ISO 4217 code such as USD, EUR, JPY or KWD")])

