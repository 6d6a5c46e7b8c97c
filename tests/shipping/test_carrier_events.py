"""Carrier webhook rejections: signature, body and unknown tracking
numbers. The signaled paths run against the real stack in tests/api."""

import json
import time

from structlog.testing import capture_logs

from domain.shipping.webhook import sign_payload
from tests.shipping.conftest import OLD_WEBHOOK_SECRET, WEBHOOK_SECRET, add_shipment


def webhook_body(tracking_number="SIM5EA1ABC0", status="delivered") -> bytes:
    return json.dumps({
        "carrier": "simcarrier",
        "events": [{
            "event_id": "evt-1", "tracking_number": tracking_number,
            "status": status, "at": "2019-01-07T14:02:00-06:00",
            "location": "front door",
        }],
    }).encode()


def post(fake_stack, body: bytes, signature: str | None):
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Carrier-Signature"] = signature
    return fake_stack.client.post("/carrier-events", content=body, headers=headers)


def test_carrier_events_missing_signature_is_401(fake_stack):
    with capture_logs() as logs:
        response = post(fake_stack, webhook_body(), None)

    rejected = [line for line in logs if line["event"] == "webhook_signature_rejected"]
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "Carrier-Signature"
    assert rejected[0]["failure"] == "malformed"
    assert fake_stack.temporal.signals == []


def test_carrier_events_wrong_secret_is_401(fake_stack):
    body = webhook_body()
    signature = sign_payload(b"not-the-secret", body, int(time.time()))

    with capture_logs() as logs:
        response = post(fake_stack, body, signature)

    rejected = [line for line in logs if line["event"] == "webhook_signature_rejected"]
    assert response.status_code == 401
    assert response.json()["type"] == "/problems/webhook_signature_rejected"
    assert rejected[0]["failure"] == "mismatch"
    assert WEBHOOK_SECRET not in repr(logs)
    assert "not-the-secret" not in repr(logs)
    assert signature.split("v1=")[1] not in repr(logs)
    assert WEBHOOK_SECRET not in response.text
    assert fake_stack.temporal.signals == []


def test_carrier_events_expired_signature_is_401(fake_stack):
    body = webhook_body()
    signature = sign_payload(WEBHOOK_SECRET.encode(), body, int(time.time()) - 3600)

    response = post(fake_stack, body, signature)

    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "expired"


def test_carrier_events_tampered_body_is_401(fake_stack):
    signature = sign_payload(WEBHOOK_SECRET.encode(), webhook_body(), int(time.time()))

    response = post(fake_stack, webhook_body(status="in_transit"), signature)

    assert response.status_code == 401


def test_carrier_events_unknown_tracking_number_is_404(fake_stack):
    add_shipment(fake_stack.engine)
    body = webhook_body(tracking_number="SIMUNKNOWN01")
    signature = sign_payload(OLD_WEBHOOK_SECRET.encode(), body, int(time.time()))

    response = post(fake_stack, body, signature)

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "events[0].tracking_number"
    assert "SIMUNKNOWN01" in response.json()["errors"][0]["message"]
    assert fake_stack.temporal.signals == []


def test_carrier_events_non_carrier_status_is_422(fake_stack):
    body = webhook_body(status="picked")
    signature = sign_payload(WEBHOOK_SECRET.encode(), body, int(time.time()))

    response = post(fake_stack, body, signature)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "events[0].status"
    assert fake_stack.temporal.signals == []


def test_carrier_events_time_without_offset_is_422(fake_stack):
    body = webhook_body().replace(b"-06:00", b"")
    signature = sign_payload(WEBHOOK_SECRET.encode(), body, int(time.time()))

    response = post(fake_stack, body, signature)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "events[0].at"


def test_carrier_events_other_carriers_parcel_is_404(fake_stack):
    add_shipment(fake_stack.engine)
    body = webhook_body().replace(b'"simcarrier"', b'"othercarrier"')
    signature = sign_payload(WEBHOOK_SECRET.encode(), body, int(time.time()))

    response = post(fake_stack, body, signature)

    assert response.status_code == 404
    assert "othercarrier" in response.json()["errors"][0]["message"]
    assert fake_stack.temporal.signals == []


def test_carrier_events_forged_flood_is_rejected_but_logged_ten_times(fake_stack):
    body = webhook_body()
    forged = sign_payload(b"not-the-secret", body, int(time.time()))

    with capture_logs() as logs:
        statuses = [post(fake_stack, body, forged).status_code for _ in range(15)]

    rejected = [line for line in logs if line["event"] == "webhook_signature_rejected"]
    assert statuses == [401] * 15
    # The app logs at most ten rejections of one kind a minute.
    assert len(rejected) == 10
