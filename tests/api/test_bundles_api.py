"""Bundles over real HTTP: contents, availability from stock, price split."""

import uuid

from api.auth import Role


async def product(admin, sku: str, price: str) -> None:
    await admin.put(f"/admin/catalog/products/{sku}",
                    json={"name": sku, "list_price": price})


async def stock(admin, sku: str, units: int) -> None:
    await admin.post("/inventory/receipts", json={
        "receipt_id": f"R-{sku}", "purchase_order_id": "PO-B", "warehouse_id": "WH-1",
        "lines": [{"sku": sku, "quantity": units}]})


async def test_fixed_bundle_split_and_availability(stack):
    tag = uuid.uuid4().hex[:6].upper()
    a, b, c, kit = (f"{name}-{tag}" for name in ("A", "B", "C", "KIT"))
    async with stack.http(Role.ADMIN) as admin:
        for sku, price in ((a, "30.00"), (b, "20.00"), (c, "25.00"), (kit, "100.00")):
            await product(admin, sku, price)
        for sku, units in ((a, 10), (b, 7), (c, 5)):
            await stock(admin, sku, units)
        defined = await admin.put(f"/admin/catalog/bundles/{kit}", json={
            "kind": "fixed", "components": {a: 1, b: 2, c: 1}})
        read = await admin.get(f"/catalog/bundles/{kit}")

    body = read.json()
    shares = {part["sku"]: part["price_share"] for part in body["components"]}
    assert defined.status_code == 200
    # B limits it: 7 units // 2 per bundle = 3 bundles.
    assert body["available"] == 3
    # Weights 30, 40, 25 of 95 split 100.00 into 31.58, 42.10, 26.32.
    assert shares == {a: "31.58", b: "42.10", c: "26.32"}


async def test_configurable_bundle_needs_a_choice_per_slot(stack):
    tag = uuid.uuid4().hex[:6].upper()
    chair1, chair2, lamp, kit = (f"{name}-{tag}" for name in ("CH1", "CH2", "LA", "SET"))
    async with stack.http(Role.ADMIN) as admin:
        for sku, price in ((chair1, "50.00"), (chair2, "70.00"), (lamp, "30.00"),
                           (kit, "90.00")):
            await product(admin, sku, price)
        await admin.put(f"/admin/catalog/bundles/{kit}", json={
            "kind": "configurable",
            "slots": {"chair": {chair1: 1, chair2: 1}, "lamp": {lamp: 1}}})
        chosen = await admin.get(f"/catalog/bundles/{kit}", params=[
            ("choice", f"chair:{chair2}"), ("choice", f"lamp:{lamp}")])
        missing = await admin.get(f"/catalog/bundles/{kit}", params={"choice": f"chair:{chair1}"})

    shares = {part["sku"]: part["price_share"] for part in chosen.json()["components"]}
    # 90.00 split 70:30 = 63.00 and 27.00.
    assert shares == {chair2: "63.00", lamp: "27.00"}
    assert chosen.json()["available"] == 0
    assert missing.status_code == 422


async def test_bundle_with_unknown_component_named(stack):
    kit = f"KIT-{uuid.uuid4().hex[:6].upper()}"
    async with stack.http(Role.ADMIN) as admin:
        await product(admin, kit, "10.00")
        response = await admin.put(f"/admin/catalog/bundles/{kit}", json={
            "kind": "fixed", "components": {"NOPE-1": 1}})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "components.NOPE-1"
