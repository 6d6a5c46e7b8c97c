"""Carrier tracking webhook: verify the HMAC signature, then pass each
event to its order's workflow as the `tracking_event` signal.

The body is a `domain.shipping.webhook.TrackingWebhook`:
`{"carrier": ..., "events": [{tracking_number, status, at, location,
event_id}, ...]}`, signed in the `Carrier-Signature` header. Carriers
resend events, so each event is signaled once: a receipt row per event
turns a resend into a `duplicate` outcome that still returns 202.
"""

import hashlib
from datetime import datetime, timezone

import structlog
from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from temporalio.service import RPCError, RPCStatusCode

from activities.shipping_records import find_shipment_by_tracking_number
from api.problems import ApiProblem, field_error
from api.temporal_calls import order_workflow_id
from domain.shipping.tracking import STATUS_RANK, CarrierEvent, event_key
from domain.shipping.webhook import (
    SIGNATURE_HEADER,
    SignatureRejectedError,
    TrackingWebhook,
    verify_signature,
)
from models.api import Problem
from models.payloads import TrackingEvent
from models.postsale_api import CarrierEventResult, CarrierEventsAccepted, EventOutcome
from models.shipping import CarrierEventReceipt, ShipmentRecord

router = APIRouter(tags=["carrier events"])
log = structlog.get_logger("oms.api.carrier_events")

MAX_BODY_BYTES = 1_000_000
CARRIER_STATUSES = ", ".join(status.value for status in STATUS_RANK)


@router.post(
    "/carrier-events", status_code=202, response_model=CarrierEventsAccepted,
    responses={
        401: {"model": Problem, "description": "Missing, invalid or expired signature"},
        404: {"model": Problem, "description": "Unknown tracking number"},
        413: {"model": Problem, "description": "Body larger than 1 MB"},
        422: {"model": Problem, "description": "Signed body is not a valid webhook"},
        503: {"model": Problem, "description": "The workflow service did not respond"},
    },
)
async def receive_carrier_events(request: Request) -> CarrierEventsAccepted:
    """Accept signed tracking events from a carrier.

    Sign `<unix seconds>.<raw body>` with HMAC-SHA256 and send
    `Carrier-Signature: t=<unix seconds>,v1=<hex digest>`. Events for
    orders that have finished are dropped with the outcome
    `order_closed`, and resent events get `duplicate`.
    """
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise ApiProblem(413, "body_too_large",
                         f"webhook body is {len(body)} bytes; send at most "
                         f"{MAX_BODY_BYTES} bytes per request")
    _verify(request, body)
    webhook = _parse(body)
    shipments = _find_shipments(request, webhook)

    results = []
    for event in webhook.events:
        shipment = shipments[event.tracking_number]
        outcome = await _deliver(request, event, shipment)
        results.append(CarrierEventResult(
            tracking_number=event.tracking_number, event_id=event.event_id,
            order_id=shipment.order_id, outcome=outcome,
        ))
    return CarrierEventsAccepted(results=results)


def _verify(request: Request, body: bytes) -> None:
    secrets = request.app.state.settings.webhook_secrets
    if not secrets:
        log.error("webhook_secrets_missing")
        raise ApiProblem(503, "webhook_not_configured",
                         "no carrier webhook secret is configured; set "
                         "OMS_CARRIER_WEBHOOK_SECRETS")
    try:
        # verify_signature logs webhook_signature_rejected without secrets.
        verify_signature(body, request.headers.get(SIGNATURE_HEADER), secrets,
                         now=datetime.now(timezone.utc),
                         rejections=request.app.state.webhook_rejections)
    except SignatureRejectedError as error:
        raise ApiProblem(
            401, "webhook_signature_rejected",
            f"{error}; sign `<unix seconds>.<raw body>` with HMAC-SHA256 and "
            f"send {SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex digest>",
            [field_error(SIGNATURE_HEADER, error.failure.value,
                         "sign the exact body with a current secret and time")],
        ) from error


