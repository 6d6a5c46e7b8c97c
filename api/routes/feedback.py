"""Feedback endpoints: a customer rates a delivered order and its lines;
staff read an order's ratings and a product's average."""

from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from api.auth import ReadOrders, Role, require
from api.order_lookup import load_order
from api.problems import ApiProblem, field_error
from models.api import Problem
from models.feedback import FeedbackResponse
from models.payloads import OrderState
from models.postsale_api import (
    FeedbackCreate,
    FeedbackPublic,
    ProductComment,
    ProductFeedback,
)
from models.status import OrderStatus
from models.tables import Product

router = APIRouter(tags=["feedback"])
log = structlog.get_logger("oms.api.feedback")

SubmitFeedback = Annotated[Role, Depends(require(Role.BACKEND))]

_ERRORS = {
    401: {"model": Problem, "description": "Missing or invalid API key"},
    403: {"model": Problem, "description": "The key's role may not call this"},
    404: {"model": Problem, "description": "No such order or product"},
}
_RATEABLE = {OrderStatus.DELIVERED, OrderStatus.COMPLETED}
_CENT = Decimal("0.01")


@router.post("/orders/{order_id}/feedback", status_code=201,
             response_model=list[FeedbackPublic],
             responses={**_ERRORS,
                        409: {"model": Problem,
                              "description": "Not delivered yet, or already rated"},
                        422: {"model": Problem,
                              "description": "Invalid rating or SKU"}})
async def submit_feedback(order_id: str, body: FeedbackCreate, request: Request,
                          _: SubmitFeedback) -> list[FeedbackPublic]:
    """Store a customer's rating of a delivered order, once per order.

    `lines` rates single products; each SKU must be on the order.
    """
    state = await load_order(request.app, order_id)
    if state.status not in _RATEABLE:
        raise ApiProblem(409, "order_not_delivered",
                         f"order {order_id} is {state.status.value}; feedback "
                         "opens once it is delivered")
    _check_lines(state, body)

    now = datetime.now(timezone.utc)
    rows = [FeedbackResponse(order_id=order_id, rating=body.rating,
                             comment=body.comment, at=now)]
    rows += [
        FeedbackResponse(order_id=order_id, sku=line.sku, rating=line.rating,
                         comment=line.comment, at=now)
        for line in body.lines
    ]
    with Session(request.app.state.engine) as session:
        _reject_second_feedback(session, order_id)
        session.add_all(rows)
        try:
            session.commit()
        except IntegrityError:
            # A concurrent submission for the same order committed first.
            session.rollback()
            _reject_second_feedback(session, order_id)
            raise
        for row in rows:
            session.refresh(row)

    log.info("feedback_received", order_id=order_id, rating=body.rating,
             line_ratings=len(body.lines))
    return [_public(row) for row in rows]


@router.get("/orders/{order_id}/feedback", response_model=list[FeedbackPublic],
            responses=_ERRORS)
async def list_order_feedback(order_id: str, request: Request,
                              _: ReadOrders) -> list[FeedbackPublic]:
    """List an order's ratings: the whole order first, then its lines."""
    with Session(request.app.state.engine) as session:
        rows = session.exec(
            select(FeedbackResponse).where(FeedbackResponse.order_id == order_id)
            .order_by(FeedbackResponse.id)
        ).all()
    if not rows:
        # An unrated order is an empty list; an unknown order is 404.
        await load_order(request.app, order_id)
    return [_public(row) for row in rows]


@router.get("/feedback/products/{sku}", response_model=ProductFeedback,
            responses=_ERRORS)
def product_feedback(sku: str, request: Request, _: ReadOrders,
                     comments: int = Query(10, ge=0, le=100,
                                           description="Recent comments to return.")
                     ) -> ProductFeedback:
    """Summarize a product's line ratings: count, average, recent comments."""
    with Session(request.app.state.engine) as session:
        if session.get(Product, sku) is None:
            raise ApiProblem(404, "product_not_found",
                             f"product {sku} is not in the catalog")
        count, total = session.exec(
            select(func.count(), func.coalesce(func.sum(FeedbackResponse.rating), 0))
            .where(FeedbackResponse.sku == sku)
        ).one()
        recent = session.exec(
            select(FeedbackResponse)
            .where(FeedbackResponse.sku == sku, FeedbackResponse.comment != "")
            .order_by(FeedbackResponse.at.desc(), FeedbackResponse.id.desc())
            .limit(comments)
        ).all()

    average = None
    if count:
        average = (Decimal(total) / Decimal(count)).quantize(_CENT, ROUND_HALF_UP)
    return ProductFeedback(
        sku=sku, count=count, average_rating=average,
        recent_comments=[
            ProductComment(order_id=row.order_id, rating=row.rating,
                           comment=row.comment, at=_utc(row.at))
            for row in recent
        ],
    )


def _check_lines(state: OrderState, body: FeedbackCreate) -> None:
    ordered = {line.sku for line in state.requested_lines}
    errors = []
    seen = set()
    for index, line in enumerate(body.lines):
        if line.sku not in ordered:
            errors.append(field_error(
                f"lines[{index}].sku", f"{line.sku} is not on order {state.order_id}",
                f"rate only these SKUs: {', '.join(sorted(ordered))}"))
        elif line.sku in seen:
            errors.append(field_error(
                f"lines[{index}].sku", f"{line.sku} is rated twice",
                "send one rating per SKU"))
        seen.add(line.sku)
    if errors:
        fields = ", ".join(error["field"] for error in errors)
        raise ApiProblem(422, "validation_failed", f"invalid fields: {fields}", errors)


def _reject_second_feedback(session: Session, order_id: str) -> None:
    existing = session.exec(
        select(FeedbackResponse).where(FeedbackResponse.order_id == order_id,
                                       FeedbackResponse.sku.is_(None))
    ).first()
    if existing is not None:
        raise ApiProblem(409, "feedback_already_submitted",
                         f"order {order_id} was already rated at "
                         f"{_utc(existing.at).isoformat()}; each order is rated once")


def _utc(moment: datetime) -> datetime:
    """Attach UTC to timestamps that SQLite returns without a zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _public(row: FeedbackResponse) -> FeedbackPublic:
    return FeedbackPublic(order_id=row.order_id, sku=row.sku, rating=row.rating,
                          comment=row.comment, at=_utc(row.at))
