"""Order endpoints over real HTTP, a real dev server and a real database."""

import asyncio
import uuid

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from api.auth import Role
from core.temporal import WORKFLOWS, sandbox_runner


def order_body(**changes) -> dict:
    body = {
        "channel": "web",
        "customer_id": "DP-13000",
        "customer_name": "Darren Powers",
        "lines": [{"sku": "OFF-PA-10000174", "quantity": 2},
                  {"sku": "OFF-LA-10003223", "quantity": 3}],
        "shipping_address": {"name": "Darren Powers", "city": "Houston",
                             "region": "Texas", "postal_code": "77095"},
        "payment_token": "tok_visa",
    }
    body.update(changes)
    return body


def new_key() -> dict:
    return {"Idempotency-Key": uuid.uuid4().hex}


async def wait_for(client, order_id: str, statuses: set[str], seconds: float = 30):
    for _ in range(int(seconds / 0.1)):
        response = await client.get(f"/orders/{order_id}")
        if response.status_code == 200 and response.json()["status"] in statuses:
            return response.json()
        await asyncio.sleep(0.1)
    raise AssertionError(f"order {order_id} never reached {statuses}: {response.text}")


async def test_create_order_runs_to_completion(stack):
    async with stack.http() as client:
        response = await client.post("/orders", json=order_body(), headers=new_key())
        order_id = response.json()["id"]
        state = await wait_for(client, order_id, {"completed"})

    assert response.status_code == 201
    assert response.headers["location"] == f"/orders/{order_id}"
    assert state["total"] == "28.23"
    assert [line["unit_price"] for line in state["lines"]] == ["8.22", "3.93"]
    assert state["shipments"][0]["tracking_number"].startswith("SIM")
    assert [p["kind"] for p in state["payments"]] == ["authorize", "capture"]


async def test_create_order_same_key_same_body_replays(stack):
    headers = new_key()
    async with stack.http() as client:
        first = await client.post("/orders", json=order_body(), headers=headers)
        second = await client.post("/orders", json=order_body(), headers=headers)

    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]


async def test_create_order_same_key_other_body_rejected(stack):
    headers = new_key()
    async with stack.http() as client:
        first = await client.post("/orders", json=order_body(), headers=headers)
        changed = order_body(lines=[{"sku": "OFF-PA-10000174", "quantity": 9}])
        second = await client.post("/orders", json=changed, headers=headers)

    assert first.status_code == 201
    assert second.status_code == 422
    assert second.headers["content-type"] == "application/problem+json"
    assert second.json()["errors"][0]["field"] == "Idempotency-Key"
    assert first.json()["id"] in second.json()["detail"]


async def test_concurrent_same_key_creates_one_order(stack):
    headers = new_key()
    async with stack.http() as client:
        responses = await asyncio.gather(*(
            client.post("/orders", json=order_body(), headers=headers) for _ in range(5)
        ))

    assert sorted(r.status_code for r in responses) == [200, 200, 200, 200, 201]
    assert len({r.json()["id"] for r in responses}) == 1


@pytest.mark.parametrize(("line", "field", "words"), [
    ({"sku": "OFF-PA-10000174", "quantity": 0}, "lines[1].quantity", "greater than 0"),
    ({"sku": "OFF-PA-10000174", "quantity": -2}, "lines[1].quantity", "greater than 0"),
    ({"sku": "NOPE-1", "quantity": 1}, "lines[1].sku", "not in the catalog"),
    ({"sku": "TEC-PH-10002275", "quantity": 1}, "lines[1].sku", "discontinued"),
])
async def test_create_order_bad_line_names_it(stack, line, field, words):
    body = order_body(lines=[{"sku": "OFF-LA-10003223", "quantity": 1}, line])
    async with stack.http() as client:
        response = await client.post("/orders", json=body, headers=new_key())

    problem = response.json()
    assert response.status_code == 422
    assert problem["errors"][0]["field"] == field
    assert words in problem["errors"][0]["message"]
    assert problem["errors"][0]["fix"]


