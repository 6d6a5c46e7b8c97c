"""Request and response schemas of the HTTP API."""

from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, Field, field_validator

from models.payloads import Address
from models.status import OrderStatus


class Channel(StrEnum):
    """Sales channel an order came from."""

    API = "api"
    WEB = "web"
    MARKETPLACE = "marketplace"
    POS = "pos"
    IMPORT = "import"


class AddressCreate(BaseModel):
    """Shipping address; the carrier needs city, postal code and country."""

    name: str = Field("", max_length=200, examples=["Darren Powers"])
    line1: str = Field("", max_length=200, examples=["12 Main Street"])
    city: str = Field(min_length=1, max_length=100, examples=["Houston"])
    region: str = Field("", max_length=100, examples=["Texas"])
    postal_code: str = Field(min_length=1, max_length=20, examples=["77095"])
    country: str = Field("US", pattern=r"^[A-Z]{2}$",
                         description="ISO 3166-1 alpha-2 code.", examples=["US"])


class OrderLineCreate(BaseModel):
    sku: str = Field(min_length=1, max_length=64, examples=["OFF-PA-10000174"])
    quantity: int = Field(gt=0, le=10_000, examples=[2])


class OrderCreate(BaseModel):
    """A new order as a sales channel submits it."""

    order_id: str | None = Field(
        None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
        description="Your order number; generated when left out.",
        examples=["US-2019-103800"],
    )
    channel: Channel = Channel.API
    customer_id: str = Field(min_length=1, max_length=64, examples=["DP-13000"])
    customer_name: str = Field("", max_length=200, examples=["Darren Powers"])
    customer_email: str = Field(
        "", max_length=254, pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$",
        description="Where order e-mails go; none are sent when empty.",
        examples=["darren.powers@example.com"],
    )
    customer_group: str = Field("default", max_length=64)
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$", examples=["USD"])
    lines: list[OrderLineCreate] = Field(min_length=1, max_length=500)
    shipping_address: AddressCreate
    ship_mode: str = Field("standard", max_length=40, examples=["Standard Class"])
    payment_token: str = Field(
        min_length=1, max_length=200,
        description="Card token from the payment provider.",
        examples=["tok_visa"],
    )
    placed_at: AwareDatetime | None = Field(
        None, description="When the customer placed the order; defaults to now."
    )

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        from domain.money import MINOR_UNITS

        if value not in MINOR_UNITS:
            raise ValueError(
                f"currency {value} is not supported; use an ISO 4217 code such "
                "as USD, EUR, JPY or KWD"
            )
        return value


class OrderCreated(BaseModel):
    id: str
    workflow_id: str
    status: OrderStatus


class OrderSummary(BaseModel):
    id: str
    status: OrderStatus
    channel: str
    customer_id: str
    currency: str
    total: str | None
    placed_at: datetime
    updated_at: datetime


class OrderPage(BaseModel):
    items: list[OrderSummary]
    total: int
    page: int
    page_size: int


class HistoryEvent(BaseModel):
    event_id: int
    time: datetime
    event: str
    activity: str | None = None
    attempt: int | None = None
    failure: str | None = None
    detail: str | None = None


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict] = Field(
        default_factory=list,
        description="One entry per invalid field: field, message and fix.",
    )
