"""Support cases and their messages. Only the API imports this module."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from models.tables import utc_now


class CaseStatus(StrEnum):
    """Stage of a support case."""

    OPEN = "open"
    """Support staff are working on it."""
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    """Staff asked the customer something and wait for the reply."""
    RESOLVED = "resolved"
    """Staff consider it solved; the customer may still reopen it."""
    CLOSED = "closed"
    """Finished for good; it takes no more messages or changes."""


# Statuses each status may move to. A closed case stays closed.
CASE_TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.OPEN: frozenset(
        {CaseStatus.WAITING_ON_CUSTOMER, CaseStatus.RESOLVED, CaseStatus.CLOSED}
    ),
    CaseStatus.WAITING_ON_CUSTOMER: frozenset(
        {CaseStatus.OPEN, CaseStatus.RESOLVED, CaseStatus.CLOSED}
    ),
    CaseStatus.RESOLVED: frozenset({CaseStatus.OPEN, CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset(),
}


class CaseOpener(StrEnum):
    """Party that opened a case."""

    STAFF = "staff"
    CUSTOMER = "customer"


class SupportCase(SQLModel, table=True):
    __tablename__ = "support_cases"

    id: int | None = Field(default=None, primary_key=True)
    order_id: str = Field(index=True, max_length=64)
    opened_by: str = Field(description="A `CaseOpener` value.")
    subject: str = Field(max_length=200)
    status: str = Field(CaseStatus.OPEN.value, description="A `CaseStatus` value.")
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)


class CaseMessage(SQLModel, table=True):
    __tablename__ = "case_messages"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(index=True, foreign_key="support_cases.id")
    author: str = Field(max_length=200)
    body: str
    at: datetime = Field(default_factory=utc_now)
