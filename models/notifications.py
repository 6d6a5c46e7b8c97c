"""Table of order e-mails, one row per idempotency key. Only activities
and the API import this module."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.tables import utc_now


class NotificationRecord(SQLModel, table=True):
    """One e-mail claimed for sending, and when the SMTP server accepted it.

    A row with `sent_at` empty is a send in progress, or one whose
    process stopped between the SMTP call and the update.
    """

    __tablename__ = "notifications"

    idempotency_key: str = Field(primary_key=True, max_length=200)
    order_id: str = Field(index=True)
    kind: str
    to_email: str
    subject: str
    message_id: str = Field(description="The Message-ID header that was sent.")
    claimed_at: datetime = Field(default_factory=utc_now)
    sent_at: datetime | None = None
