"""Alerts, reorder suggestions and reports read from a SQLite ledger."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session

from activities.planning import (
    demand_history,
    forecast_daily_demand,
    inventory_report,
    reorder_suggestions,
    stock_alerts,
)
from models.inventory import StockThreshold
from models.tables import Product, StockLevel, StockMovement

TODAY = date(2026, 3, 2)


def at(days_ago: int) -> datetime:
    return datetime.combine(TODAY - timedelta(days=days_ago), time(12),
                            UTC)


@pytest.fixture
def session(empty_sqlite_engine):
    with Session(empty_sqlite_engine) as session:
        session.add(Product(sku="A", name="Chair", category="Furniture",
                            list_price=Decimal("10.00")))
        session.add(Product(sku="B", name="Desk", category="Furniture",
                            list_price=Decimal("100.00")))
        session.add(StockLevel(sku="A", warehouse_id="W1", on_hand=30, reserved=5))
        session.add(StockLevel(sku="B", warehouse_id="W1", on_hand=4))
        session.add(StockLevel(sku="C", warehouse_id="W1", on_hand=2, reserved=2))
        # A: 2 units a day for the last 28 days; B: nothing.
        for days_ago in range(28):
            session.add(StockMovement(
                sku="A", warehouse_id="W1", kind="reservation", quantity=2,
                order_id=f"o{days_ago}", at=at(days_ago),
            ))
        session.commit()
        yield session


def test_alerts_use_thresholds_and_out_of_stock(session, caplog):
    session.add(StockThreshold(sku="A", warehouse_id="W1",
                               low_stock_threshold=10, reorder_point=30))
    session.add(StockThreshold(sku="B", warehouse_id="W1",
                               low_stock_threshold=5, reorder_point=8))
    session.commit()

    alerts = {(a.sku, a.kind): a for a in stock_alerts(session)}

    assert set(alerts) == {
        ("A", "reorder_point_reached"), ("B", "low_stock"), ("C", "out_of_stock"),
    }
    assert alerts[("A", "reorder_point_reached")].available == 25
    assert alerts[("B", "low_stock")].threshold == 5


def test_demand_history_reads_reservations(session):
    # Days 0 to 10 ago inclusive: 11 days of 2 units.
    history = demand_history(session, at(10))

    assert history["quantity"].sum() == 22
    assert set(history["category"]) == {"Furniture"}


def test_forecast_short_history_gives_daily_rate(session):
    history = demand_history(session, at(100))

    demand = forecast_daily_demand(history, horizon_weeks=2)
    mean, std = demand[("A", "W1")]

    # Full weeks hold 14 units; ETS on a short, nearly flat series
    # forecasts close to that, so about 2 units a day.
    assert mean == pytest.approx(2.0, abs=0.5)
    assert std >= 0


def test_reorder_suggestions_for_each_level(session):
    session.add(StockThreshold(sku="A", warehouse_id="W1", lead_time_days=14,
                               minimum_order_quantity=10))
    session.commit()

    suggestions = {s.sku: s for s in reorder_suggestions(session, TODAY)}

    # A: position 25, ROP about 2 * 14 + SS > 28, so order today.
    assert suggestions["A"].order_date == TODAY
    assert suggestions["A"].quantity >= 10
    assert suggestions["A"].reorder_point > 28
    assert suggestions["B"].quantity == 0
    assert suggestions["B"].order_date is None


def test_inventory_report_values_and_flags(session):
    report = inventory_report(session, TODAY, demand_days=28)
    levels = {level.sku: level for level in report.levels}

    assert report.total_value == Decimal("700.00")
    assert levels["A"].daily_demand == pytest.approx(2.0)
    assert levels["A"].days_of_cover == pytest.approx(12.5)
    assert levels["A"].last_demand_at == TODAY
    assert [level.sku for level in report.slow_movers] == ["B", "C"]
    assert [level.sku for level in report.stock_outs] == ["C"]


def test_forecast_uses_mstl_with_three_years(empty_sqlite_engine):
    # 7 units every week for 120 weeks: more than two seasons, so the
    # category forecast is MSTL, and it stays near 1 unit a day.
    with Session(empty_sqlite_engine) as session:
        session.add(Product(sku="A", name="Chair", category="Furniture",
                            list_price=Decimal("10.00")))
        for week in range(120):
            session.add(StockMovement(
                sku="A", warehouse_id="W1", kind="reservation", quantity=7,
                order_id=f"o{week}", at=at(7 * week),
            ))
        session.commit()
        history = demand_history(session, at(7 * 130))

    demand = forecast_daily_demand(history, horizon_weeks=3)
    mean, std = demand[("A", "W1")]

    assert mean == pytest.approx(1.0, abs=0.1)
    assert std == pytest.approx(0.0, abs=0.1)