async def test_create_order_missing_key_rejected(stack):
    async with stack.http() as client:
        response = await client.post("/orders", json=order_body())

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_auth_missing_key_is_401(stack):
    async with stack.http(role=None) as client:
        response = await client.get("/orders")

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_auth_unknown_key_is_401(stack):
    async with stack.http(role=None) as client:
        response = await client.get(
            "/orders", headers={"Authorization": "Bearer oms_backend_forged"})

    assert response.status_code == 401


@pytest.mark.parametrize(("role", "method", "path", "expected"), [
    (Role.SUPPORT, "post", "/orders", 403),
    (Role.WAREHOUSE, "get", "/orders", 403),
    (Role.BACKEND, "post", "/orders/x/hold", 403),
    (Role.SUPPORT, "post", "/orders/x/cancel", 403),
    (Role.BACKEND, "get", "/orders/x/history", 403),
    (Role.OPERATOR, "post", "/orders", 403),
])
async def test_auth_wrong_role_is_403(stack, role, method, path, expected):
    async with stack.http(role) as client:
        response = await getattr(client, method)(
            path, json={"reason": "r"} if method == "post" else None,
            headers=new_key()) if method == "post" else await client.get(path)

    assert response.status_code == expected
    assert role.value in response.json()["detail"]


async def test_hold_release_cancel_over_http(stack):
    async with stack.http() as backend, stack.http(Role.OPERATOR) as operator:
        created = await backend.post("/orders", json=order_body(), headers=new_key())
        order_id = created.json()["id"]
        held = await operator.post(f"/orders/{order_id}/hold",
                                   json={"reason": "address check", "actor": "ana"})
        again = await operator.post(f"/orders/{order_id}/hold", json={"reason": "twice"})
        released = await operator.post(f"/orders/{order_id}/release", json={"reason": "ok"})
        not_held = await operator.post(f"/orders/{order_id}/release", json={"reason": "x"})

    assert held.status_code == 200
    assert held.json()["holds"][0]["reason"] == "address check"
    assert again.status_code == 409
    assert "already on hold" in again.json()["detail"]
    assert released.status_code == 200
    assert not_held.status_code == 409


async def test_cancel_after_shipping_is_409(stack):
    async with stack.http() as backend, stack.http(Role.OPERATOR) as operator:
        created = await backend.post("/orders", json=order_body(), headers=new_key())
        order_id = created.json()["id"]
        await wait_for(backend, order_id, {"shipped", "delivered", "completed"})
        response = await operator.post(f"/orders/{order_id}/cancel",
                                       json={"reason": "too late"})

    assert response.status_code == 409
    assert response.json()["type"] in ("/problems/already_shipped", "/problems/workflow_closed")


async def test_cancel_unknown_order_is_404(stack):
    async with stack.http(Role.OPERATOR) as operator:
        response = await operator.post("/orders/NOPE-404/cancel", json={"reason": "x"})

    assert response.status_code == 404


async def test_list_orders_filters_and_pages(stack):
    customer = f"C-{uuid.uuid4().hex[:6]}"
    async with stack.http() as client:
        for _ in range(3):
            created = await client.post(
                "/orders", json=order_body(customer_id=customer), headers=new_key())
            # The projection row appears once capture has run.
            await wait_for(client, created.json()["id"], {"completed"})
        page = await client.get("/orders", params={"customer_id": customer,
                                                   "page_size": 2})
        second = await client.get("/orders", params={"customer_id": customer,
                                                     "page_size": 2, "page": 2})
        bad = await client.get("/orders", params={"status": "lost"})

    assert page.json()["total"] == 3
    assert len(page.json()["items"]) == 2
    assert len(second.json()["items"]) == 1
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.status"


