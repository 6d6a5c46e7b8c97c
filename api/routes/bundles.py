"""Bundles: define them, and read their contents, stock and price split."""

from decimal import Decimal
from typing import Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlmodel import Session, select

from api.auth import Administer
from api.problems import ApiProblem, field_error
from domain.bundles import (
    ConfigurableBundle,
    FixedBundle,
    InvalidBundleChoiceError,
    bundle_availability,
    split_bundle_price,
)
from domain.money import round_money
from models.api import Problem
from models.catalog import BundleRecord
from models.tables import Product, StockLevel

router = APIRouter(tags=["catalog"])
_ERRORS = {404: {"model": Problem}, 422: {"model": Problem}}


class BundleWrite(BaseModel):
    kind: Literal["fixed", "configurable"]
    components: dict[str, int] = Field({}, description="Fixed bundles: SKU to units.")
    slots: dict[str, dict[str, int]] = Field(
        {}, description="Configurable bundles: slot to {option SKU: units}.")


@router.put("/admin/catalog/bundles/{sku}", responses=_ERRORS)
def put_bundle(sku: str, body: BundleWrite, request: Request, _: Administer) -> dict:
    """Define a bundle; its own SKU must be a product, priced as the bundle."""
    parts = body.components if body.kind == "fixed" else {
        option: units for options in body.slots.values() for option, units in options.items()}
    field = "components" if body.kind == "fixed" else "slots"
    if not parts:
        raise ApiProblem(422, "validation_failed", f"invalid fields: {field}", [
            field_error(field, "a bundle needs components", f"fill in {field}")])
    with Session(request.app.state.engine) as session:
        known = set(session.exec(select(Product.sku).where(
            Product.sku.in_({sku, *parts}))).all())
        errors = [field_error(f"{field}.{part}", "not in the catalog", "create it first")
                  for part in sorted(parts) if part not in known]
        errors += [field_error(f"{field}.{part}", "units must be at least 1",
                               "send a positive number")
                   for part, units in sorted(parts.items()) if units < 1]
        if sku not in known:
            errors.append(field_error("sku", f"bundle SKU {sku} is not a product",
                                      "create the product that carries the bundle price"))
        if errors:
            raise ApiProblem(422, "validation_failed", "invalid bundle", errors)
        record = session.get(BundleRecord, sku) or BundleRecord(sku=sku, kind=body.kind)
        record.kind = body.kind
        record.components = body.components if body.kind == "fixed" else body.slots
        session.add(record)
        session.commit()
    return {"sku": sku, "kind": body.kind}


@router.get("/catalog/bundles/{sku}", responses=_ERRORS)
def get_bundle(sku: str, request: Request,
               choice: list[str] = Query([], description="`slot:option`, one per slot "
                                         "of a configurable bundle.")) -> dict:
    """Return a bundle's components, how many can be made from stock, and
    its price split across the components by their list value."""
    with Session(request.app.state.engine) as session:
        record = session.get(BundleRecord, sku)
        product = session.get(Product, sku)
        if record is None or product is None:
            raise ApiProblem(404, "bundle_not_found", f"bundle {sku} does not exist")
        bundle = _resolve(record, choice)
        skus = list(bundle.components)
        products = {p.sku: p for p in session.exec(select(Product).where(Product.sku.in_(skus)))}
        available: dict[str, int] = {}
        for level in session.exec(select(StockLevel).where(StockLevel.sku.in_(skus))):
            available[level.sku] = available.get(level.sku, 0) + max(
                level.on_hand - level.reserved, 0)
    price = Decimal(product.list_price)
    split = split_bundle_price(
        bundle, price, {s: Decimal(products[s].list_price) for s in skus}, product.currency)
    return {
        "sku": sku, "kind": record.kind, "currency": product.currency,
        "price": str(round_money(price, product.currency)),
        "available": bundle_availability(bundle, available),
        "components": [{"sku": s, "units": bundle.components[s], "name": products[s].name,
                        "available": available.get(s, 0), "price_share": str(split[s])}
                       for s in sorted(skus)],
    }


def _resolve(record: BundleRecord, choice: list[str]) -> FixedBundle:
    if record.kind == "fixed":
        return FixedBundle(record.sku, dict(record.components))
    picks = dict(item.partition(":")[::2] for item in choice)
    try:
        return ConfigurableBundle(record.sku, dict(record.components)).resolve(picks)
    except InvalidBundleChoiceError as error:
        raise ApiProblem(422, "validation_failed", str(error), [
            field_error("query.choice", str(error), "send choice=slot:option for each slot")
        ]) from error
