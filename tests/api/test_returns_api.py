"""Return endpoints over real HTTP: the checks that need no waiting.

The full return path (approval, label, receipt, inspection, refund)
runs in the workflow tests, where the time-skipping server covers the
return window.
"""

import uuid

from api.auth import Role
from tests.api.test_orders_api import new_key, order_body, wait_for


async def test_returns_after_completion_rejected(stack):
    async with stack.http() as client:
        created = await client.post("/orders", json=order_body(), headers=new_key())
        order_id = created.json()["id"]
        await wait_for(client, order_id, {"completed"})
        response = await client.post(f"/orders/{order_id}/returns", json={
            "lines": [{"sku": "OFF-PA-10000174", "quantity": 1, "reason": "damaged"}]})

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"


async def test_returns_bad_body_names_field(stack):
    async with stack.http() as client:
        response = await client.post("/orders/whatever/returns", json={
            "lines": [{"sku": "OFF-PA-10000174", "quantity": 0, "reason": ""}]})

    fields = {error["field"] for error in response.json()["errors"]}
    assert response.status_code == 422
    assert fields == {"lines[0].quantity", "lines[0].reason"}


async def test_returns_unknown_return_is_404(stack):
    async with stack.http(Role.SUPPORT) as client:
        malformed = await client.get("/returns/not-a-return")
        unknown = await client.get(f"/returns/NOPE-{uuid.uuid4().hex[:6]}-R1")
        decision = await client.post(f"/returns/NOPE-{uuid.uuid4().hex[:6]}-R1/decision",
                                     json={"approve": True})

    assert malformed.status_code == 404
    assert unknown.status_code == 404
    assert decision.status_code == 404


async def test_returns_roles_enforced(stack):
    async with stack.http(Role.WAREHOUSE) as warehouse, stack.http(Role.BACKEND) as backend:
        decide = await warehouse.post("/returns/X-R1/decision", json={"approve": True})
        inspect = await backend.post("/returns/X-R1/inspection", json={"restock": True})

    assert decide.status_code == 403
    assert inspect.status_code == 403
