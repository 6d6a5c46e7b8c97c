"""Public catalog pages in HTML and their JSON twins.

Each page and its `.json` twin share one view builder, so both return
the same data. Money is a string in the JSON, never a float.
"""

from datetime import datetime, timezone
from decimal import Decimal
from math import ceil
from pathlib import Path
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field, field_validator
from sqlmodel import Session

from activities.catalog import (
    CatalogFilter,
    VisitorContext,
    list_categories,
    list_products,
    load_availability,
    load_product_extras,
    quote_product,
)
from api.problems import ApiProblem
from domain.money import MINOR_UNITS, round_money
from models.api import Problem
from models.tables import Product

router = APIRouter(tags=["catalog"])
templates = Jinja2Templates(directory=Path(__file__).parent.parent / "templates")

TOKEN = r"^[A-Za-z0-9_.-]+$"


class VisitorParams(BaseModel):
    channel: str = Field("web", max_length=50, pattern=TOKEN,
                         description="Sales channel that price lists target.")
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$",
                          description="ISO 4217 code of the price.")
    group: str = Field("default", max_length=50, pattern=TOKEN,
                       description="Customer group that price lists target.")

    @field_validator("currency")
    @classmethod
    def _check_supported(cls, currency: str) -> str:
        if currency not in MINOR_UNITS:
            raise ValueError(f"currency {currency} is not supported. "
                             "Use an ISO 4217 code such as USD or EUR")
        return currency

    def link_params(self) -> dict[str, str]:
        """Return the visitor parameters that differ from the defaults."""
        defaults = VisitorParams()
        return {name: getattr(self, name) for name in VisitorParams.model_fields
                if getattr(self, name) != getattr(defaults, name)}


class ListingParams(VisitorParams):
    category: str = Field("", max_length=100)
    sub_category: str = Field("", max_length=100)
    q: str = Field("", max_length=100,
                   description="Case-insensitive text in the name or SKU.")
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(20, ge=1, le=100)


class ProductParams(VisitorParams):
    quantity: int = Field(1, ge=1, le=1_000_000,
                          description="Units to price; tiers start at a quantity.")


Listing = Annotated[ListingParams, Query()]
ProductQuery = Annotated[ProductParams, Query()]


@router.get("/catalog.json", responses={422: {"model": Problem}})
def catalog_json(request: Request, params: Listing) -> dict:
    """List the products on sale, filtered and paginated."""
    return _listing_view(request, params)


@router.get("/catalog", response_class=HTMLResponse,
            responses={422: {"model": Problem}})
def catalog_page(request: Request, params: Listing):
    """Show the products on sale as an HTML page with filters."""
    view = _listing_view(request, params)
    return templates.TemplateResponse(request, "catalog/list.html", {"view": view})


@router.get("/catalog/products/{sku}.json",
            responses={404: {"model": Problem}, 422: {"model": Problem}})
def product_json(request: Request, sku: str, params: ProductQuery) -> dict:
    """Return one product with its availability and its price for the visitor."""
    view = _product_view(request, sku, params)
    if view is None:
        raise ApiProblem(404, "product_not_found",
                         f"product {sku} was not found; check the SKU")
    return view


# Registered after the `.json` route because `{sku}` also matches
# `X.json`, and Starlette takes the first route that matches.
@router.get("/catalog/products/{sku}", response_class=HTMLResponse,
            responses={422: {"model": Problem}})
def product_page(request: Request, sku: str, params: ProductQuery):
    """Show one product with its availability and price as an HTML page."""
    view = _product_view(request, sku, params)
    if view is None:
        return templates.TemplateResponse(
            request, "catalog/product.html",
            {"view": None, "sku": sku, "catalog_url": _catalog_url(params)},
            status_code=404)
    return templates.TemplateResponse(request, "catalog/product.html", {"view": view})


def _listing_view(request: Request, params: ListingParams) -> dict:
    catalog_filter = CatalogFilter(category=params.category,
                                   sub_category=params.sub_category, text=params.q)
    with Session(request.app.state.engine) as session:
        page = list_products(session, catalog_filter, limit=params.page_size,
                             offset=(params.page - 1) * params.page_size)
        categories = list_categories(session)

    pages = max(1, ceil(page.total / params.page_size))
    visitor = params.link_params()
    return {
        "items": [_listing_item(product, visitor) for product in page.products],
        "total": page.total,
        "page": params.page,
        "page_size": params.page_size,
        "pages": pages,
        "previous_url": _page_url(params, params.page - 1) if params.page > 1 else None,
        "next_url": _page_url(params, params.page + 1) if params.page < pages else None,
        "filters": {"category": params.category,
                    "sub_category": params.sub_category, "q": params.q},
        "visitor": {"channel": params.channel, "currency": params.currency,
                    "group": params.group},
        "categories": categories,
    }


def _listing_item(product: Product, visitor: dict[str, str]) -> dict:
    return {
        "sku": product.sku,
        "name": product.name,
        "category": product.category,
        "sub_category": product.sub_category,
        "list_price": _money(product.list_price, product.currency),
        "currency": product.currency,
        "url": _with_query(f"/catalog/products/{quote(product.sku, safe='')}",
                           visitor),
    }


def _product_view(request: Request, sku: str, params: ProductParams) -> dict | None:
    """Build the product page data, or return None for an unknown SKU."""
    visitor = VisitorContext(
        channel=params.channel, currency=params.currency,
        customer_group=params.group, quantity=params.quantity,
        at=datetime.now(timezone.utc),
    )
    with Session(request.app.state.engine) as session:
        product = session.get(Product, sku)
        if product is None:
            return None
        warehouses = load_availability(session, sku)
        product_price = quote_product(session, product, visitor)
        extras = load_product_extras(session, product)

    return {
        "sku": product.sku,
        "name": product.name,
        "category": product.category,
        "sub_category": product.sub_category,
        "discontinued": product.discontinued,
        "list_price": _money(product.list_price, product.currency),
        **extras,
        "availability": {
            "available": sum(stock.available for stock in warehouses),
            "warehouses": [
                {"warehouse_id": stock.warehouse_id, "name": stock.warehouse_name,
                 "available": stock.available}
                for stock in warehouses
            ],
        },
        "visitor": {"channel": params.channel, "currency": params.currency,
                    "group": params.group, "quantity": params.quantity},
        "price": {
            "unit_price": _money(product_price.unit_price, product_price.currency),
            "currency": product_price.currency,
            "source": product_price.source,
            "tiers": [
                {"min_quantity": tier.min_quantity,
                 "unit_price": _money(tier.unit_price, product_price.currency),
                 "sale_price": None if tier.sale_price is None
                 else _money(tier.sale_price, product_price.currency)}
                for tier in product_price.tiers
            ],
        },
        "catalog_url": _catalog_url(params),
    }


def _money(amount: Decimal, currency: str) -> str:
    """Format at least the currency's minor unit, and every stored decimal
    beyond it, so a list price of 8.224 is not shown as 8.22."""
    amount = Decimal(amount)
    rounded = round_money(amount, currency)
    if rounded == amount:
        return str(rounded)
    return format(amount.normalize(), "f")


def _catalog_url(params: VisitorParams) -> str:
    return _with_query("/catalog", params.link_params())


def _page_url(params: ListingParams, page: int) -> str:
    query = params.link_params()
    for name in ("category", "sub_category", "q"):
        if getattr(params, name):
            query[name] = getattr(params, name)
    query["page"] = str(page)
    query["page_size"] = str(params.page_size)
    return _with_query("/catalog", query)


def _with_query(path: str, query: dict[str, str]) -> str:
    return f"{path}?{urlencode(query)}" if query else path
