"""Seeding the demo catalog from the bundled Superstore sample."""

from pathlib import Path

from sqlmodel import Session

from activities.stock import audit_stock_levels
from core.db import create_tables, make_engine
from scripts import superstore
from scripts.seed import seed_catalog


def test_seed_adds_products_once_and_ledger_agrees(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'oms.db'}")
    create_tables(engine)
    dataset = superstore.load(superstore.BUNDLED_FILE)

    first = seed_catalog(engine, dataset)
    second = seed_catalog(engine, dataset)
    with Session(engine) as session:
        differences = audit_stock_levels(session)

    assert first == len(dataset.products())
    assert second == 0
    assert differences == []
