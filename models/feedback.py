"""Customer ratings of orders and products. Only the API imports this
module."""

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from models.tables import utc_now


class FeedbackResponse(SQLModel, table=True):
    """One rating: of the whole order when `sku` is empty, else of one line."""

    __tablename__ = "feedback_responses"
    # One order rating per order, and one rating per line. The partial
    # index is needed because a unique constraint treats NULL skus as
    # distinct.
    __table_args__ = (
        UniqueConstraint("order_id", "sku"),
        Index(
            "feedback_one_order_rating", "order_id", unique=True,
            sqlite_where=text("sku IS NULL"), postgresql_where=text("sku IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    order_id: str = Field(index=True, max_length=64)
    sku: str | None = Field(default=None, index=True, max_length=64)
    rating: int = Field(ge=1, le=5)
    comment: str = ""
    at: datetime = Field(default_factory=utc_now, index=True)
