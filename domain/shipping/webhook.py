"""Signature check and parsing of carrier tracking webhooks.

A carrier signs each request with HMAC-SHA256 over
`<unix timestamp>.<raw body>` and sends the result in a header of the
form `t=<unix timestamp>,v1=<hex digest>`. The header may carry several
`v1` entries while a secret is being rotated, and the receiver may hold
several secrets for the same reason. A request passes when any entry
matches any secret and the timestamp is within the tolerance of now,
which stops a captured request from being replayed later.
"""

import hashlib
import hmac
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum

import structlog
from pydantic import BaseModel, Field, ValidationError

from domain.shipping.tracking import CarrierEvent

SIGNATURE_HEADER = "Carrier-Signature"
DEFAULT_TOLERANCE = timedelta(minutes=5)

log = structlog.get_logger("oms.webhook")


class SignatureFailure(StrEnum):
    """Reason a webhook signature was rejected."""

    MALFORMED = "malformed"
    """The header is missing or not `t=<timestamp>,v1=<hex>`."""
    EXPIRED = "expired"
    """The timestamp is further from now than the tolerance."""
    MISMATCH = "mismatch"
    """No signature matches the body under any secret."""


class SignatureRejectedError(Exception):
    def __init__(self, failure: SignatureFailure, message: str):
        super().__init__(message)
        self.failure = failure


class InvalidWebhookError(ValueError):
    """A signed body that is not a valid tracking webhook."""


class TrackingWebhook(BaseModel):
    carrier: str
    events: list[CarrierEvent] = Field(max_length=100)


class RejectionLog:
    """Rate limit for rejection log lines, so a flood of forged requests
    cannot flood the logs.

    Per failure kind, at most `limit` lines go out in each `window`; the
    first line after lines were held back carries their count.
    """

    def __init__(self, limit: int = 10, window: timedelta = timedelta(minutes=1)):
        self._limit = limit
        self._window = window
        self._windows: dict[SignatureFailure, tuple[datetime, int]] = {}
        self._held: dict[SignatureFailure, int] = {}
        self._lock = threading.Lock()

    def admit(self, failure: SignatureFailure, now: datetime) -> int | None:
        """Return None to hold the line back, or how many were held back
        since the last line of this kind went out."""
        with self._lock:
            start, count = self._windows.get(failure, (now, 0))
            if now - start >= self._window:
                start, count = now, 0
            if count >= self._limit:
                self._held[failure] = self._held.get(failure, 0) + 1
                return None
            self._windows[failure] = (start, count + 1)
            return self._held.pop(failure, 0)


def sign_payload(secret: bytes, body: bytes, timestamp: int) -> str:
    """Build the signature header value for `body`, as a carrier would."""
    return f"t={timestamp},v1={_digest(secret, body, timestamp)}"


def verify_signature(
    body: bytes,
    header: str | None,
    secrets: Sequence[bytes],
    now: datetime,
    tolerance: timedelta = DEFAULT_TOLERANCE,
    rejections: RejectionLog | None = None,
) -> int:
    """Check a webhook's signature and return its timestamp.

    Raises `SignatureRejectedError` and logs `webhook_signature_rejected`
    with the failure, but never the secret or the signature itself. With
    `rejections`, those lines are rate limited.
    """
    if not secrets:
        raise ValueError("webhook secrets are missing: configure at least one")
    try:
        timestamp, signatures = _parse_header(header)
        _check_timestamp(timestamp, now, tolerance)
        _check_signatures(body, timestamp, signatures, secrets)
    except SignatureRejectedError as error:
        held = rejections.admit(error.failure, now) if rejections else 0
        if held is not None:
            log.warning(
                "webhook_signature_rejected",
                failure=error.failure.value,
                error=str(error),
                body_bytes=len(body),
                **({"held_back": held} if held else {}),
            )
        raise
    return timestamp


def parse_tracking_webhook(body: bytes) -> TrackingWebhook:
    """Parse a verified body, or raise `InvalidWebhookError` if it is invalid."""
    try:
        return TrackingWebhook.model_validate_json(body)
    except ValidationError as error:
        raise InvalidWebhookError(
            f"tracking webhook body is invalid: {error.error_count()} "
            f"errors, first: {error.errors()[0]['msg']} at "
            f"{'.'.join(str(part) for part in error.errors()[0]['loc'])}"
        ) from error


def _digest(secret: bytes, body: bytes, timestamp: int) -> str:
    signed = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret, signed, hashlib.sha256).hexdigest()


def _parse_header(header: str | None) -> tuple[int, list[str]]:
    if not header:
        raise SignatureRejectedError(
            SignatureFailure.MALFORMED, f"{SIGNATURE_HEADER} header is missing"
        )

    timestamps = []
    signatures = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamps.append(value)
        elif key == "v1":
            signatures.append(value)

    # Twelve digits reach the year 33658; longer values are not Unix seconds.
    if (len(timestamps) != 1 or not timestamps[0].isdigit()
            or len(timestamps[0]) > 12 or not signatures):
        raise SignatureRejectedError(
            SignatureFailure.MALFORMED,
            f"{SIGNATURE_HEADER} header must be t=<unix seconds>,v1=<hex digest>",
        )
    return int(timestamps[0]), signatures


def _check_timestamp(timestamp: int, now: datetime, tolerance: timedelta) -> None:
    # Both directions: a timestamp far in the future is as suspect as an
    # old one, since it would stay valid for longer than the tolerance.
    skew = abs(now.timestamp() - timestamp)
    if skew > tolerance.total_seconds():
        raise SignatureRejectedError(
            SignatureFailure.EXPIRED,
            f"webhook timestamp {timestamp} is {skew:.0f} s from now, "
            f"more than the {tolerance.total_seconds():.0f} s allowed",
        )


def _check_signatures(
    body: bytes, timestamp: int, signatures: list[str], secrets: Sequence[bytes]
) -> None:
    matched = False
    for secret in secrets:
        expected = _digest(secret, body, timestamp)
        for signature in signatures:
            # compare_digest takes the same time wherever the values
            # differ, so response timing does not leak the digest. It
            # takes bytes because it rejects non-ASCII str.
            matched |= hmac.compare_digest(
                expected.encode(), signature.encode("utf-8", "replace")
            )
    if not matched:
        raise SignatureRejectedError(
            SignatureFailure.MISMATCH,
            "webhook signature does not match the body under any configured secret",
        )
