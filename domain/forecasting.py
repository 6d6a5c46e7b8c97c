"""Weekly demand forecasts per category and per SKU, and their backtest.

Series are weekly unit sums, weeks ending on Sunday, in the long format
of statsforecast (`unique_id`, `ds`, `y`). The main model is MSTL from
statsforecast: it removes a yearly seasonal component (52 weeks) with
STL and forecasts the rest, trend included, with AutoETS. AutoETS alone (it
picks error, trend and season forms by AICc) and SeasonalNaive (the
same week one year earlier) are fitted beside it as comparisons. SKU series are too sparse for their own seasonal
model, so a SKU's forecast is its category's forecast times the SKU's
share of the category's units over the last year (top-down).

No I/O: callers pass data frames in and get data frames back.
"""

import numpy as np
import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import MSTL, AutoETS, SeasonalNaive

SEASON_WEEKS = 52
WEEK_FREQUENCY = "W-SUN"
MODELS = ("MSTL", "AutoETS", "SeasonalNaive")
MIN_ETS_WEEKS = 10


def weekly_demand(
    lines: pd.DataFrame, key: str, date_column: str = "date",
    quantity_column: str = "quantity",
) -> pd.DataFrame:
    """Sum units per `key` value and week, with weeks without orders as 0.

    Every series spans the same weeks, from the first week of any line
    to the last.
    """
    dates = lines[date_column]
    if dates.dt.tz is not None:
        dates = dates.dt.tz_localize(None)
    # The Sunday that ends the week (Monday is weekday 0).
    week = dates.dt.normalize() + pd.to_timedelta(6 - dates.dt.weekday, unit="D")
    totals = (
        lines.assign(ds=week)
        .groupby([key, "ds"])[quantity_column].sum()
    )
    weeks = pd.date_range(week.min(), week.max(), freq=WEEK_FREQUENCY)
    index = pd.MultiIndex.from_product(
        [sorted(lines[key].unique()), weeks], names=["unique_id", "ds"]
    )
    totals.index.names = ["unique_id", "ds"]
    series = totals.reindex(index, fill_value=0).rename("y").reset_index()
    series["y"] = series["y"].astype(float)
    return series


def forecast_weekly(
    series: pd.DataFrame,
    horizon: int,
    season_length: int = SEASON_WEEKS,
    models: tuple[str, ...] = MODELS,
) -> pd.DataFrame:
    """Forecast `horizon` weeks per series, one column per named model.

    Series need more than two seasons of history for MSTL; use
    `forecast_short` for shorter ones. AutoETS with a 52-week season
    is the slow one (seconds per series), so planning fits MSTL only.
    """
    shortest = series.groupby("unique_id").size().min()
    if shortest <= 2 * season_length:
        raise ValueError(
            f"a series has {shortest} weeks; MSTL needs more than "
            f"{2 * season_length}, so use forecast_short"
        )
    factories = {
        "MSTL": lambda: MSTL(season_length=season_length, alias="MSTL"),
        "AutoETS": lambda: AutoETS(season_length=season_length, alias="AutoETS"),
        "SeasonalNaive": lambda: SeasonalNaive(
            season_length=season_length, alias="SeasonalNaive"
        ),
    }
    forecaster = StatsForecast(
        models=[factories[name]() for name in models],
        freq=WEEK_FREQUENCY, n_jobs=1,
    )
    forecast = forecaster.forecast(df=series, h=horizon)
    if "unique_id" not in forecast.columns:
        # statsforecast before 2.0 returns the ids as the index.
        forecast = forecast.reset_index()
    for name in models:
        forecast[name] = forecast[name].clip(lower=0)
    return forecast


