"""Shipment endpoints: the shipping label as PDF or ZPL."""

from decimal import Decimal
from typing import Annotated, Literal

import structlog
from fastapi import APIRouter, Depends, Query, Request, Response
from sqlmodel import Session

from api.auth import Role, require
from api.problems import ApiProblem
from domain.shipping.boxes import Dimensions
from domain.shipping.labels import (
    LabelFontMissingError,
    ShippingLabel,
    render_label_pdf,
    render_label_zpl,
)
from models.api import Problem
from models.payloads import Address
from models.shipping import ShipmentRecord

router = APIRouter(prefix="/shipments", tags=["shipments"])
log = structlog.get_logger("oms.api.shipments")

PrintLabels = Annotated[Role, Depends(require(
    Role.WAREHOUSE, Role.OPERATOR, Role.SUPPORT
))]


@router.get(
    "/{shipment_id}/label",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}, "text/plain": {}},
              "description": "The label as a 4 x 6 inch PDF or as ZPL II"},
        401: {"model": Problem, "description": "Missing or invalid API key"},
        403: {"model": Problem, "description": "The key's role may not call this"},
        404: {"model": Problem, "description": "No such shipment"},
        409: {"model": Problem, "description": "The shipment's data cannot be printed"},
        503: {"model": Problem, "description": "The label font is not installed"},
    },
)
def shipment_label(
    shipment_id: str, request: Request, _: PrintLabels,
    format: Literal["pdf", "zpl"] = Query(
        "pdf", description="pdf for office printers, zpl for 203 dpi Zebra printers."
    ),
) -> Response:
    """Render the shipment's label as PDF or as ZPL."""
    with Session(request.app.state.engine) as session:
        record = session.get(ShipmentRecord, shipment_id)
    if record is None:
        raise ApiProblem(404, "shipment_not_found",
                         f"shipment {shipment_id} does not exist")
    label = _label(record)

    try:
        if format == "zpl":
            return Response(render_label_zpl(label), media_type="text/plain",
                            headers=_disposition(record, "zpl"))
        return Response(render_label_pdf(label), media_type="application/pdf",
                        headers=_disposition(record, "pdf"))
    except LabelFontMissingError as error:
        log.error("label_font_missing", shipment_id=shipment_id, error=str(error))
        raise ApiProblem(503, "label_font_missing", str(error)) from error
    except ValueError as error:
        # LabelOverflowError, or a tracking number a barcode cannot encode.
        raise ApiProblem(409, "label_not_printable",
                         f"label of shipment {shipment_id} cannot be printed: "
                         f"{error}") from error


def _label(record: ShipmentRecord) -> ShippingLabel:
    if record.weight_kg is None:
        raise ApiProblem(409, "label_not_printable",
                         f"shipment {record.shipment_id} has no weight yet; "
                         "record the packed weight before printing")
    dimensions = None
    if None not in (record.length_cm, record.width_cm, record.height_cm):
        dimensions = Dimensions(Decimal(record.length_cm), Decimal(record.width_cm),
                                Decimal(record.height_cm))
    return ShippingLabel(
        tracking_number=record.tracking_number,
        carrier=record.carrier,
        service=record.service,
        sender=Address.model_validate(record.ship_from),
        recipient=Address.model_validate(record.ship_to),
        weight_kg=Decimal(record.weight_kg),
        ship_date=record.shipped_at.date(),
        dimensions=dimensions,
        reference=record.order_id,
    )


def _disposition(record: ShipmentRecord, extension: str) -> dict[str, str]:
    name = f"label-{record.tracking_number}.{extension}"
    return {"Content-Disposition": f'inline; filename="{name}"'}
