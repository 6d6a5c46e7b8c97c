"""Line pricing for order capture."""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from domain.money import round_money
from models.payloads import OrderLineInput, PricedLine


@dataclass(frozen=True)
class CatalogPrice:
    sku: str
    name: str
    unit_price: Decimal
    source: str


def price_lines(
    lines: list[OrderLineInput],
    prices: Mapping[str, CatalogPrice],
    currency: str,
) -> list[PricedLine]:
    """Price each line at its unit price; the caller checked every SKU exists."""
    priced = []
    for line in lines:
        price = prices[line.sku]
        unit = round_money(price.unit_price, currency)
        priced.append(
            PricedLine(
                sku=line.sku,
                name=price.name,
                quantity=line.quantity,
                unit_price=unit,
                line_total=round_money(unit * line.quantity, currency),
                price_source=price.source,
            )
        )
    return priced


def order_total(lines: list[PricedLine], currency: str) -> Decimal:
    return round_money(sum((line.line_total for line in lines), Decimal(0)), currency)
