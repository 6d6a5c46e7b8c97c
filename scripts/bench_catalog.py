"""Benchmark the price engine and catalog search.

Prices a 50-line order through the price engine with the demo's price
lists loaded from the database, and times a catalog text search over
the demo catalog seeded from Superstore.
Usage: python -m scripts.bench_catalog [--repeats N]
"""

import argparse
import statistics
import tempfile
import time
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, or_
from sqlmodel import Session, select

from activities.pricing import load_price_lists
from core.db import create_tables, make_engine
from domain.price_engine import PriceRequest, price
from models.catalog import PriceListRecord, PriceTierRecord
from models.tables import Product
from scripts import superstore
from scripts.seed import seed_catalog


def seed_price_lists(engine, skus: list[str]) -> None:
    """Three overlapping lists with three tiers each for every SKU."""
    with Session(engine) as session:
        for list_id, channel, priority in (("base", None, 0), ("web", "web", 5),
                                           ("b2b", None, 3)):
            session.add(PriceListRecord(id=list_id, currency="USD", channel=channel,
                                        priority=priority,
                                        customer_group="corporate" if list_id == "b2b" else None))
        session.flush()
        for sku in skus:
            for list_id in ("base", "web", "b2b"):
                for minimum, price_ in ((1, "10.00"), (10, "9.00"), (50, "8.00")):
                    session.add(PriceTierRecord(price_list_id=list_id, sku=sku,
                                                min_quantity=minimum,
                                                unit_price=Decimal(price_)))
        session.commit()


def timed(function, repeats: int) -> list[float]:
    timings = []
    for _ in range(repeats):
        began = time.perf_counter()
        function()
        timings.append((time.perf_counter() - began) * 1000)
    return timings


def main(repeats: int) -> None:
    with tempfile.TemporaryDirectory(prefix="oms-bench-catalog-") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'oms.db'}")
        try:
            measure(engine, repeats)
        finally:
            engine.dispose()


def measure(engine, repeats: int) -> None:
    create_tables(engine)
    seed_catalog(engine, superstore.load())
    with Session(engine) as session:
        skus = list(session.exec(select(Product.sku).order_by(Product.sku)).all())
    seed_price_lists(engine, skus[:50])
    at = datetime.now(timezone.utc)

    def price_order() -> None:
        with Session(engine) as session:
            lists = load_price_lists(session, set(skus[:50]), "USD")
        for index, sku in enumerate(skus[:50]):
            price(PriceRequest(sku, 1 + index, "web", "USD", "default", at), lists)

    with Session(engine) as session:
        loaded = load_price_lists(session, set(skus[:50]), "USD")

    def price_only() -> None:
        for index, sku in enumerate(skus[:50]):
            price(PriceRequest(sku, 1 + index, "web", "USD", "default", at), loaded)

    def search() -> None:
        pattern = "%binder%"
        with Session(engine) as session:
            session.exec(
                select(Product).where(or_(func.lower(Product.name).like(pattern),
                                          func.lower(Product.sku).like(pattern)),
                                      Product.category == "Office Supplies")
                .order_by(Product.name).limit(50)
            ).all()

    engine_only = timed(price_only, repeats)
    pricing = timed(price_order, repeats)
    searching = timed(search, repeats)
    print(f"catalog: {len(skus)} products; {repeats} repeats each")
    print(f"price a 50-line order, engine only: median "
          f"{statistics.median(engine_only):.2f} ms, max {max(engine_only):.2f} ms")
    print(f"price a 50-line order with loading its lists: median "
          f"{statistics.median(pricing):.2f} ms, max {max(pricing):.2f} ms")
    print(f"catalog search 'binder' in Office Supplies: median "
          f"{statistics.median(searching):.2f} ms, max {max(searching):.2f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Price engine and catalog search timings.")
    parser.add_argument("--repeats", type=int, default=200, help="Runs of each measurement.")
    main(parser.parse_args().repeats)
