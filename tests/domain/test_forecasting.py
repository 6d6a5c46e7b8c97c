"""Forecast error metrics, weekly series and top-down SKU forecasts."""

import math

import numpy as np
import pandas as pd
import pytest

from domain.forecasting import (
    backtest,
    forecast_short,
    mase,
    smape,
    top_down_sku_forecast,
    weekly_demand,
)


def test_smape_hand_checked():
    # |110-100| * 2 / 210 = 0.0952, |50-100| * 2 / 150 = 0.6667,
    # mean 0.3810 -> 38.10 %.
    assert smape([100, 100], [110, 50]) == pytest.approx(38.0952, abs=1e-4)


def test_smape_counts_both_zero_as_no_error():
    assert smape([0, 10], [0, 10]) == 0
    assert smape([0], [5]) == 200


def test_mase_hand_checked():
    # Season 2: in-sample seasonal naive errors |3-1|, |4-2|, |5-3| = 2
    # each, so the scale is 2; forecast errors 1 and 3 average 2.
    train = [1, 2, 3, 4, 5]

    assert mase([6, 7], [5, 10], train, season_length=2) == pytest.approx(1.0)


def test_mase_rejects_train_shorter_than_season():
    with pytest.raises(ValueError, match="MASE needs more than"):
        mase([1], [1], [1, 2], season_length=2)


def test_mase_of_flat_history_is_nan():
    assert math.isnan(mase([1], [2], [3, 3, 3], season_length=1))


def test_weekly_demand_fills_empty_weeks():
    # 2024-01-01 is a Monday: its week ends on Sunday 2024-01-07.
    lines = pd.DataFrame({
        "date": pd.to_datetime(["2024-01-01", "2024-01-07", "2024-01-22"]),
        "sku": ["A", "A", "B"],
        "quantity": [2, 3, 4],
    })

    series = weekly_demand(lines, "sku")
    a = series[series["unique_id"] == "A"]

    assert list(a["ds"].dt.strftime("%Y-%m-%d")) == [
        "2024-01-07", "2024-01-14", "2024-01-21", "2024-01-28",
    ]
    assert list(a["y"]) == [5, 0, 0, 0]
    assert series[series["unique_id"] == "B"]["y"].sum() == 4


def test_top_down_splits_by_last_year_share():
    weeks = pd.date_range("2024-01-07", periods=2, freq="W-SUN")
    history = pd.DataFrame({
        "unique_id": ["A", "A", "B", "B"],
        "ds": list(weeks) * 2,
        "y": [3.0, 3.0, 1.0, 1.0],
    })
    category = pd.DataFrame({
        "unique_id": ["cat"], "ds": [weeks[-1] + pd.Timedelta(weeks=1)],
        "MSTL": [40.0],
    })

    forecast = top_down_sku_forecast(category, history, {"A": "cat", "B": "cat"})
    by_sku = dict(zip(forecast["unique_id"], forecast["forecast"]))

    assert by_sku == {"A": pytest.approx(30.0), "B": pytest.approx(10.0)}


def test_forecast_short_uses_mean_of_few_weeks():
    series = pd.DataFrame({
        "unique_id": ["A", "A"],
        "ds": pd.date_range("2024-01-07", periods=2, freq="W-SUN"),
        "y": [2.0, 4.0],
    })

    forecast = forecast_short(series, horizon=3)

    assert list(forecast["forecast"]) == [3.0, 3.0, 3.0]
    assert forecast["ds"].iloc[0] == pd.Timestamp("2024-01-21")


def test_forecast_short_fits_ets_on_longer_series():
    series = pd.DataFrame({
        "unique_id": "A",
        "ds": pd.date_range("2024-01-07", periods=20, freq="W-SUN"),
        "y": [10.0, 12.0] * 10,
    })

    forecast = forecast_short(series, horizon=2)

    assert forecast["forecast"].tolist() == pytest.approx([11.0, 11.0], abs=1.0)


def test_backtest_mstl_beats_seasonal_naive_on_trend():
    # Three and a half years of a yearly wave on a rising trend, with
    # seeded noise: last year's value misses the growth, MSTL does not.
    weeks = pd.date_range("2020-01-05", periods=182, freq="W-SUN")
    t = np.arange(len(weeks))
    noise = np.random.default_rng(7).normal(0, 2, len(weeks))
    y = 50 + 0.5 * t + 20 * np.sin(2 * np.pi * t / 52) + noise
    series = pd.DataFrame({"unique_id": "cat", "ds": weeks, "y": y})

    scores, joined = backtest(series, holdout_weeks=26)
    by_model = scores.set_index("model")

    assert len(joined) == 26
    assert by_model.loc["MSTL", "mase"] < by_model.loc["SeasonalNaive", "mase"]
    assert by_model.loc["MSTL", "smape"] < 10
