"""Load the demo catalog, stock and development API keys."""

import hashlib
import json
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from activities.stock import ReceiptLine, receive_stock
from api.auth import Role, create_api_key, hash_key
from models.tables import ApiKey, Product, Warehouse
from scripts.superstore import Dataset

DEMO_WAREHOUSE = Warehouse(id="WH-MAIN", name="Main warehouse",
                           postal_region="60", timezone="America/Chicago",
                           latitude=41.88, longitude=-87.63)
STOCK_FACTOR = 2


def seed_catalog(engine: Engine, dataset: Dataset) -> int:
    """Insert products missing from the catalog, with stock for twice the
    dataset's demand so that every imported order can be served.
    Returns the number of products added."""
    products = dataset.products()
    with Session(engine) as session:
        known = set(session.exec(select(Product.sku)).all())
        if session.get(Warehouse, DEMO_WAREHOUSE.id) is None:
            session.add(Warehouse.model_validate(DEMO_WAREHOUSE.model_dump()))
        receipt = []
        for sku, product in products.items():
            if sku in known:
                continue
            session.add(Product(
                sku=sku, name=product["name"], category=product["category"],
                sub_category=product["sub_category"],
                list_price=product["list_price"],
            ))
            receipt.append(ReceiptLine(sku, product["demand"] * STOCK_FACTOR))
        session.commit()
        if receipt:
            # Stock arrives as a receipt, so the movement ledger explains it.
            digest = hashlib.sha256(
                ",".join(line.sku for line in receipt).encode()).hexdigest()[:12]
            receive_stock(session, f"seed-{digest}", "DEMO-SEED", DEMO_WAREHOUSE.id,
                          receipt, user_id="seed")
    return len(receipt)


def ensure_dev_keys(engine: Engine, data_dir: Path) -> dict[str, str]:
    """Return one development key per role, creating them on first use.

    The plain keys live in `<data_dir>/dev-api-keys.json` so that every
    `make run` prints the same ones; production keys are never stored.
    """
    path = data_dir / "dev-api-keys.json"
    keys: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    with Session(engine) as session:
        for role in Role:
            key = keys.get(role.value)
            if key and session.get(ApiKey, hash_key(key)) is not None:
                continue
            keys[role.value] = create_api_key(session, role, f"dev-{role.value}")
    path.write_text(json.dumps(keys, indent=2))
    path.chmod(0o600)
    return keys
