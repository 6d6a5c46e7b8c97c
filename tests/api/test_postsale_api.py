"""Support cases, feedback and carrier webhooks over real HTTP, a real
dev server and a real database."""

import json
import time
from datetime import datetime, timezone
from decimal import Decimal

from sqlmodel import Session
from temporalio.api.enums.v1 import EventType

from activities.shipping_records import (
    find_shipment_by_tracking_number,
    record_shipment,
)
from api.auth import Role
from domain.shipping.webhook import sign_payload
from models.payloads import Address, ShipmentInfo
from tests.api.test_orders_api import new_key, order_body, wait_for

WEBHOOK_SECRET = b"dev-webhook-secret"


async def create_order(client, **changes) -> str:
    response = await client.post("/orders", json=order_body(**changes),
                                 headers=new_key())
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def create_held_order(stack) -> str:
    """Create an order and hold it at once, so its workflow keeps running."""
    async with stack.http() as backend, stack.http(Role.OPERATOR) as operator:
        order_id = await create_order(backend)
        hold = await operator.post(f"/orders/{order_id}/hold",
                                   json={"reason": "webhook test", "actor": "test"})
    assert hold.status_code == 200, hold.text
    return order_id


async def cancel_order(stack, order_id: str) -> None:
    async with stack.http(Role.OPERATOR) as operator:
        await operator.post(f"/orders/{order_id}/cancel", json={"reason": "test done"})


def add_shipment_record(stack, order_id: str, tracking_number: str) -> None:
    with Session(stack.engine) as session:
        if find_shipment_by_tracking_number(session, tracking_number) is not None:
            return
        record_shipment(
            session, order_id=order_id,
            shipment=ShipmentInfo(
                shipment_id=f"{order_id}-1", carrier="simcarrier", service="ground",
                tracking_number=tracking_number,
                shipped_at=datetime.now(timezone.utc), weight_kg=Decimal("1.2"),
            ),
            ship_from=Address(name="Main", postal_code="77001"),
            ship_to=Address(name="Darren Powers", postal_code="77095"),
        )


def signed_event(tracking_number: str, event_id: str,
                 status: str = "delivered") -> tuple[bytes, dict]:
    body = json.dumps({
        "carrier": "simcarrier",
        "events": [{
            "event_id": event_id, "tracking_number": tracking_number,
            "status": status, "at": datetime.now(timezone.utc).isoformat(),
            "location": "front door",
        }],
    }).encode()
    signature = sign_payload(WEBHOOK_SECRET, body, int(time.time()))
    return body, {"Carrier-Signature": signature, "Content-Type": "application/json"}


# Support cases


async def test_support_case_lifecycle(stack):
    async with stack.http() as backend, stack.http(Role.SUPPORT) as support:
        order_id = await create_order(backend)
        await wait_for(backend, order_id, {"completed"})
        opened = await support.post(f"/orders/{order_id}/cases", json={
            "subject": "Parcel arrived damaged", "message": "The box was crushed.",
            "opened_by": "customer", "author": "Darren Powers",
        })
        case_id = opened.json()["id"]
        reply = await support.post(f"/cases/{case_id}/messages", json={
            "author": "jane@support", "body": "Please send a photo."})
        waiting = await support.post(f"/cases/{case_id}/status",
                                     json={"status": "waiting_on_customer"})
        detail = await support.get(f"/cases/{case_id}")
        listed = await support.get(f"/orders/{order_id}/cases")

    case = detail.json()
    assert opened.status_code == 201
    assert opened.headers["location"] == f"/cases/{case_id}"
    assert opened.json()["status"] == "open"
    assert opened.json()["opened_by"] == "customer"
    assert reply.status_code == 201
    assert waiting.json()["status"] == "waiting_on_customer"
    assert detail.status_code == 200
    assert case["case"]["status"] == "waiting_on_customer"
    assert [m["body"] for m in case["messages"]] == [
        "The box was crushed.", "Please send a photo."]
    assert "order_received" in [entry["kind"] for entry in case["order_timeline"]]
    assert case["order_history"][0]["event"] == "workflow_execution_started"
    assert "capture_order" in {row["activity"] for row in case["order_history"]}
    assert case["history_error"] is None
    assert [c["id"] for c in listed.json()] == [case_id]


async def test_support_case_closed_rejects_changes(stack):
    async with stack.http() as backend, stack.http(Role.OPERATOR) as operator:
        order_id = await create_order(backend)
        opened = await operator.post(f"/orders/{order_id}/cases", json={
            "subject": "Wrong colour", "message": "Ordered blue."})
        case_id = opened.json()["id"]
        resolved = await operator.post(f"/cases/{case_id}/status",
                                       json={"status": "resolved"})
        closed = await operator.post(f"/cases/{case_id}/status",
                                     json={"status": "closed"})
        reopen = await operator.post(f"/cases/{case_id}/status",
                                     json={"status": "open"})
        message = await operator.post(f"/cases/{case_id}/messages",
                                      json={"author": "ana", "body": "one more"})
        same = await operator.post(f"/cases/{case_id}/status",
                                   json={"status": "closed"})

    assert resolved.json()["status"] == "resolved"
    assert closed.json()["status"] == "closed"
    assert reopen.status_code == 409
    assert reopen.headers["content-type"] == "application/problem+json"
    assert reopen.json()["errors"][0]["field"] == "status"
    assert message.status_code == 409
    assert message.json()["type"] == "/problems/case_closed"
    assert same.status_code == 200


