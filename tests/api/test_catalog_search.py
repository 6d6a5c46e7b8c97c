"""Typed attributes, variants and search over real HTTP."""

import uuid

from api.auth import Role


def family() -> str:
    return f"F-{uuid.uuid4().hex[:6].upper()}"


async def setup_chairs(admin, family_id: str) -> dict[str, str]:
    await admin.put("/admin/catalog/attributes/color",
                    json={"kind": "enum", "allowed": ["red", "black"]})
    await admin.put("/admin/catalog/attributes/seat_height",
                    json={"kind": "number", "unit": "cm"})
    await admin.put("/admin/catalog/attributes/foldable", json={"kind": "boolean"})
    skus = {"red": f"{family_id}-RED", "black": f"{family_id}-BLK"}
    heights = {"red": 45, "black": 52.5}
    for color, sku in skus.items():
        await admin.put(f"/admin/catalog/products/{sku}", json={
            "name": f"Chair {family_id} {color}", "category": "Furniture",
            "list_price": "80.00", "family_id": family_id})
        await admin.put(f"/admin/catalog/products/{sku}/attributes", json={
            "color": color, "seat_height": heights[color], "foldable": color == "red"})
    return skus


async def test_search_filters_by_typed_attributes(stack):
    family_id = family()
    async with stack.http(Role.ADMIN) as admin:
        skus = await setup_chairs(admin, family_id)
        red = await admin.get("/catalog/search", params={
            "q": family_id, "attribute": "color:red"})
        tall = await admin.get("/catalog/search", params=[
            ("q", family_id), ("attribute", "seat_height:50..")])
        foldable = await admin.get("/catalog/search", params={
            "q": family_id, "attribute": "foldable:true"})
        both = await admin.get("/catalog/search", params={
            "q": family_id, "category": "Furniture"})

    assert [item["sku"] for item in red.json()["items"]] == [skus["red"]]
    assert [item["sku"] for item in tall.json()["items"]] == [skus["black"]]
    assert [item["sku"] for item in foldable.json()["items"]] == [skus["red"]]
    assert len(both.json()["items"]) == 2


async def test_search_shows_attributes_and_variants(stack):
    family_id = family()
    async with stack.http(Role.ADMIN) as admin:
        skus = await setup_chairs(admin, family_id)
        found = await admin.get("/catalog/search", params={
            "q": family_id, "attribute": "color:black"})

    item = found.json()["items"][0]
    assert item["attributes"]["seat_height"] == {"value": "52.5", "unit": "cm"}
    assert item["attributes"]["foldable"] is False
    assert item["variants"] == [skus["red"]]


async def test_attribute_values_checked_against_kind(stack):
    family_id = family()
    async with stack.http(Role.ADMIN) as admin:
        skus = await setup_chairs(admin, family_id)
        response = await admin.put(f"/admin/catalog/products/{skus['red']}/attributes",
                                   json={"color": "green", "seat_height": "tall",
                                         "foldable": "yes", "weight": 3})

    fields = {error["field"]: error for error in response.json()["errors"]}
    assert response.status_code == 422
    assert set(fields) == {"attributes.color", "attributes.seat_height",
                           "attributes.foldable", "attributes.weight"}
    assert "red, black" in fields["attributes.color"]["fix"]


async def test_search_bad_filters_are_422(stack):
    async with stack.http(Role.ADMIN) as admin:
        await admin.put("/admin/catalog/attributes/seat_height",
                        json={"kind": "number", "unit": "cm"})
        unknown = await admin.get("/catalog/search", params={"attribute": "nope:1"})
        malformed = await admin.get("/catalog/search", params={"attribute": "color"})
        not_number = await admin.get("/catalog/search",
                                     params={"attribute": "seat_height:high"})

    assert unknown.status_code == 422
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["field"] == "query.attribute[0]"
    assert not_number.status_code == 422


async def test_product_page_shows_attributes_variants_bundle(stack):
    family_id = family()
    async with stack.http(Role.ADMIN) as admin:
        skus = await setup_chairs(admin, family_id)
        kit = f"{family_id}-KIT"
        await admin.put(f"/admin/catalog/products/{kit}",
                        json={"name": "Two chairs", "list_price": "150.00"})
        await admin.put(f"/admin/catalog/bundles/{kit}", json={
            "kind": "fixed", "components": {skus["red"]: 1, skus["black"]: 1}})
        chair = await admin.get(f"/catalog/products/{skus['red']}.json")
        bundle = await admin.get(f"/catalog/products/{kit}.json")
        page = await admin.get(f"/catalog/products/{kit}")

    assert chair.json()["attributes"]["color"] == "red"
    assert chair.json()["attributes"]["seat_height"] == {"value": "45", "unit": "cm"}
    assert [v["sku"] for v in chair.json()["variants"]] == [skus["black"]]
    assert [c["sku"] for c in bundle.json()["bundle"]["components"]] == sorted(skus.values())
    assert 'id="bundle"' in page.text
    assert skus["black"] in page.text
