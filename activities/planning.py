"""Inventory planning reads: alerts, reorder suggestions and reports.

Demand history is the reservation movements: each is the units one
order asked for, on the day it was captured. Forecasts follow
`domain.forecasting` (category forecast split top-down over SKU and
warehouse), and suggestions follow `domain.replenishment`.
"""

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pandas as pd
import structlog
from sqlmodel import Session, func, select

from domain.forecasting import (
    SEASON_WEEKS,
    forecast_short,
    forecast_weekly,
    top_down_sku_forecast,
    weekly_demand,
)
from domain.replenishment import (
    ReorderSuggestion,
    ReplenishmentInput,
    days_of_cover,
    suggest_reorder,
)
from models.inventory import MovementKind, StockThreshold
from models.tables import Product, StockLevel, StockMovement

log = structlog.get_logger("oms.inventory")

DEFAULT_LEAD_TIME_DAYS = 7.0
HISTORY_WEEKS = 3 * SEASON_WEEKS
"""Weeks of demand history read for forecasts: enough for MSTL, which
needs more than two years."""


@dataclass(frozen=True)
class StockAlert:
    sku: str
    warehouse_id: str
    kind: str
    """`out_of_stock`, `low_stock` or `reorder_point_reached`."""
    available: int
    threshold: int


@dataclass(frozen=True)
class LevelReport:
    """One SKU in one warehouse, for the inventory report."""

    sku: str
    warehouse_id: str
    on_hand: int
    available: int
    unit_price: Decimal
    stock_value: Decimal
    daily_demand: float
    days_of_cover: float | None
    last_demand_at: date | None


def stock_alerts(session: Session) -> list[StockAlert]:
    """List stock levels at or below their thresholds and log each one.

    Levels without a threshold row alert only when nothing is available.
    """
    thresholds = {
        (t.sku, t.warehouse_id): t for t in session.exec(select(StockThreshold))
    }
    alerts = []
    for level in session.exec(select(StockLevel).order_by(
        StockLevel.sku, StockLevel.warehouse_id
    )):
        alert = _alert_for(level, thresholds.get((level.sku, level.warehouse_id)))
        if alert is not None:
            alerts.append(alert)
    for alert in alerts:
        log.warning("stock_alert_raised", sku=alert.sku,
                    warehouse_id=alert.warehouse_id, kind=alert.kind,
                    available=alert.available, threshold=alert.threshold)
    return alerts


def _alert_for(
    level: StockLevel, threshold: StockThreshold | None
) -> StockAlert | None:
    available = level.on_hand - level.reserved
    if available <= 0:
        return StockAlert(level.sku, level.warehouse_id, "out_of_stock",
                          available, 0)
    if threshold is None:
        return None
    if available <= threshold.low_stock_threshold:
        return StockAlert(level.sku, level.warehouse_id, "low_stock",
                          available, threshold.low_stock_threshold)
    if available <= threshold.reorder_point:
        return StockAlert(level.sku, level.warehouse_id,
                          "reorder_point_reached", available,
                          threshold.reorder_point)
    return None


def demand_history(session: Session, since: datetime) -> pd.DataFrame:
    """Read units reserved per order line since `since`, with the SKU's
    category, as columns date, sku, warehouse_id, category, quantity."""
    rows = session.exec(
        select(
            StockMovement.at, StockMovement.sku, StockMovement.warehouse_id,
            Product.category, StockMovement.quantity,
        )
        .join(Product, Product.sku == StockMovement.sku, isouter=True)
        .where(StockMovement.kind == MovementKind.RESERVATION,
               StockMovement.at >= since)
    ).all()
    frame = pd.DataFrame(
        rows, columns=["date", "sku", "warehouse_id", "category", "quantity"]
    )
    frame["date"] = pd.to_datetime(frame["date"], utc=True)
    frame["category"] = frame["category"].fillna("").replace("", "uncategorized")
    frame["key"] = frame["sku"] + "|" + frame["warehouse_id"]
    return frame


def forecast_daily_demand(
    history: pd.DataFrame, horizon_weeks: int
) -> dict[tuple[str, str], tuple[float, float]]:
    """Return (mean, standard deviation) of daily units per (SKU,
    warehouse) over the next `horizon_weeks` weeks.

    The mean comes from the category forecast split top-down. The
    deviation is the weekly deviation of the last year divided by
    sqrt(7), which assumes independent days.
    """
    if history.empty:
        return {}
    categories = weekly_demand(history, "category")
    if categories.groupby("unique_id").size().min() > 2 * SEASON_WEEKS:
        category_forecast = forecast_weekly(
            categories, horizon_weeks, models=("MSTL",)
        )
        model = "MSTL"
    else:
        category_forecast = forecast_short(categories, horizon_weeks)
        model = "forecast"

    keys = weekly_demand(history, "key")
    key_category = history.groupby("key")["category"].first().to_dict()
    forecast = top_down_sku_forecast(category_forecast, keys, key_category,
                                     model=model)
    weekly_mean = forecast.groupby("unique_id")["forecast"].mean()
    recent = keys[keys["ds"] > keys["ds"].max() - pd.Timedelta(weeks=SEASON_WEEKS)]
    weekly_std = recent.groupby("unique_id")["y"].std(ddof=0).fillna(0.0)

    result = {}
    for key, mean in weekly_mean.items():
        sku, warehouse_id = key.split("|", 1)
        result[(sku, warehouse_id)] = (
            mean / 7, weekly_std.get(key, 0.0) / math.sqrt(7),
        )
    return result