async def test_history_readable_and_raw(stack):
    async with stack.http() as backend, stack.http(Role.SUPPORT) as support:
        created = await backend.post("/orders", json=order_body(), headers=new_key())
        order_id = created.json()["id"]
        await wait_for(backend, order_id, {"completed"})
        readable = await support.get(f"/orders/{order_id}/history")
        raw = await support.get(f"/orders/{order_id}/history", params={"format": "raw"})

    events = readable.json()
    activities = {event["activity"] for event in events if event["activity"]}
    kinds = {event["event"] for event in events}
    assert events[0]["event"] == "workflow_execution_started"
    assert {"capture_order", "authorize_payment", "capture_payment"} <= activities
    # The shipment runs inside the order workflow: its steps are in this history.
    assert {"perform_warehouse_step", "ship_order", "fetch_tracking_events"} <= activities
    assert "start_child_workflow_execution_initiated" not in kinds
    assert raw.json()["events"][0]["eventType"] in (
        "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED", "WorkflowExecutionStarted")


async def test_health_reports_ok(stack):
    async with stack.http(role=None) as client:
        response = await client.get("/health")

    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize(("change", "field"), [
    ({"shipping_address": {}}, "shipping_address.city"),
    ({"shipping_address": {"city": "Houston", "postal_code": "77095",
                           "country": "Narnia"}}, "shipping_address.country"),
    ({"shipping_address": {"city": "x" * 5000, "postal_code": "77095"}},
     "shipping_address.city"),
    ({"currency": "JPY"}, "currency"),
    ({"order_id": ".."}, "order_id"),
])
async def test_create_order_bad_field_named(stack, change, field):
    async with stack.http() as client:
        response = await client.post("/orders", json=order_body(**change),
                                     headers=new_key())

    fields = {error["field"] for error in response.json()["errors"]}
    assert response.status_code == 422
    assert field in fields


async def test_create_order_malformed_json_is_400(stack):
    async with stack.http() as client:
        response = await client.post(
            "/orders", content=b'{"customer_id": ',
            headers={**new_key(), "Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body"


async def test_list_orders_naive_date_is_422(stack):
    async with stack.http() as client:
        response = await client.get("/orders", params={"placed_from": "2019-01-01T00:00:00"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.placed_from"


async def test_auth_basic_scheme_is_401(stack):
    async with stack.http(role=None) as client:
        response = await client.get("/orders", headers={"Authorization": "Basic dXNlcjpwdw=="})

    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]


async def test_idempotency_keys_scoped_per_api_key(stack):
    from sqlmodel import Session as DbSession

    from api.auth import create_api_key

    with DbSession(stack.engine) as session:
        other_backend = create_api_key(session, Role.BACKEND, "second-backend")
    headers = new_key()
    async with stack.http() as first:
        one = await first.post("/orders", json=order_body(), headers=headers)
    async with stack.http(role=None) as second:
        two = await second.post("/orders", json=order_body(), headers={
            **headers, "Authorization": f"Bearer {other_backend}"})

    assert one.status_code == 201
    assert two.status_code == 201
    assert one.json()["id"] != two.json()["id"]


async def test_histories_replay_after_queries_during_the_run(stack):
    # Polling queries the workflow while its local activities run, which
    # can split a workflow task; a replay must still follow the history.
    async with stack.http() as client:
        created = [
            (await client.post("/orders", json=order_body(), headers=new_key())).json()["id"]
            for _ in range(6)
        ]
        await asyncio.gather(*(wait_for(client, order_id, {"completed"})
                               for order_id in created))
    histories = [
        await stack.client.get_workflow_handle(f"order-{order_id}").fetch_history()
        for order_id in created
    ]
    replayer = Replayer(workflows=WORKFLOWS, data_converter=pydantic_data_converter,
                        workflow_runner=sandbox_runner())

    results = [await replayer.replay_workflow(history, raise_on_replay_failure=False)
               for history in histories]

    assert [result.replay_failure for result in results] == [None] * 6
