import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone

import pytest
from structlog.testing import capture_logs

from domain.shipping.webhook import (
    InvalidWebhookError,
    RejectionLog,
    SignatureFailure,
    SignatureRejectedError,
    parse_tracking_webhook,
    sign_payload,
    verify_signature,
)
from models.status import ShipmentStatus

SECRET = b"whsec-test-1"
OLD_SECRET = b"whsec-test-0"
NOW = datetime(2026, 3, 9, 12, 0, tzinfo=timezone.utc)
STAMP = int(NOW.timestamp())
BODY = json.dumps(
    {
        "carrier": "simcarrier",
        "events": [
            {
                "event_id": "e-1",
                "tracking_number": "SIM1",
                "status": "in_transit",
                "at": "2026-03-09T11:58:00+00:00",
                "location": "Łódź hub",
            }
        ],
    },
    ensure_ascii=False,
).encode()


def test_sign_payload_hmac_sha256():
    # The digest is computed here independently of the module.
    expected = hmac.new(SECRET, f"{STAMP}.".encode() + BODY, hashlib.sha256)

    assert sign_payload(SECRET, BODY, STAMP) == f"t={STAMP},v1={expected.hexdigest()}"


def test_verify_signature_accepts_valid():
    header = sign_payload(SECRET, BODY, STAMP)

    assert verify_signature(BODY, header, [SECRET], NOW) == STAMP


def test_verify_signature_accepts_rotated_secret():
    header = sign_payload(OLD_SECRET, BODY, STAMP)

    assert verify_signature(BODY, header, [SECRET, OLD_SECRET], NOW) == STAMP


def test_verify_signature_accepts_any_listed_signature():
    new = sign_payload(SECRET, BODY, STAMP).split(",")[1]
    header = f"t={STAMP},v1={'0' * 64},{new}"

    assert verify_signature(BODY, header, [SECRET], NOW) == STAMP


def rejection(body: bytes, header: str | None, now: datetime = NOW):
    with capture_logs() as logs, pytest.raises(SignatureRejectedError) as caught:
        verify_signature(body, header, [SECRET], now)
    return caught.value, logs


def test_verify_signature_tampered_body_rejected_and_logged():
    header = sign_payload(SECRET, BODY, STAMP)

    error, logs = rejection(BODY.replace(b"in_transit", b"delivered"), header)

    assert error.failure == SignatureFailure.MISMATCH
    assert len(logs) == 1
    assert logs[0]["event"] == "webhook_signature_rejected"
    assert logs[0]["failure"] == "mismatch"
    assert logs[0]["log_level"] == "warning"
    assert header.split("v1=")[1] not in str(logs[0])
    assert SECRET.decode() not in str(logs[0])


def test_verify_signature_wrong_secret_rejected():
    header = sign_payload(b"someone-else", BODY, STAMP)

    error, _ = rejection(BODY, header)

    assert error.failure == SignatureFailure.MISMATCH


def test_verify_signature_non_ascii_signature_rejected():
    error, _ = rejection(BODY, f"t={STAMP},v1=ü{'0' * 63}")

    assert error.failure == SignatureFailure.MISMATCH


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "v1=abc",
        f"t={STAMP}",
        f"t=soon,v1={'0' * 64}",
        f"t=1,t=2,v1={'0' * 64}",
    ],
)
def test_verify_signature_malformed_header_rejected(header):
    error, logs = rejection(BODY, header)

    assert error.failure == SignatureFailure.MALFORMED
    assert logs[0]["failure"] == "malformed"


def test_verify_signature_old_timestamp_rejected():
    # Signed correctly, but 301 s before now with a 300 s tolerance.
    header = sign_payload(SECRET, BODY, STAMP - 301)

    error, _ = rejection(BODY, header)

    assert error.failure == SignatureFailure.EXPIRED
    assert "301 s from now" in str(error)


def test_verify_signature_future_timestamp_rejected():
    header = sign_payload(SECRET, BODY, STAMP + 301)

    error, _ = rejection(BODY, header)

    assert error.failure == SignatureFailure.EXPIRED


def test_verify_signature_edge_of_tolerance_accepted():
    header = sign_payload(SECRET, BODY, STAMP - 300)

    assert verify_signature(BODY, header, [SECRET], NOW) == STAMP - 300


def test_verify_signature_custom_tolerance():
    header = sign_payload(SECRET, BODY, STAMP - 30)

    with pytest.raises(SignatureRejectedError):
        verify_signature(BODY, header, [SECRET], NOW, tolerance=timedelta(seconds=10))


def test_verify_signature_without_secrets_rejected():
    with pytest.raises(ValueError, match="webhook secrets are missing"):
        verify_signature(BODY, sign_payload(SECRET, BODY, STAMP), [], NOW)


def test_parse_tracking_webhook_reads_events():
    webhook = parse_tracking_webhook(BODY)

    assert webhook.carrier == "simcarrier"
    assert webhook.events[0].event_id == "e-1"
    assert webhook.events[0].status == ShipmentStatus.IN_TRANSIT
    assert webhook.events[0].location == "Łódź hub"
    assert webhook.events[0].at == NOW - timedelta(minutes=2)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"carrier": "x", "events": [{"tracking_number": "T", '
        b'"status": "lost", "at": "2026-03-09T11:58:00Z"}]}',
        b'{"carrier": "x", "events": [{"tracking_number": "T", '
        b'"status": "delivered", "at": "2026-03-09T11:58:00"}]}',
    ],
)
def test_parse_tracking_webhook_invalid_rejected(body):
    with pytest.raises(InvalidWebhookError, match="tracking webhook body is invalid"):
        parse_tracking_webhook(body)


def test_rejection_log_holds_back_lines_past_the_limit_and_counts_them():
    rejections = RejectionLog(limit=3, window=timedelta(minutes=1))
    forged = f"t={STAMP},v1={'0' * 64}"

    with capture_logs() as burst:
        for _ in range(10):
            with pytest.raises(SignatureRejectedError):
                verify_signature(BODY, forged, [SECRET], NOW, rejections=rejections)
    with capture_logs() as later:
        with pytest.raises(SignatureRejectedError):
            verify_signature(BODY, forged, [SECRET], NOW + timedelta(seconds=61),
                             rejections=rejections)

    assert len(burst) == 3
    assert all("held_back" not in line for line in burst)
    # Ten rejections, three logged: seven were held back.
    assert [line["held_back"] for line in later] == [7]


def test_rejection_log_limits_each_failure_kind_on_its_own():
    rejections = RejectionLog(limit=1)
    forged = f"t={STAMP},v1={'0' * 64}"
    stale = sign_payload(SECRET, BODY, STAMP - 3600)

    with capture_logs() as logs:
        for header in (forged, forged, stale):
            with pytest.raises(SignatureRejectedError):
                verify_signature(BODY, header, [SECRET], NOW, rejections=rejections)

    assert [line["failure"] for line in logs] == ["mismatch", "expired"]
