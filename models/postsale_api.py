"""Request and response schemas of the support, feedback and carrier
event endpoints."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from models.api import HistoryEvent
from models.payloads import TimelineEntry
from models.support import CaseOpener, CaseStatus


class CaseCreate(BaseModel):
    """A new support case about an order, with its first message."""

    subject: str = Field(min_length=1, max_length=200,
                         examples=["Parcel arrived damaged"])
    message: str = Field(min_length=1, max_length=10_000,
                         examples=["The box was crushed and the phone is cracked."])
    opened_by: CaseOpener = CaseOpener.STAFF
    author: str = Field("support", min_length=1, max_length=200,
                        description="Who wrote the first message.")


class CaseMessageCreate(BaseModel):
    author: str = Field(min_length=1, max_length=200, examples=["jane@support"])
    body: str = Field(min_length=1, max_length=10_000)


class CaseStatusChange(BaseModel):
    status: CaseStatus
    actor: str = Field("support", min_length=1, max_length=200)


class CasePublic(BaseModel):
    id: int
    order_id: str
    opened_by: CaseOpener
    subject: str
    status: CaseStatus
    created_at: datetime
    updated_at: datetime


class CaseMessagePublic(BaseModel):
    id: int
    author: str
    body: str
    at: datetime


class CaseDetail(BaseModel):
    """A case with its messages, beside its order's timeline and history."""

    case: CasePublic
    messages: list[CaseMessagePublic]
    order_timeline: list[TimelineEntry] = Field(
        description="From the order projection; empty until the order is captured."
    )
    order_history: list[HistoryEvent] = Field(
        description="The order workflow's readable Temporal event history."
    )
    history_error: str | None = Field(
        None, description="Why `order_history` is empty, when it could not be read."
    )


class LineFeedbackCreate(BaseModel):
    sku: str = Field(min_length=1, max_length=64, examples=["OFF-PA-10000174"])
    rating: int = Field(ge=1, le=5, examples=[4])
    comment: str = Field("", max_length=2000)


class FeedbackCreate(BaseModel):
    """A customer's rating of a delivered order and, optionally, its lines."""

    rating: int = Field(ge=1, le=5, examples=[5])
    comment: str = Field("", max_length=2000, examples=["Fast delivery."])
    lines: list[LineFeedbackCreate] = Field([], max_length=500)


class FeedbackPublic(BaseModel):
    order_id: str
    sku: str | None = Field(description="Empty for the rating of the whole order.")
    rating: int
    comment: str
    at: datetime


class ProductComment(BaseModel):
    order_id: str
    rating: int
    comment: str
    at: datetime


class ProductFeedback(BaseModel):
    sku: str
    count: int
    average_rating: Decimal | None = Field(
        description="Mean of the line ratings, rounded half up to 2 places; "
        "empty when there are none.",
        examples=["4.50"],
    )
    recent_comments: list[ProductComment] = Field(
        description="Newest non-empty comments first."
    )


class EventOutcome(StrEnum):
    """Result of passing one carrier event to its order's workflow."""

    SIGNALED = "signaled"
    """Sent to the order's workflow."""
    DUPLICATE = "duplicate"
    """Already sent before; nothing was done."""
    ORDER_CLOSED = "order_closed"
    """The order's workflow has finished, so the event was dropped."""


class CarrierEventResult(BaseModel):
    tracking_number: str
    event_id: str
    order_id: str
    outcome: EventOutcome


class CarrierEventsAccepted(BaseModel):
    results: list[CarrierEventResult]
