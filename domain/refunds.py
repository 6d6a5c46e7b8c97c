"""Refund amounts: what may still be refunded, and what a return or a
partial cancellation gives back.

Every share comes from `domain.money.allocate`, so the shares of an
order's parts add up to exactly what was paid: returning every unit one
at a time refunds the same total as cancelling the whole order.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from domain.money import allocate, round_money

ZERO = Decimal(0)


class RefundExceedsCapturedError(ValueError):
    """A refund larger than what remains of the captured amount."""

    def __init__(
        self, requested: Decimal, remaining: Decimal, captured: Decimal, currency: str
    ):
        self.requested = requested
        self.remaining = remaining
        self.captured = captured
        self.currency = currency
        super().__init__(
            f"refund of {requested} {currency} rejected: only {remaining} "
            f"{currency} remains refundable of the {captured} {currency} "
            f"captured; refund at most {remaining} {currency}"
        )


class InvalidReturnError(ValueError):
    """A return or cancellation that names unknown lines or too many units."""


def refundable_amount(
    captured: Decimal, refunded: Iterable[Decimal], currency: str
) -> Decimal:
    """Return the captured amount minus every refund already made."""
    remaining = captured - sum(refunded, ZERO)
    return round_money(max(remaining, ZERO), currency)


def check_refund(
    amount: Decimal, captured: Decimal, refunded: Iterable[Decimal], currency: str
) -> Decimal:
    """Validate one refund and return what remains refundable after it.

    Raises `RefundExceedsCapturedError` when `amount` is more than the
    captured amount minus earlier refunds, and `ValueError` when it is
    not positive or has more decimals than the currency allows.
    """
    if amount <= 0:
        raise ValueError(f"refund amount must be positive, got {amount} {currency}")
    if round_money(amount, currency) != amount:
        raise ValueError(
            f"refund amount {amount} {currency} has more decimals than "
            "the currency allows; round it first"
        )

    remaining = refundable_amount(captured, refunded, currency)
    if amount > remaining:
        raise RefundExceedsCapturedError(
            amount, remaining, round_money(captured, currency), currency
        )
    return remaining - amount


@dataclass(frozen=True)
class PaidLine:
    """One order line as it was charged.

    `line_total` is the amount before the order-level discount. `tax`
    is the tax charged on this line, computed on the discounted amount.
    """

    line_id: str
    quantity: int
    line_total: Decimal
    tax: Decimal = ZERO
    shipment_id: str = ""


@dataclass(frozen=True)
class PaidOrder:
    """Amounts paid for one order, in the parts that refunds split."""

    currency: str
    lines: list[PaidLine]
    order_discount: Decimal = ZERO
    shipping: Decimal = ZERO
    shipping_tax: Decimal = ZERO

    def line(self, line_id: str) -> PaidLine:
        for line in self.lines:
            if line.line_id == line_id:
                return line
        known = ", ".join(line.line_id for line in self.lines)
        raise InvalidReturnError(
            f"line {line_id!r} is not on this order, which has lines {known}"
        )

    @property
    def total(self) -> Decimal:
        lines = sum((line.line_total + line.tax for line in self.lines), ZERO)
        return lines - self.order_discount + self.shipping + self.shipping_tax


@dataclass(frozen=True)
class LineRefund:
    line_id: str
    quantity: int
    gross: Decimal
    discount: Decimal
    tax: Decimal

    @property
    def total(self) -> Decimal:
        return self.gross - self.discount + self.tax


@dataclass(frozen=True)
class RefundShare:
    """Breakdown of one refund, whose `total` goes to the payment provider."""

    currency: str
    lines: list[LineRefund] = field(default_factory=list)
    shipping: Decimal = ZERO
    shipping_tax: Decimal = ZERO

    @property
    def merchandise(self) -> Decimal:
        return sum((line.gross - line.discount for line in self.lines), ZERO)

    @property
    def tax(self) -> Decimal:
        return sum((line.tax for line in self.lines), ZERO) + self.shipping_tax

    @property
    def total(self) -> Decimal:
        lines = sum((line.total for line in self.lines), ZERO)
        return lines + self.shipping + self.shipping_tax


def line_discounts(order: PaidOrder) -> dict[str, Decimal]:
    """Split the order-level discount across lines in proportion to their totals."""
    weights = [line.line_total for line in order.lines]
    shares = allocate(order.order_discount, weights, order.currency)
    return {
        line.line_id: share for line, share in zip(order.lines, shares, strict=True)
    }


def return_refund(
    order: PaidOrder,
    returned: Mapping[str, int],
    already_returned: Mapping[str, int] | None = None,
) -> RefundShare:
    """Compute the refund for returned units, discount share and tax included.

    Each line's amounts are split per unit with `allocate`, and a return
    takes the units after those in `already_returned`, so returning a
    line's units in several parcels adds up to the line's full amount.
    Shipping is not refunded on a return.
    """
    already_returned = already_returned or {}
    discounts = line_discounts(order)
    refunds = []
    for line_id, quantity in returned.items():
        line = order.line(line_id)
        before = already_returned.get(line_id, 0)
        _check_quantity(line, quantity, before)
        refunds.append(_unit_range_refund(order, line, discounts, before, quantity))
    return RefundShare(currency=order.currency, lines=refunds)


def cancellation_refund(
    order: PaidOrder, shipment_id: str, shipped: Iterable[str] = ()
) -> RefundShare:
    """Compute the refund for cancelling one unshipped shipment.

    The refund covers the shipment's lines with their discount share and
    tax, and the shipment's share of shipping and shipping tax. Shipping
    is split across shipments in proportion to the value of their lines
    after discount, so that the shares of all shipments add up to the
    shipping charged.
    """
    if shipment_id in set(shipped):
        raise InvalidReturnError(
            f"shipment {shipment_id!r} has shipped, so it cannot be "
            "cancelled. Start a return instead"
        )
    lines = [line for line in order.lines if line.shipment_id == shipment_id]
    if not lines:
        raise InvalidReturnError(f"shipment {shipment_id!r} has no lines on this order")

    discounts = line_discounts(order)
    refunds = [
        _unit_range_refund(order, line, discounts, 0, line.quantity) for line in lines
    ]
    shipping, shipping_tax = _shipping_shares(order, discounts)[shipment_id]
    return RefundShare(
        currency=order.currency,
        lines=refunds,
        shipping=shipping,
        shipping_tax=shipping_tax,
    )


def _check_quantity(line: PaidLine, quantity: int, before: int) -> None:
    if quantity <= 0:
        raise InvalidReturnError(
            f"returned quantity for line {line.line_id!r} must be positive, "
            f"got {quantity}"
        )
    left = line.quantity - before
    if quantity > left:
        raise InvalidReturnError(
            f"cannot return {quantity} units of line {line.line_id!r}: "
            f"{line.quantity} ordered, {before} already returned, {left} left"
        )


def _unit_range_refund(
    order: PaidOrder,
    line: PaidLine,
    discounts: Mapping[str, Decimal],
    first: int,
    count: int,
) -> LineRefund:
    """Sum the per-unit shares of units `first` to `first + count - 1`."""
    units = [Decimal(1)] * line.quantity
    unit_range = slice(first, first + count)

    def units_of(amount: Decimal) -> Decimal:
        return sum(allocate(amount, units, order.currency)[unit_range], ZERO)

    return LineRefund(
        line_id=line.line_id,
        quantity=count,
        gross=units_of(line.line_total),
        discount=units_of(discounts[line.line_id]),
        tax=units_of(line.tax),
    )


def _shipping_shares(
    order: PaidOrder, discounts: Mapping[str, Decimal]
) -> dict[str, tuple[Decimal, Decimal]]:
    net_by_shipment: dict[str, Decimal] = {}
    for line in order.lines:
        net = line.line_total - discounts[line.line_id]
        net_by_shipment[line.shipment_id] = (
            net_by_shipment.get(line.shipment_id, ZERO) + net
        )

    # Sorted so that the cent a tie leaves over always goes to the same
    # shipment, whatever order the lines were listed in.
    shipment_ids = sorted(net_by_shipment)
    weights = [net_by_shipment[shipment_id] for shipment_id in shipment_ids]
    shipping = allocate(order.shipping, weights, order.currency)
    shipping_tax = allocate(order.shipping_tax, weights, order.currency)
    return {
        shipment_id: (shipping[index], shipping_tax[index])
        for index, shipment_id in enumerate(shipment_ids)
    }
