"""Reorder point, safety stock and reorder suggestions. Pure functions.

Notation, with demand in units per day and times in days:

- d: mean daily demand (from the forecast), sigma: standard deviation
  of daily demand, L: lead time, R: review period (days between two
  orders), z: the standard normal quantile of the cycle service level.
- Safety stock SS = z * sigma * sqrt(L). This is the textbook formula
  for random demand and a fixed lead time.
- Reorder point ROP = d * L + SS: the stock that covers demand until
  a purchase order placed today is received, plus the safety stock.
- Inventory position P = on hand - reserved + inbound (ordered, not
  yet received).
- Order-up-to level S = ROP + d * R.
- Reorder date: today when P <= ROP, else the day P is expected to
  reach ROP, today + floor((P - ROP) / d).
- Quantity: S minus the position expected on the reorder date, rounded
  up to the minimum order quantity and to whole packs.
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import NormalDist


@dataclass(frozen=True)
class ReplenishmentInput:
    sku: str
    warehouse_id: str
    on_hand: int
    reserved: int
    inbound: int
    daily_demand: float
    daily_demand_std: float
    lead_time_days: float
    review_period_days: float = 7.0
    service_level: float = 0.95
    minimum_order_quantity: int = 1
    pack_size: int = 1


@dataclass(frozen=True)
class ReorderSuggestion:
    sku: str
    warehouse_id: str
    inventory_position: int
    safety_stock: float
    reorder_point: float
    order_up_to: float
    quantity: int
    order_date: date | None
    """None when demand is zero, so the position never reaches ROP."""
    days_of_cover: float | None


def service_factor(service_level: float) -> float:
    """Return z, the standard normal quantile of the service level."""
    if not 0 < service_level < 1:
        raise ValueError(
            f"service level {service_level} must be between 0 and 1, "
            "for example 0.95"
        )
    return NormalDist().inv_cdf(service_level)


def safety_stock(
    daily_demand_std: float, lead_time_days: float, service_level: float
) -> float:
    """Return SS = z * sigma * sqrt(L) in units."""
    _check_non_negative(daily_demand_std=daily_demand_std,
                        lead_time_days=lead_time_days)
    return service_factor(service_level) * daily_demand_std * math.sqrt(
        lead_time_days
    )


def reorder_point(
    daily_demand: float, lead_time_days: float, safety_stock_units: float
) -> float:
    """Return ROP = d * L + SS in units."""
    _check_non_negative(daily_demand=daily_demand, lead_time_days=lead_time_days)
    return daily_demand * lead_time_days + safety_stock_units


def days_of_cover(available: float, daily_demand: float) -> float | None:
    """Return how many days the available units last, None without demand."""
    if daily_demand <= 0:
        return None
    return max(available, 0) / daily_demand


def suggest_reorder(item: ReplenishmentInput, today: date) -> ReorderSuggestion:
    """Compute when to order and how much, following the module formulas."""
    ss = safety_stock(
        item.daily_demand_std, item.lead_time_days, item.service_level
    )
    rop = reorder_point(item.daily_demand, item.lead_time_days, ss)
    order_up_to = rop + item.daily_demand * item.review_period_days
    position = item.on_hand - item.reserved + item.inbound

    if position <= rop:
        wait_days = 0
    elif item.daily_demand > 0:
        wait_days = math.floor((position - rop) / item.daily_demand)
    else:
        wait_days = None

    if wait_days is None:
        quantity, order_date = 0, None
    else:
        expected = position - item.daily_demand * wait_days
        quantity = _round_order(order_up_to - expected, item)
        order_date = today + timedelta(days=wait_days)

    return ReorderSuggestion(
        sku=item.sku,
        warehouse_id=item.warehouse_id,
        inventory_position=position,
        safety_stock=ss,
        reorder_point=rop,
        order_up_to=order_up_to,
        quantity=quantity,
        order_date=order_date,
        days_of_cover=days_of_cover(
            item.on_hand - item.reserved, item.daily_demand
        ),
    )


def _round_order(units: float, item: ReplenishmentInput) -> int:
    """Round up to whole units, the minimum order quantity and packs."""
    if units <= 0:
        return 0
    quantity = max(math.ceil(units - 1e-9), item.minimum_order_quantity)
    return math.ceil(quantity / item.pack_size) * item.pack_size


def _check_non_negative(**values: float) -> None:
    for name, value in values.items():
        if value < 0:
            raise ValueError(f"{name} is {value}; it must be zero or more")
