"""Backtest the weekly demand forecasts on the Superstore order history.

Holds out the last weeks, fits MSTL, AutoETS and SeasonalNaive on the
weeks before, and prints MASE and sMAPE per category, per sub-category
and for the top-down SKU forecasts as Markdown tables. Writes a plot of
the category forecasts against the held-out weeks.

    python -m scripts.forecast_backtest --holdout-weeks 26 \\
        --plot docs/forecast_backtest.png
"""

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: write files only

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from domain.forecasting import (
    MODELS,
    backtest,
    top_down_sku_forecast,
    weekly_demand,
)
from scripts import superstore


def order_lines(path: Path | None) -> pd.DataFrame:
    """Read the dataset's valid lines as one row per order line."""
    dataset = superstore.load(path)
    rows = [
        {
            "date": order.placed_at,
            "sku": line.sku,
            "category": line.category,
            "sub_category": line.sub_category,
            "quantity": line.quantity,
        }
        for order in dataset.orders
        for line in order.lines
    ]
    print(f"read {len(rows)} lines from {dataset.source}, "
          f"rejected {len(dataset.rejected)} rows")
    frame = pd.DataFrame(rows)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def score_table(scores: pd.DataFrame, title: str) -> str:
    """Format scores as Markdown: one row per series, MASE and sMAPE per
    model, then the mean over series."""
    wide = scores.pivot(index="unique_id", columns="model")
    header = "| " + title + " | " + " | ".join(
        f"MASE {m}" for m in MODELS
    ) + " | " + " | ".join(f"sMAPE {m}" for m in MODELS) + " |"
    lines = [header, "|" + "---|" * (1 + 2 * len(MODELS))]
    for unique_id, row in wide.iterrows():
        lines.append(_score_row(unique_id, row))
    lines.append(_score_row("**mean**", wide.mean()))
    return "\n".join(lines)


def _score_row(label: str, row: pd.Series) -> str:
    mase_cells = [f"{row[('mase', m)]:.2f}" for m in MODELS]
    smape_cells = [f"{row[('smape', m)]:.1f} %" for m in MODELS]
    return "| " + " | ".join([label, *mase_cells, *smape_cells]) + " |"


def sku_errors(lines: pd.DataFrame, holdout_weeks: int) -> str:
    """Compare top-down SKU forecasts with SKU-level seasonal naive by
    the summed absolute error over all SKUs and held-out weeks."""
    categories = weekly_demand(lines, "category")
    skus = weekly_demand(lines, "sku")
    cutoff = skus["ds"].max() - pd.Timedelta(weeks=holdout_weeks)
    _, category_joined = backtest(categories, holdout_weeks)
    sku_category = lines.groupby("sku")["category"].first().to_dict()
    train = skus[skus["ds"] <= cutoff]
    test = skus[skus["ds"] > cutoff]

    top_down = top_down_sku_forecast(
        category_joined.rename(columns={"y": "actual"}), train, sku_category
    )
    joined = test.merge(top_down, on=["unique_id", "ds"], how="left")
    last_year = train.assign(ds=train["ds"] + pd.Timedelta(weeks=52))
    joined = joined.merge(
        last_year.rename(columns={"y": "naive"}), on=["unique_id", "ds"],
        how="left",
    ).fillna({"naive": 0.0, "forecast": 0.0})

    weekly = [
        np.abs(joined["y"] - joined[column]).sum()
        for column in ("forecast", "naive")
    ]
    # Replenishment needs the units over a period more than each week's
    # units, so also score each SKU's total over the held-out weeks.
    totals = joined.groupby("unique_id")[["y", "forecast", "naive"]].sum()
    over_period = [
        np.abs(totals["y"] - totals[column]).sum()
        for column in ("forecast", "naive")
    ]
    rows = [
        "| error summed over SKUs | top-down MSTL | seasonal naive | ratio |",
        "|---|---|---|---|",
        _error_row("absolute error per SKU and week", *weekly),
        _error_row("absolute error of each SKU's held-out total",
                   *over_period),
    ]
    return (
        f"{skus['unique_id'].nunique()} SKUs, {joined['y'].sum():.0f} "
        "units in the held-out weeks.\n\n" + "\n".join(rows)
    )


def _error_row(label: str, top_down: float, naive: float) -> str:
    return f"| {label} | {top_down:.0f} | {naive:.0f} | {top_down / naive:.2f} |"


def plot_categories(joined: pd.DataFrame, history: pd.DataFrame,
                    path: Path) -> None:
    categories = sorted(joined["unique_id"].unique())
    figure, axes = plt.subplots(len(categories), 1, figsize=(10, 9),
                                sharex=True)
    start = joined["ds"].min() - pd.Timedelta(weeks=78)
    for axis, category in zip(axes, categories):
        past = history[(history["unique_id"] == category)
                       & (history["ds"] >= start)]
        held_out = joined[joined["unique_id"] == category]
        axis.plot(past["ds"], past["y"], color="black", linewidth=0.8,
                  label="actual")
        for model, style in zip(MODELS, ("-", "--", ":")):
            axis.plot(held_out["ds"], held_out[model], style, label=model)
        axis.axvline(held_out["ds"].min(), color="grey", linewidth=0.5)
        axis.set_title(category)
        axis.set_ylabel("units per week")
    axes[0].legend(loc="upper left", ncol=4)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, default=None,
                        help="Superstore orders CSV; default: the shared copy, "
                        "else the bundled sample")
    parser.add_argument("--holdout-weeks", type=int, default=26,
                        help="Number of final weeks held out for scoring")
    parser.add_argument("--plot", type=Path,
                        default=Path("docs/forecast_backtest.png"),
                        help="Where to write the PNG plot")
    args = parser.parse_args()

    lines = order_lines(args.source)
    started = time.perf_counter()
    category_series = weekly_demand(lines, "category")
    scores, joined = backtest(category_series, args.holdout_weeks)
    sub_scores, _ = backtest(weekly_demand(lines, "sub_category"),
                             args.holdout_weeks)
    sku_table = sku_errors(lines, args.holdout_weeks)
    elapsed = time.perf_counter() - started

    print(f"\nholdout: last {args.holdout_weeks} weeks, "
          f"from {joined['ds'].min():%Y-%m-%d} to {joined['ds'].max():%Y-%m-%d}; "
          f"fit and score took {elapsed:.1f} s\n")
    print(score_table(scores, "category") + "\n")
    print(score_table(sub_scores, "sub-category") + "\n")
    print(sku_table)
    plot_categories(joined, category_series, args.plot)
    print(f"\nwrote {args.plot}")


if __name__ == "__main__":
    main()
