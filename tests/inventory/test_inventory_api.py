"""Inventory endpoints through the real app on SQLite, without Temporal."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from activities.stock import reserve_order_stock
from api.app import create_app
from api.auth import Role, create_api_key
from core.settings import Settings
from models.payloads import OrderLineInput
from models.tables import Product, StockMovement, Warehouse


@pytest.fixture
def client(empty_sqlite_engine, tmp_path):
    with Session(empty_sqlite_engine) as session:
        session.add(Warehouse(id="WH-1", name="East"))
        session.add(Product(sku="A", name="Chair", list_price=Decimal(10)))
        session.add(Product(sku="B", name="Desk", list_price=Decimal(100)))
        session.commit()
        keys = {role: create_api_key(session, role, f"test-{role.value}")
                for role in Role}
    settings = Settings(data_dir=tmp_path, reservation_ttl_minutes=30)
    # The inventory endpoints never call Temporal, so any client will do.
    app = create_app(settings, engine=empty_sqlite_engine, temporal=object())
    with TestClient(app) as test_client:
        test_client.keys = keys
        test_client.engine = empty_sqlite_engine
        yield test_client


def auth(client, role: Role) -> dict:
    return {"Authorization": f"Bearer {client.keys[role]}"}


def receipt(receipt_id="PO-1/1", **quantities) -> dict:
    return {
        "receipt_id": receipt_id, "purchase_order_id": "PO-1",
        "warehouse_id": "WH-1",
        "lines": [{"sku": s, "quantity": q} for s, q in quantities.items()],
    }


def test_receipt_booked_then_replayed(client):
    headers = auth(client, Role.WAREHOUSE)

    first = client.post("/inventory/receipts", json=receipt(A=5), headers=headers)
    again = client.post("/inventory/receipts", json=receipt(A=5), headers=headers)
    stock = client.get("/inventory/stock?sku=A", headers=headers).json()

    assert first.status_code == 201
    assert first.json() == {"receipt_id": "PO-1/1", "units": 5, "replayed": False}
    assert again.status_code == 200
    assert again.json()["replayed"] is True
    assert stock == [{"sku": "A", "warehouse_id": "WH-1", "on_hand": 5,
                      "reserved": 0, "available": 5}]


def test_receipt_records_key_name_as_user(client):
    client.post("/inventory/receipts", json=receipt(A=5),
                headers=auth(client, Role.WAREHOUSE))

    with Session(client.engine) as session:
        movement = session.get(StockMovement, 1)

    assert movement.user_id == "test-warehouse"
    assert movement.reference == "PO-1"


def test_receipt_rejects_unknown_sku(client):
    response = client.post("/inventory/receipts", json=receipt(Z=1),
                           headers=auth(client, Role.WAREHOUSE))

    assert response.status_code == 422
    assert response.json()["detail"] == "unknown SKUs: Z"


def test_receipt_rejects_unknown_warehouse(client):
    body = {**receipt(A=1), "warehouse_id": "WH-9"}

    response = client.post("/inventory/receipts", json=body,
                           headers=auth(client, Role.WAREHOUSE))

    assert response.status_code == 404
    assert response.json()["type"] == "/problems/warehouse_not_found"


def test_receipt_forbidden_for_backend_role(client):
    response = client.post("/inventory/receipts", json=receipt(A=1),
                           headers=auth(client, Role.BACKEND))

    assert response.status_code == 403


def test_adjustment_conflicts_with_reserved_units(client):
    client.post("/inventory/receipts", json=receipt(A=2),
                headers=auth(client, Role.WAREHOUSE))
    with Session(client.engine) as session:
        reserve_order_stock(session, "o1", [OrderLineInput(sku="A", quantity=2)])

    response = client.post(
        "/inventory/adjustments",
        json={"sku": "A", "warehouse_id": "WH-1", "quantity": -1,
              "reason": "damaged"},
        headers=auth(client, Role.WAREHOUSE),
    )

    assert response.status_code == 409
    assert response.json()["type"] == "/problems/stock_reserved"


def test_threshold_drives_alerts(client):
    client.post("/inventory/receipts", json=receipt(A=3, B=20),
                headers=auth(client, Role.WAREHOUSE))

    put = client.put("/inventory/thresholds/WH-1/A",
                     json={"low_stock_threshold": 5, "reorder_point": 8},
                     headers=auth(client, Role.OPERATOR))
    alerts = client.get("/inventory/alerts", headers=auth(client, Role.SUPPORT))

    assert put.status_code == 200
    assert alerts.json() == [{"sku": "A", "warehouse_id": "WH-1",
                              "kind": "low_stock", "available": 3,
                              "threshold": 5}]


def test_reorder_suggestions_json_and_csv(client):
    client.post("/inventory/receipts", json=receipt(A=3),
                headers=auth(client, Role.WAREHOUSE))
    headers = auth(client, Role.OPERATOR)

    rows = client.get("/inventory/reorder-suggestions", headers=headers).json()
    export = client.get("/inventory/reorder-suggestions.csv", headers=headers)
    parsed = list(csv.DictReader(io.StringIO(export.text)))

    assert rows[0]["sku"] == "A"
    assert rows[0]["quantity"] == 0
    assert export.headers["content-type"].startswith("text/csv")
    assert parsed[0]["sku"] == "A"
    assert parsed[0]["inventory_position"] == "3"
    assert f"reorder-suggestions-{date.today()}.csv" in (
        export.headers["content-disposition"]
    )


def test_report_and_audit(client):
    client.post("/inventory/receipts", json=receipt(A=3, B=1),
                headers=auth(client, Role.WAREHOUSE))

    report = client.get("/inventory/reports", headers=auth(client, Role.SUPPORT))
    audit = client.get("/inventory/audit", headers=auth(client, Role.OPERATOR))

    assert Decimal(report.json()["total_value"]) == Decimal(130)
    assert [r["sku"] for r in report.json()["slow_movers"]] == ["A", "B"]
    assert audit.json() == []


def test_expire_endpoint_keeps_fresh_reservations(client):
    client.post("/inventory/receipts", json=receipt(A=3),
                headers=auth(client, Role.WAREHOUSE))
    with Session(client.engine) as session:
        reserve_order_stock(session, "o1", [OrderLineInput(sku="A", quantity=2)])

    response = client.post("/inventory/reservations/expire",
                           headers=auth(client, Role.OPERATOR))

    assert response.json() == {"units_released": 0, "older_than_minutes": 30.0}


def test_allocation_preview_and_shortage(client):
    client.post("/inventory/receipts", json=receipt(A=3),
                headers=auth(client, Role.WAREHOUSE))
    headers = auth(client, Role.BACKEND)

    ok = client.post("/inventory/allocations",
                     json={"lines": [{"sku": "A", "quantity": 2}]},
                     headers=headers)
    short = client.post("/inventory/allocations",
                        json={"lines": [{"sku": "A", "quantity": 4}],
                              "strategy": "nearest"},
                        headers=headers)

    assert ok.json() == {"strategy": "fewest_shipments", "shipments": [
        {"warehouse_id": "WH-1", "quantities": {"A": 2}}]}
    assert short.status_code == 409
    assert short.json()["detail"] == (
        "SKU A: 4 requested, 3 available across all warehouses"
    )