async def test_support_case_errors(stack):
    async with stack.http(Role.SUPPORT) as support, stack.http() as backend:
        unknown_order = await support.post("/orders/NOPE-404/cases", json={
            "subject": "s", "message": "m"})
        unknown_case = await support.get("/cases/999999")
        no_subject = await support.post("/orders/NOPE-404/cases", json={"message": "m"})
        bad_status = await support.post("/cases/1/status", json={"status": "lost"})
        unknown_list = await support.get("/orders/NOPE-404/cases")
        wrong_role = await backend.get("/cases/1")

    assert unknown_order.status_code == 404
    assert unknown_order.json()["type"] == "/problems/order_not_found"
    assert unknown_case.status_code == 404
    assert unknown_case.json()["type"] == "/problems/case_not_found"
    assert no_subject.status_code == 422
    assert [e["field"] for e in no_subject.json()["errors"]] == ["subject"]
    assert bad_status.status_code == 422
    assert bad_status.json()["errors"][0]["field"] == "status"
    assert unknown_list.status_code == 404
    assert wrong_role.status_code == 403


# Feedback


async def test_feedback_submit_and_product_average(stack):
    sku = "FUR-CH-10000454"
    lines = [{"sku": sku, "quantity": 1}]
    async with stack.http() as backend, stack.http(Role.SUPPORT) as support:
        first = await create_order(backend, lines=lines)
        second = await create_order(backend, lines=lines)
        await wait_for(backend, first, {"completed"})
        await wait_for(backend, second, {"completed"})
        submitted = await backend.post(f"/orders/{first}/feedback", json={
            "rating": 5, "comment": "Fast.",
            "lines": [{"sku": sku, "rating": 4, "comment": "Sturdy phone"}]})
        await backend.post(f"/orders/{second}/feedback", json={
            "rating": 3, "lines": [{"sku": sku, "rating": 5}]})
        again = await backend.post(f"/orders/{first}/feedback", json={"rating": 1})
        listed = await support.get(f"/orders/{first}/feedback")
        product = await support.get(f"/feedback/products/{sku}")

    assert submitted.status_code == 201
    assert again.status_code == 409
    assert again.json()["type"] == "/problems/feedback_already_submitted"
    assert [(row["sku"], row["rating"]) for row in listed.json()] == [
        (None, 5), (sku, 4)]
    assert product.json()["count"] == 2
    assert product.json()["average_rating"] == "4.50"
    assert [c["comment"] for c in product.json()["recent_comments"]] == ["Sturdy phone"]


async def test_feedback_rejections(stack):
    async with stack.http() as backend, stack.http(Role.SUPPORT) as support:
        delivered = await create_order(backend)
        await wait_for(backend, delivered, {"completed"})
        held_order = await create_held_order(stack)
        not_delivered = await backend.post(f"/orders/{held_order}/feedback",
                                           json={"rating": 4})
        wrong_sku = await backend.post(f"/orders/{delivered}/feedback", json={
            "rating": 4, "lines": [{"sku": "TEC-PH-10002275", "rating": 2}]})
        bad_rating = await backend.post(f"/orders/{delivered}/feedback",
                                        json={"rating": 6})
        unknown = await backend.post("/orders/NOPE-404/feedback", json={"rating": 4})
        by_support = await support.post(f"/orders/{delivered}/feedback",
                                        json={"rating": 4})
        unknown_product = await support.get("/feedback/products/NOPE-SKU")
        empty = await support.get(f"/orders/{delivered}/feedback")
    await cancel_order(stack, held_order)

    assert not_delivered.status_code == 409
    assert not_delivered.json()["type"] == "/problems/order_not_delivered"
    assert wrong_sku.status_code == 422
    assert wrong_sku.json()["errors"][0]["field"] == "lines[0].sku"
    assert bad_rating.status_code == 422
    assert bad_rating.json()["errors"][0]["field"] == "rating"
    assert unknown.status_code == 404
    assert by_support.status_code == 403
    assert unknown_product.status_code == 404
    assert empty.json() == []


# Carrier webhook


async def test_carrier_event_for_shipped_order_is_accepted(stack):
    async with stack.http() as backend:
        order_id = await create_order(backend)
        state = await wait_for(backend, order_id, {"shipped", "delivered", "completed"})
    tracking_number = state["shipments"][0]["tracking_number"]
    add_shipment_record(stack, order_id, tracking_number)
    body, headers = signed_event(tracking_number, f"evt-{order_id}")

    async with stack.http(role=None) as carrier:
        first = await carrier.post("/carrier-events", content=body, headers=headers)
        resent = await carrier.post("/carrier-events", content=body, headers=headers)

    # The stack's carrier delivers at once, so the order may have
    # finished before the event arrives.
    assert first.status_code == 202
    assert first.json()["results"][0]["order_id"] == order_id
    assert first.json()["results"][0]["outcome"] in ("signaled", "order_closed")
    assert resent.status_code == 202
    assert resent.json()["results"][0]["outcome"] == "duplicate"


async def test_carrier_event_signals_running_order(stack):
    order_id = await create_held_order(stack)
    tracking_number = f"SIMHELD{order_id[-8:].upper()}"
    add_shipment_record(stack, order_id, tracking_number)
    body, headers = signed_event(tracking_number, f"evt-{order_id}",
                                 status="in_transit")

    async with stack.http(role=None) as carrier:
        first = await carrier.post("/carrier-events", content=body, headers=headers)
        resent = await carrier.post("/carrier-events", content=body, headers=headers)
    handle = stack.client.get_workflow_handle(f"order-{order_id}")
    history = await handle.fetch_history()
    await cancel_order(stack, order_id)

    signals = [
        event.workflow_execution_signaled_event_attributes.signal_name
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
    ]
    assert first.status_code == 202
    assert first.json()["results"][0]["outcome"] == "signaled"
    assert resent.status_code == 202
    assert resent.json()["results"][0]["outcome"] == "duplicate"
    assert signals == ["tracking_event"]