def forecast_short(series: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Forecast series of any length with AutoETS without seasonality.

    Series shorter than `MIN_ETS_WEEKS` get their mean, because the ETS
    fit of statsforecast 2.1 rejects series of 6 values or fewer.
    """
    rows = []
    for unique_id, group in series.groupby("unique_id"):
        values = group["y"].to_numpy(dtype=float)
        if len(values) >= MIN_ETS_WEEKS:
            model = AutoETS(season_length=1).fit(values)
            mean = model.predict(h=horizon)["mean"]
        else:
            mean = np.full(horizon, values.mean() if len(values) else 0.0)
        weeks = pd.date_range(
            group["ds"].max(), periods=horizon + 1, freq=WEEK_FREQUENCY
        )[1:]
        rows.append(pd.DataFrame(
            {"unique_id": unique_id, "ds": weeks, "forecast": mean.clip(min=0)}
        ))
    return pd.concat(rows, ignore_index=True)


def top_down_sku_forecast(
    category_forecast: pd.DataFrame,
    sku_history: pd.DataFrame,
    sku_category: dict[str, str],
    model: str = "MSTL",
    share_weeks: int = SEASON_WEEKS,
) -> pd.DataFrame:
    """Split each category's forecast over its SKUs by their share of
    the category's units in the last `share_weeks` weeks of history."""
    last_week = sku_history["ds"].max()
    recent = sku_history[
        sku_history["ds"] > last_week - pd.Timedelta(weeks=share_weeks)
    ]
    units = recent.groupby("unique_id")["y"].sum()
    frame = units.rename("units").reset_index()
    frame["category"] = frame["unique_id"].map(sku_category)
    frame["share"] = frame["units"] / frame.groupby("category")["units"].transform(
        "sum"
    )
    frame["share"] = frame["share"].fillna(0.0)

    merged = frame[["unique_id", "category", "share"]].merge(
        category_forecast[["unique_id", "ds", model]].rename(
            columns={"unique_id": "category"}
        ),
        on="category",
    )
    merged["forecast"] = merged["share"] * merged[model]
    return merged[["unique_id", "ds", "forecast"]]


def smape(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Return the symmetric mean absolute percentage error in percent,
    0 to 200. Weeks where both values are 0 count as no error."""
    actual = np.asarray(actual, dtype=float)
    predicted = np.asarray(predicted, dtype=float)
    denominator = np.abs(actual) + np.abs(predicted)
    ratio = np.divide(
        2 * np.abs(predicted - actual), denominator,
        out=np.zeros_like(denominator), where=denominator > 0,
    )
    return float(100 * ratio.mean())


def mase(
    actual: np.ndarray, predicted: np.ndarray, train: np.ndarray,
    season_length: int = SEASON_WEEKS,
) -> float:
    """Return the mean absolute scaled error: the forecast's mean
    absolute error over the in-sample mean absolute error of the
    seasonal naive forecast on `train`. Below 1 beats that baseline."""
    train = np.asarray(train, dtype=float)
    if len(train) <= season_length:
        raise ValueError(
            f"train has {len(train)} values; MASE needs more than "
            f"season_length={season_length}"
        )
    scale = np.mean(np.abs(train[season_length:] - train[:-season_length]))
    if scale == 0:
        return float("nan")
    error = np.mean(np.abs(np.asarray(actual) - np.asarray(predicted)))
    return float(error / scale)


def backtest(
    series: pd.DataFrame, holdout_weeks: int,
    season_length: int = SEASON_WEEKS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit on all but the last `holdout_weeks` weeks and score each model
    on them. Returns (scores with MASE and sMAPE per series and model,
    forecasts joined with the actual values)."""
    cutoff = series["ds"].max() - pd.Timedelta(weeks=holdout_weeks)
    train = series[series["ds"] <= cutoff]
    test = series[series["ds"] > cutoff]
    forecast = forecast_weekly(train, holdout_weeks, season_length)
    joined = test.merge(forecast, on=["unique_id", "ds"], how="left")

    scores = []
    for unique_id, group in joined.groupby("unique_id"):
        history = train.loc[train["unique_id"] == unique_id, "y"].to_numpy()
        for model in MODELS:
            scores.append({
                "unique_id": unique_id,
                "model": model,
                "mase": mase(group["y"], group[model], history, season_length),
                "smape": smape(group["y"], group[model]),
            })
    return pd.DataFrame(scores), joined
