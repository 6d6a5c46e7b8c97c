"""Return rules read off an order's state: what was delivered, what is
already coming back, what was paid per SKU, and whether a return
request may open."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from domain.refunds import PaidLine, PaidOrder
from models.payloads import OrderState, ReturnLine, ReturnState
from models.status import OrderStatus, ReturnStatus, ShipmentStatus

# Returns in these statuses are over: no more refunds or updates come.
RETURN_DONE = {ReturnStatus.REJECTED, ReturnStatus.REFUNDED, ReturnStatus.EXPIRED}
# Returns in these statuses never brought units back.
_RETURN_VOID = {ReturnStatus.REJECTED, ReturnStatus.EXPIRED}


@dataclass(frozen=True)
class ReturnRefusal:
    """The reason a return request cannot open; `kind` is the error type callers see."""

    kind: str
    message: str


def paid_order(state: OrderState) -> PaidOrder:
    """Amounts charged per SKU (after discounts, with tax), for splitting
    refunds of returned or cancelled units."""
    totals: dict[str, tuple[int, Decimal, Decimal]] = {}
    for line in state.lines:
        quantity, net, tax = totals.get(line.sku, (0, Decimal(0), Decimal(0)))
        totals[line.sku] = (quantity + line.quantity,
                            net + line.line_total - line.discount, tax + line.tax)
    return PaidOrder(
        currency=state.currency,
        lines=[PaidLine(line_id=sku, quantity=quantity, line_total=net, tax=tax)
               for sku, (quantity, net, tax) in totals.items()],
    )


def delivered_quantities(state: OrderState) -> dict[str, int]:
    """Units per SKU in shipments that were delivered."""
    delivered: dict[str, int] = {}
    for shipment in state.fulfillments:
        if shipment.status == ShipmentStatus.DELIVERED:
            for line in shipment.lines:
                delivered[line.sku] = delivered.get(line.sku, 0) + line.quantity
    return delivered


def returned_quantities(state: OrderState) -> dict[str, int]:
    """Units per SKU already in returns that were not rejected or expired."""
    returned: dict[str, int] = {}
    for entry in state.returns:
        if entry.status in _RETURN_VOID:
            continue
        for line in entry.lines:
            returned[line.sku] = returned.get(line.sku, 0) + line.quantity
    return returned


def warehouse_by_sku(state: OrderState) -> dict[str, str]:
    """The warehouse each SKU shipped from, where returns go back to."""
    return {line.sku: shipment.warehouse_id
            for shipment in state.fulfillments for line in shipment.lines}


def open_returns(state: OrderState) -> list[ReturnState]:
    return [entry for entry in state.returns if entry.status not in RETURN_DONE]


def refuse_return(state: OrderState, lines: list[ReturnLine], window: timedelta,
                  now: datetime) -> ReturnRefusal | None:
    """Return why `lines` cannot be returned now, or None if they can.

    Returns open once the order is delivered and close `window` after
    delivery. Each SKU appears once, with no more units than were
    delivered and are not already coming back.
    """
    if state.status != OrderStatus.DELIVERED:
        return ReturnRefusal(
            "return_not_allowed",
            f"order {state.order_id} is {state.status.value}; returns open once "
            "it is delivered and close with the return window")
    closes = state.stage_started_at[OrderStatus.DELIVERED.value] + window
    if now >= closes:
        return ReturnRefusal(
            "return_window_closed",
            f"the return window of order {state.order_id} closed at "
            f"{closes.isoformat()}")
    delivered = delivered_quantities(state)
    returned = returned_quantities(state)
    seen = set()
    for index, line in enumerate(lines):
        if line.sku in seen:
            return ReturnRefusal(
                "invalid_return",
                f"lines[{index}].sku: {line.sku} appears twice; send one line per SKU")
        seen.add(line.sku)
        left = delivered.get(line.sku, 0) - returned.get(line.sku, 0)
        if line.quantity > left:
            return ReturnRefusal(
                "invalid_return",
                f"lines[{index}].quantity: {line.quantity} x {line.sku} cannot be "
                f"returned; {left} delivered and not yet returned")
    return None