def _parse(body: bytes) -> TrackingWebhook:
    try:
        webhook = TrackingWebhook.model_validate_json(body)
    except ValidationError as error:
        errors = [
            field_error(_field_name(item["loc"]), item["msg"], "correct the value")
            for item in error.errors()
        ]
        raise _invalid(errors) from error

    errors = [
        field_error(f"events[{index}].status",
                    f"{event.status.value} is not a carrier tracking status",
                    f"send one of: {CARRIER_STATUSES}")
        for index, event in enumerate(webhook.events)
        if event.status not in STATUS_RANK
    ]
    if errors:
        raise _invalid(errors)
    return webhook


def _invalid(errors: list[dict]) -> ApiProblem:
    fields = ", ".join(error["field"] for error in errors)
    return ApiProblem(422, "invalid_webhook",
                      f"webhook body has invalid fields: {fields}", errors)


def _field_name(location: tuple) -> str:
    name = ""
    for part in location:
        name += f"[{part}]" if isinstance(part, int) else f".{part}"
    return name.lstrip(".") or "body"


def _find_shipments(request: Request,
                    webhook: TrackingWebhook) -> dict[str, ShipmentRecord]:
    """Load each event's shipment, or raise 404 naming every tracking
    number that no shipment of the webhook's carrier has."""
    shipments = {}
    errors = []
    with Session(request.app.state.engine) as session:
        for index, event in enumerate(webhook.events):
            number = event.tracking_number
            if number in shipments:
                continue
            shipment = find_shipment_by_tracking_number(session, number)
            if shipment is None or shipment.carrier != webhook.carrier:
                errors.append(field_error(
                    f"events[{index}].tracking_number",
                    f"no {webhook.carrier} shipment has tracking number {number}",
                    "send events only for parcels booked by this shop"))
                continue
            shipments[number] = shipment
    if errors:
        numbers = ", ".join(error["field"] for error in errors)
        raise ApiProblem(404, "shipment_not_found",
                         f"unknown tracking numbers in {numbers}; nothing was applied",
                         errors)
    return shipments


async def _deliver(request: Request, event: CarrierEvent,
                   shipment: ShipmentRecord) -> EventOutcome:
    digest = _event_digest(event)
    engine = request.app.state.engine
    bound = log.bind(order_id=shipment.order_id, tracking_number=event.tracking_number,
                     status=event.status.value, event_id=event.event_id)
    with Session(engine) as session:
        if session.get(CarrierEventReceipt, digest) is not None:
            bound.info("carrier_event_duplicate")
            return EventOutcome.DUPLICATE

    outcome = await _signal(request, event, shipment)
    if outcome == EventOutcome.SIGNALED:
        bound.info("carrier_event_signaled")
    else:
        bound.info("carrier_event_dropped", reason="order workflow is closed")

    with Session(engine) as session:
        session.add(CarrierEventReceipt(
            event_digest=digest, tracking_number=event.tracking_number,
            order_id=shipment.order_id, status=event.status.value,
        ))
        try:
            session.commit()
        except IntegrityError:
            # A concurrent resend recorded it first; the workflow drops
            # the second signal because it already has the event.
            session.rollback()
    return outcome


async def _signal(request: Request, event: CarrierEvent,
                  shipment: ShipmentRecord) -> EventOutcome:
    tracking_event = TrackingEvent(
        tracking_number=event.tracking_number, status=event.status,
        at=event.at, location=event.location,
    )
    handle = request.app.state.temporal.get_workflow_handle(
        order_workflow_id(shipment.order_id)
    )
    try:
        await handle.signal("tracking_event", tracking_event)
    except RPCError as error:
        # Temporal returns NOT_FOUND for a finished workflow as well.
        if error.status == RPCStatusCode.NOT_FOUND:
            return EventOutcome.ORDER_CLOSED
        log.warning("carrier_event_signal_failed", order_id=shipment.order_id,
                    tracking_number=event.tracking_number, error=error.message)
        raise ApiProblem(503, "temporal_unavailable",
                         f"the workflow service did not respond ({error.message}); "
                         "resend the webhook") from error
    return EventOutcome.SIGNALED


def _event_digest(event: CarrierEvent) -> str:
    key = f"{event.tracking_number}|{event_key(event)}"
    return hashlib.sha256(key.encode()).hexdigest()
