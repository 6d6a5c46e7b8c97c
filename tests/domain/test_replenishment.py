"""Replenishment formulas against numbers worked out by hand."""

from datetime import date

import pytest

from domain.replenishment import (
    ReplenishmentInput,
    days_of_cover,
    reorder_point,
    safety_stock,
    service_factor,
    suggest_reorder,
)

TODAY = date(2026, 3, 2)
Z_95 = 1.6448536


def item(**overrides) -> ReplenishmentInput:
    # d = 5/day, sigma = 2, L = 4 days, R = 7 days, 95 % service:
    # SS = 1.6449 * 2 * sqrt(4) = 6.5794, ROP = 5 * 4 + SS = 26.5794,
    # S = ROP + 5 * 7 = 61.5794.
    values = {
        "sku": "A", "warehouse_id": "W1", "on_hand": 20, "reserved": 2,
        "inbound": 0, "daily_demand": 5.0, "daily_demand_std": 2.0,
        "lead_time_days": 4.0,
    }
    return ReplenishmentInput(**{**values, **overrides})


def test_service_factor_at_95_percent():
    assert service_factor(0.95) == pytest.approx(Z_95, abs=1e-6)
    assert service_factor(0.5) == pytest.approx(0.0)


def test_service_factor_rejects_certainty():
    with pytest.raises(ValueError, match="between 0 and 1"):
        service_factor(1.0)


def test_safety_stock_hand_checked():
    assert safety_stock(2.0, 4.0, 0.95) == pytest.approx(2 * Z_95 * 2)


def test_safety_stock_rejects_negative_lead_time():
    with pytest.raises(ValueError, match="lead_time_days is -1"):
        safety_stock(2.0, -1, 0.95)


def test_reorder_point_adds_lead_time_demand():
    assert reorder_point(5.0, 4.0, 6.5794) == pytest.approx(26.5794)


def test_days_of_cover_hand_checked():
    assert days_of_cover(18, 5.0) == pytest.approx(3.6)
    assert days_of_cover(-3, 5.0) == 0
    assert days_of_cover(18, 0) is None


def test_suggest_below_reorder_point_orders_today():
    # P = 20 - 2 = 18 <= ROP, quantity = ceil(61.5794 - 18) = 44.
    suggestion = suggest_reorder(item(), TODAY)

    assert suggestion.inventory_position == 18
    assert suggestion.reorder_point == pytest.approx(26.5794, abs=1e-4)
    assert suggestion.order_date == TODAY
    assert suggestion.quantity == 44
    assert suggestion.days_of_cover == pytest.approx(3.6)


def test_suggest_rounds_up_to_packs():
    # 44 units in packs of 12 is 4 packs.
    assert suggest_reorder(item(pack_size=12), TODAY).quantity == 48


def test_suggest_raises_to_minimum_order_quantity():
    assert suggest_reorder(item(minimum_order_quantity=50), TODAY).quantity == 50


def test_suggest_above_reorder_point_orders_later():
    # P = 60 + 10 = 70, wait = floor((70 - 26.5794) / 5) = 8 days,
    # position then 70 - 40 = 30, quantity = ceil(61.5794 - 30) = 32.
    suggestion = suggest_reorder(
        item(on_hand=60, reserved=0, inbound=10), TODAY
    )

    assert suggestion.order_date == date(2026, 3, 10)
    assert suggestion.quantity == 32


def test_suggest_without_demand_orders_nothing():
    suggestion = suggest_reorder(
        item(on_hand=10, reserved=0, daily_demand=0.0, daily_demand_std=0.0),
        TODAY,
    )

    assert suggestion.order_date is None
    assert suggestion.quantity == 0
    assert suggestion.days_of_cover is None
