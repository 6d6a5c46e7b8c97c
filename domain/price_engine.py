"""Price lists, quantity tiers, promotions and tax, as pure rules.

A price list applies to one currency and, optionally, one channel and
one customer group, inside a timezone-aware validity window. Among the
lists that apply, the highest priority wins, then the most specific
(channel and group set), then the list id, so the choice never depends
on load order. Within a list, the tier with the largest minimum
quantity not above the ordered quantity sets the unit price. A sale
price beside it wins when it is lower.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from domain.money import allocate, round_money

ZERO = Decimal(0)


class NoPriceError(LookupError):
    """No price list prices this SKU for the request."""


@dataclass(frozen=True)
class Tier:
    min_quantity: int
    unit_price: Decimal
    sale_price: Decimal | None = None


@dataclass(frozen=True)
class PriceList:
    list_id: str
    currency: str
    prices: dict[str, list[Tier]]
    """Tiers per SKU, in any order."""
    channel: str | None = None
    customer_group: str | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    """Exclusive end of the validity window."""
    priority: int = 0

    def applies(self, request: "PriceRequest") -> bool:
        if self.currency != request.currency or request.sku not in self.prices:
            return False
        if self.channel is not None and self.channel != request.channel:
            return False
        if self.customer_group is not None and self.customer_group != request.customer_group:
            return False
        if self.valid_from is not None and request.at < self.valid_from:
            return False
        return self.valid_to is None or request.at < self.valid_to


@dataclass(frozen=True)
class PriceRequest:
    sku: str
    quantity: int
    channel: str
    currency: str
    customer_group: str
    at: datetime

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("the pricing moment must carry a time zone")
        if self.quantity <= 0:
            raise ValueError(f"quantity must be at least 1, got {self.quantity}")


@dataclass(frozen=True)
class PriceQuote:
    sku: str
    unit_price: Decimal
    currency: str
    list_id: str
    tier_min_quantity: int
    on_sale: bool
    tiers: list[Tier] = field(default_factory=list)

    @property
    def source(self) -> str:
        """Why this price: the list, the tier and whether the sale price won."""
        sale = ", sale price" if self.on_sale else ""
        return f"price list {self.list_id}, tier from {self.tier_min_quantity}{sale}"


def price(request: PriceRequest, price_lists: Iterable[PriceList]) -> PriceQuote:
    """Return the unit price for one SKU and quantity, with its source."""
    candidates = [pl for pl in price_lists if pl.applies(request)]
    if not candidates:
        raise NoPriceError(
            f"no price list prices {request.sku} in {request.currency} for channel "
            f"{request.channel}, group {request.customer_group} at "
            f"{request.at.isoformat()}"
        )
    chosen = min(candidates, key=_rank)
    tiers = sorted(chosen.prices[request.sku], key=lambda tier: tier.min_quantity)
    eligible = [tier for tier in tiers if tier.min_quantity <= request.quantity]
    if not eligible:
        raise NoPriceError(
            f"price list {chosen.list_id} sells {request.sku} from "
            f"{tiers[0].min_quantity} units, {request.quantity} requested"
        )
    tier = eligible[-1]
    unit = tier.unit_price
    on_sale = tier.sale_price is not None and tier.sale_price < unit
    if on_sale:
        unit = tier.sale_price
    return PriceQuote(
        sku=request.sku, unit_price=round_money(unit, request.currency),
        currency=request.currency, list_id=chosen.list_id,
        tier_min_quantity=tier.min_quantity, on_sale=on_sale, tiers=tiers,
    )


def _rank(price_list: PriceList) -> tuple:
    """Sort key whose smallest value wins: highest priority, then most
    specific, then the smaller list id."""
    specific = (price_list.channel is not None) + (price_list.customer_group is not None)
    return (-price_list.priority, -specific, price_list.list_id)


@dataclass(frozen=True)
class Promotion:
    """A percentage (0 to 100) or a fixed amount off a line or the order."""

    promotion_id: str
    scope: str
    """`line` or `order`."""
    percent: Decimal | None = None
    amount: Decimal | None = None
    sku: str | None = None
    """For line promotions: the SKU it applies to, or every line when None."""

    def __post_init__(self) -> None:
        if self.scope not in ("line", "order"):
            raise ValueError(f"scope must be line or order, got {self.scope!r}")
        if (self.percent is None) == (self.amount is None):
            raise ValueError("set exactly one of percent and amount")
        if self.percent is not None and not ZERO <= self.percent <= 100:
            raise ValueError(f"percent must be between 0 and 100, got {self.percent}")
        if self.amount is not None and self.amount < 0:
            raise ValueError(f"amount must not be negative, got {self.amount}")


@dataclass(frozen=True)
class CartLine:
    sku: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class PricedCartLine:
    sku: str
    quantity: int
    unit_price: Decimal
    gross: Decimal
    line_discount: Decimal
    order_discount: Decimal
    tax: Decimal

    @property
    def net(self) -> Decimal:
        return self.gross - self.line_discount - self.order_discount


@dataclass(frozen=True)
class CartTotals:
    currency: str
    lines: list[PricedCartLine]

    @property
    def subtotal(self) -> Decimal:
        return sum((line.gross for line in self.lines), ZERO)

    @property
    def discount(self) -> Decimal:
        return sum((line.line_discount + line.order_discount for line in self.lines), ZERO)

    @property
    def tax(self) -> Decimal:
        return sum((line.tax for line in self.lines), ZERO)

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount + self.tax


@dataclass(frozen=True)
class TaxRate:
    country: str
    region: str | None
    rate: Decimal
    """Percent, e.g. 8.25."""


def tax_rate(rates: Iterable[TaxRate], country: str, region: str) -> Decimal:
    """Return the region's rate, else the country's, else 0."""
    country_rate = ZERO
    for rate in rates:
        if rate.country != country:
            continue
        if rate.region == region:
            return rate.rate
        if rate.region is None:
            country_rate = rate.rate
    return country_rate


def price_cart(lines: list[CartLine], promotions: list[Promotion], currency: str,
               tax_percent: Decimal = ZERO) -> CartTotals:
    """Apply promotions and tax to priced lines.

    Tax policy: per line. Each line's tax is its net amount (after line
    and order discounts) times the rate, rounded half up to the minor
    unit, and the order's tax is the sum of the line taxes. Cart, order,
    invoice and payment all use these same line amounts, so they agree
    to the minor unit.
    """
    gross = [round_money(line.unit_price * line.quantity, currency) for line in lines]
    line_discounts = [
        _line_discount(line, amount, promotions, currency)
        for line, amount in zip(lines, gross, strict=True)
    ]
    after_line = [g - d for g, d in zip(gross, line_discounts, strict=True)]
    order_discount = _order_discount(sum(after_line, ZERO), promotions, currency)
    shares = allocate(order_discount, after_line, currency) if lines else []
    priced = []
    for line, amount, line_discount, share in zip(
            lines, gross, line_discounts, shares, strict=True):
        net = amount - line_discount - share
        priced.append(PricedCartLine(
            sku=line.sku, quantity=line.quantity,
            unit_price=round_money(line.unit_price, currency), gross=amount,
            line_discount=line_discount, order_discount=share,
            tax=round_money(net * tax_percent / 100, currency),
        ))
    return CartTotals(currency=currency, lines=priced)


def _line_discount(line: CartLine, gross: Decimal, promotions: list[Promotion],
                   currency: str) -> Decimal:
    discount = ZERO
    for promotion in promotions:
        if promotion.scope != "line" or promotion.sku not in (None, line.sku):
            continue
        if promotion.percent is not None:
            discount += round_money(gross * promotion.percent / 100, currency)
        else:
            discount += round_money(promotion.amount * line.quantity, currency)
    return min(discount, gross)


def _order_discount(after_line: Decimal, promotions: list[Promotion],
                    currency: str) -> Decimal:
    discount = ZERO
    for promotion in promotions:
        if promotion.scope != "order":
            continue
        if promotion.percent is not None:
            discount += round_money(after_line * promotion.percent / 100, currency)
        else:
            discount += round_money(promotion.amount, currency)
    return min(discount, after_line)
