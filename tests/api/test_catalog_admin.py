"""Catalog administration over real HTTP: products, price lists, CSV."""

import uuid

from api.auth import Role
from tests.api.test_orders_api import new_key, order_body, wait_for


def sku() -> str:
    return f"ADM-{uuid.uuid4().hex[:8].upper()}"


PRODUCT = {"name": "Desk lamp", "category": "Furniture", "sub_category": "Lamps",
           "list_price": "24.50"}


async def test_admin_product_create_then_replace(stack):
    code = sku()
    async with stack.http(Role.ADMIN) as admin:
        created = await admin.put(f"/admin/catalog/products/{code}", json=PRODUCT)
        replaced = await admin.put(f"/admin/catalog/products/{code}",
                                   json={**PRODUCT, "list_price": "19.99"})

    assert created.status_code == 201
    assert replaced.status_code == 200
    assert replaced.json()["list_price"] == "19.99"


async def test_admin_product_invalid_fields_named(stack):
    async with stack.http(Role.ADMIN) as admin:
        response = await admin.put(f"/admin/catalog/products/{sku()}", json={
            "name": "", "list_price": "-1", "currency": "usd"})

    fields = {error["field"] for error in response.json()["errors"]}
    assert response.status_code == 422
    assert fields == {"name", "list_price", "currency"}


async def test_admin_only_admin_may_write(stack):
    async with stack.http(Role.BACKEND) as backend:
        response = await backend.put(f"/admin/catalog/products/{sku()}", json=PRODUCT)

    assert response.status_code == 403


async def test_admin_retired_product_cannot_be_ordered(stack):
    code = sku()
    async with stack.http(Role.ADMIN) as admin, stack.http() as backend:
        await admin.put(f"/admin/catalog/products/{code}", json=PRODUCT)
        retired = await admin.post(f"/admin/catalog/products/{code}/retire")
        order = await backend.post("/orders", headers=new_key(), json=order_body(
            lines=[{"sku": code, "quantity": 1}]))

    assert retired.json()["discontinued"] is True
    assert order.status_code == 422
    assert "discontinued" in order.json()["errors"][0]["message"]


async def test_admin_price_list_prices_new_orders(stack):
    code = sku()
    async with stack.http(Role.ADMIN) as admin, stack.http() as backend:
        await admin.put(f"/admin/catalog/products/{code}", json=PRODUCT)
        await admin.post("/inventory/receipts", json={
            "receipt_id": f"R-{code}", "purchase_order_id": "PO-1",
            "warehouse_id": "WH-1", "lines": [{"sku": code, "quantity": 10}]})
        listed = await admin.put(f"/admin/catalog/price-lists/web-{code}", json={
            "currency": "USD", "channel": "web", "priority": 1,
            "tiers": [{"sku": code, "min_quantity": 1, "unit_price": "22.00"},
                      {"sku": code, "min_quantity": 3, "unit_price": "20.00"}]})
        created = await backend.post("/orders", headers=new_key(), json=order_body(
            lines=[{"sku": code, "quantity": 3}]))
        state = await wait_for(backend, created.json()["id"], {"completed"})

    assert listed.status_code == 200
    # 3 units reach the tier from 3: 3 x 20.00 = 60.00.
    assert state["lines"][0]["unit_price"] == "20.00"
    assert state["lines"][0]["price_source"] == f"price list web-{code}, tier from 3"
    assert state["total"] == "60.00"


async def test_admin_price_list_unknown_sku_named(stack):
    async with stack.http(Role.ADMIN) as admin:
        response = await admin.put("/admin/catalog/price-lists/bad", json={
            "currency": "USD",
            "tiers": [{"sku": "NOPE-1", "unit_price": "1.00"}]})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "tiers[0].sku"


async def test_admin_csv_round_trip_and_bad_rows(stack):
    code = sku()
    good = f"sku,name,category,sub_category,currency,list_price\n{code},Pen,Office,Art,USD,1.25\n"
    bad = ("sku,name,list_price\n"
           f"{sku()},Pen,1.25\n"
           ",No sku,1.00\n"
           f"{sku()},Free,-3\n")
    async with stack.http(Role.ADMIN) as admin:
        imported = await admin.post("/admin/catalog/products.csv",
                                    files={"file": ("p.csv", good, "text/csv")})
        exported = await admin.get("/admin/catalog/products.csv")
        rejected = await admin.post("/admin/catalog/products.csv",
                                    files={"file": ("p.csv", bad, "text/csv")})

    fields = [error["field"] for error in rejected.json()["errors"]]
    assert imported.json() == {"imported": 1}
    assert f"{code},Pen,Office,Art,USD,1.25,False,False" in exported.text
    assert rejected.status_code == 422
    assert fields == ["line 3.sku", "line 4.list_price"]


async def test_admin_promotion_needs_one_of_percent_or_amount(stack):
    async with stack.http(Role.ADMIN) as admin:
        both = await admin.put("/admin/catalog/promotions/BAD", json={
            "scope": "order", "currency": "USD", "percent": "10", "amount": "5"})
        over = await admin.put("/admin/catalog/promotions/BAD", json={
            "scope": "order", "currency": "USD", "percent": "150"})
        tax = await admin.put("/admin/catalog/tax-rates/usa", json={"rate": "5"})

    assert both.status_code == 422
    assert over.status_code == 422
    assert over.json()["errors"][0]["field"] == "percent"
    assert tax.status_code == 422
    assert tax.json()["errors"][0]["field"] == "country"