def reorder_suggestions(
    session: Session,
    today: date,
    service_level: float = 0.95,
    review_period_days: float = 7.0,
) -> list[ReorderSuggestion]:
    """Suggest a purchase quantity and date for every stock level."""
    since = datetime.combine(
        today - timedelta(weeks=HISTORY_WEEKS), time(), UTC
    )
    thresholds = {
        (t.sku, t.warehouse_id): t for t in session.exec(select(StockThreshold))
    }
    longest_lead = max(
        [t.lead_time_days for t in thresholds.values()] + [DEFAULT_LEAD_TIME_DAYS]
    )
    horizon = max(1, math.ceil((longest_lead + review_period_days) / 7))
    demand = forecast_daily_demand(demand_history(session, since), horizon)

    suggestions = []
    for level in session.exec(select(StockLevel).order_by(
        StockLevel.sku, StockLevel.warehouse_id
    )):
        key = (level.sku, level.warehouse_id)
        threshold = thresholds.get(key)
        daily, daily_std = demand.get(key, (0.0, 0.0))
        # NOTE: no purchase order table exists yet, so inbound units
        # are 0 and an order already placed is suggested again.
        suggestions.append(suggest_reorder(ReplenishmentInput(
            sku=level.sku, warehouse_id=level.warehouse_id,
            on_hand=level.on_hand, reserved=level.reserved, inbound=0,
            daily_demand=daily, daily_demand_std=daily_std,
            lead_time_days=(
                threshold.lead_time_days if threshold else DEFAULT_LEAD_TIME_DAYS
            ),
            review_period_days=review_period_days,
            service_level=service_level,
            minimum_order_quantity=(
                threshold.minimum_order_quantity if threshold else 1
            ),
        ), today))
    return suggestions


def level_reports(
    session: Session, today: date, demand_days: int = 90
) -> list[LevelReport]:
    """Report value, days of cover and last demand of every stock level.

    Stock is valued at the catalog list price, since the catalog has no
    unit cost. Daily demand is the mean over the last `demand_days`.
    """
    since = datetime.combine(
        today - timedelta(days=demand_days), time(), UTC
    )
    recent_units = dict(_reserved_units(session, since))
    last_demand = dict(_last_reservation(session))
    prices = dict(session.exec(select(Product.sku, Product.list_price)).all())

    reports = []
    for level in session.exec(select(StockLevel).order_by(
        StockLevel.sku, StockLevel.warehouse_id
    )):
        key = (level.sku, level.warehouse_id)
        price = Decimal(prices.get(level.sku) or 0)
        daily = recent_units.get(key, 0) / demand_days
        available = level.on_hand - level.reserved
        last = last_demand.get(key)
        reports.append(LevelReport(
            sku=level.sku, warehouse_id=level.warehouse_id,
            on_hand=level.on_hand, available=available, unit_price=price,
            stock_value=(price * level.on_hand).quantize(Decimal("0.01")),
            daily_demand=daily, days_of_cover=days_of_cover(available, daily),
            last_demand_at=last.date() if last else None,
        ))
    return reports


def _reserved_units(session: Session, since: datetime):
    rows = session.exec(
        select(StockMovement.sku, StockMovement.warehouse_id,
               func.sum(StockMovement.quantity))
        .where(StockMovement.kind == MovementKind.RESERVATION,
               StockMovement.at >= since)
        .group_by(StockMovement.sku, StockMovement.warehouse_id)
    ).all()
    return (((sku, warehouse_id), units) for sku, warehouse_id, units in rows)


def _last_reservation(session: Session):
    rows = session.exec(
        select(StockMovement.sku, StockMovement.warehouse_id,
               func.max(StockMovement.at))
        .where(StockMovement.kind == MovementKind.RESERVATION)
        .group_by(StockMovement.sku, StockMovement.warehouse_id)
    ).all()
    return (((sku, warehouse_id), at) for sku, warehouse_id, at in rows)


@dataclass(frozen=True)
class InventoryReport:
    total_value: Decimal
    levels: list[LevelReport]
    slow_movers: list[LevelReport]
    """Levels with stock and no demand, or cover beyond the limit."""
    stock_outs: list[LevelReport]
    """Levels with no available units."""


def inventory_report(
    session: Session,
    today: date,
    demand_days: int = 90,
    slow_cover_days: float = 180.0,
) -> InventoryReport:
    """Build the stock value, days of cover, slow mover and stock-out
    report from `level_reports`."""
    levels = level_reports(session, today, demand_days)
    slow = [
        level for level in levels
        if level.on_hand > 0 and (
            level.days_of_cover is None or level.days_of_cover > slow_cover_days
        )
    ]
    return InventoryReport(
        total_value=sum((level.stock_value for level in levels), Decimal(0)),
        levels=levels,
        slow_movers=slow,
        stock_outs=[level for level in levels if level.available <= 0],
    )
