"""Pydantic payloads that cross the workflow boundary.

Workflows, activities and the API exchange only these models (through
the SDK's pydantic data converter), never database tables. Each activity
takes one input model and returns one result model, so fields can be
added later without breaking running workflows: new fields need defaults.
"""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from models.status import (
    FailureReason,
    OrderStatus,
    PaymentStatus,
    ReturnStatus,
    ShipmentStatus,
)


class Address(BaseModel):
    name: str = ""
    line1: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = Field("US", description="ISO 3166-1 alpha-2 code.")


class OrderLineInput(BaseModel):
    sku: str
    quantity: int


class FollowUpPolicy(BaseModel):
    """Waits after shipping, fixed when the order starts."""

    tracking_poll_seconds: float = 2.0
    feedback_delay_seconds: float = 3.0
    return_window_seconds: float = 30 * 86400.0
    return_transit_seconds: float = Field(
        21 * 86400.0, description="How long a return parcel may take to arrive."
    )
    auto_approve_reasons: list[str] = ["damaged", "defective", "wrong_item"]
    history_event_limit: int = Field(
        10_000, description="Continue as new past this many history events."
    )
    reservation_ttl_seconds: float = Field(
        1800.0, description="Held orders not yet paid give their stock back after this."
    )
    backorder_deadline_seconds: float = Field(
        14 * 86400.0, description="A backorder waits this long, then goes on hold."
    )


class OrderInput(BaseModel):
    """Input of the order workflow, stored in its first history event."""

    order_id: str
    channel: str
    customer_id: str
    customer_name: str = ""
    customer_email: str = ""
    customer_group: str = "default"
    currency: str = "USD"
    lines: list[OrderLineInput]
    shipping_address: Address
    ship_mode: str = "standard"
    payment_token: str
    placed_at: datetime
    follow_up: FollowUpPolicy = FollowUpPolicy()
    carried_state: "OrderState | None" = Field(
        None, description="Set when the workflow continued as new after delivery."
    )


class PricedLine(BaseModel):
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal = Field(description="Unit price x quantity, before discounts.")
    price_source: str = Field(description="Which price list or rule set the price.")
    discount: Decimal = Field(Decimal(0), description="Line and order promotions.")
    tax: Decimal = Field(Decimal(0), description="Tax on the discounted amount.")

    @property
    def charged(self) -> Decimal:
        """What the customer pays for this line."""
        return self.line_total - self.discount + self.tax


class PlannedShipment(BaseModel):
    """Lines that one warehouse ships together, from allocation."""

    number: int
    warehouse_id: str
    lines: list[OrderLineInput]


class CapturedOrder(BaseModel):
    """Result of order capture: priced lines and reserved stock."""

    lines: list[PricedLine]
    currency: str
    subtotal: Decimal
    total: Decimal
    discount_total: Decimal = Decimal(0)
    tax_total: Decimal = Decimal(0)
    shipments: list[PlannedShipment] = []
    backordered_skus: list[str] = Field(
        [], description="SKUs to wait for; nothing is reserved while set."
    )


class PaymentRequest(BaseModel):
    order_id: str
    amount: Decimal
    currency: str
    payment_token: str = ""
    idempotency_key: str
    authorization_id: str = ""


class PaymentRecord(BaseModel):
    payment_id: str
    kind: str = Field(description="authorize, capture, void or refund.")
    status: PaymentStatus
    amount: Decimal
    currency: str
    idempotency_key: str
    at: datetime


class WarehouseRequest(BaseModel):
    order_id: str
    lines: list[PricedLine]
    step: str = Field(description="pick or pack.")
    warehouse_id: str = ""


class WarehouseResult(BaseModel):
    completed: bool = Field(
        description="False when staff must confirm the step through the API."
    )


class ShipRequest(BaseModel):
    order_id: str
    address: Address
    lines: list[PricedLine]
    ship_mode: str
    idempotency_key: str
    shipment_id: str = ""
    warehouse_id: str = ""


class TrackingEvent(BaseModel):
    tracking_number: str
    status: ShipmentStatus
    at: datetime
    location: str = ""


class ShipmentInfo(BaseModel):
    shipment_id: str
    carrier: str
    service: str
    tracking_number: str
    status: ShipmentStatus = ShipmentStatus.LABEL_CREATED
    shipped_at: datetime
    events: list[TrackingEvent] = []
    eta: datetime | None = None
    rate_reason: str = Field("", description="Why this carrier service won.")
    box_code: str = ""
    weight_kg: Decimal | None = None


class ShipmentRequest(BaseModel):
    """Input of one shipment's child workflow."""

    order_id: str
    parent_workflow_id: str
    number: int
    warehouse_id: str
    lines: list[PricedLine]
    address: Address
    ship_mode: str
    follow_up: FollowUpPolicy = FollowUpPolicy()
    on_hold: bool = False


class ShipmentState(BaseModel):
    """Live state of one shipment, as its workflow keeps it."""

    shipment_id: str
    number: int
    warehouse_id: str
    status: ShipmentStatus = ShipmentStatus.PENDING
    lines: list[PricedLine] = []
    info: ShipmentInfo | None = None
    cancel_reason: str | None = None
    leaving: bool = Field(False, description="Ship step started; no cancel now.")


class EtaRequest(BaseModel):
    shipment: ShipmentInfo
    warehouse_id: str
    address: Address


class TrackingRequest(BaseModel):
    order_id: str
    tracking_number: str


class TrackingResult(BaseModel):
    events: list[TrackingEvent]


class ReleaseStockRequest(BaseModel):
    order_id: str
    reason: str
    warehouse_id: str = Field("", description="Only this warehouse; empty for all.")


class FeedbackRequest(BaseModel):
    order_id: str
    customer_id: str


class TimelineEntry(BaseModel):
    at: datetime
    kind: str = Field(description="Snake-case event name, e.g. hold_placed.")
    message: str
    actor: str = "system"


class Hold(BaseModel):
    reason: str
    actor: str
    placed_at: datetime
    released_at: datetime | None = None
    released_by: str | None = None


class OperatorRequest(BaseModel):
    """Body of hold, release and cancel: why, and who asked."""

    reason: str = Field(min_length=1, max_length=500)
    actor: str = "operator"


class WarehouseConfirmation(BaseModel):
    step: str = Field(description="pick or pack.")
    actor: str = "warehouse"


class ReturnLine(BaseModel):
    sku: str
    quantity: int = Field(gt=0)
    reason: str = Field(min_length=1, max_length=200)


class ReturnCreate(BaseModel):
    """A customer's request to send lines back."""

    lines: list[ReturnLine] = Field(min_length=1)
    actor: str = "customer"


class ReturnInput(BaseModel):
    """Input of one return's child workflow."""

    order_id: str
    parent_workflow_id: str
    number: int
    lines: list[ReturnLine]
    warehouse_by_sku: dict[str, str]
    refund_amount: Decimal
    currency: str
    capture_payment_id: str
    auto_approve: bool
    address: Address
    transit_seconds: float = 21 * 86400.0


class ReturnDecision(BaseModel):
    approve: bool
    reason: str = Field("", max_length=500)
    actor: str = "support"


class ReturnInspection(BaseModel):
    restock: bool = Field(description="True puts the units back on the shelf.")
    note: str = Field("", max_length=500)
    actor: str = "warehouse"


class RestockRequest(BaseModel):
    order_id: str
    return_id: str
    lines: list[ReturnLine]
    warehouse_by_sku: dict[str, str]
    restock: bool


class ReturnState(BaseModel):
    return_id: str
    number: int
    status: "ReturnStatus"
    lines: list[ReturnLine]
    refund_amount: Decimal
    tracking_number: str | None = None
    refund: "PaymentRecord | None" = None
    note: str = ""


class OrderState(BaseModel):
    """Live state of one order, as its workflow keeps it."""

    order_id: str
    workflow_id: str
    status: OrderStatus
    channel: str
    customer_id: str
    customer_name: str = ""
    currency: str
    placed_at: datetime
    requested_lines: list[OrderLineInput]
    lines: list[PricedLine] = []
    subtotal: Decimal | None = None
    discount_total: Decimal | None = None
    tax_total: Decimal | None = None
    total: Decimal | None = None
    payments: list[PaymentRecord] = []
    shipments: list[ShipmentInfo] = []
    fulfillments: list[ShipmentState] = Field(
        [], description="One entry per shipment, from allocation to delivery."
    )
    holds: list[Hold] = []
    returns: list[ReturnState] = []
    backordered_skus: list[str] = []
    timeline: list[TimelineEntry] = []
    failure_reason: FailureReason | None = None
    failure_message: str | None = None
    cancel_reason: str | None = None
    stage_started_at: dict[str, datetime] = {}
    version: int = Field(0, description="Grows on every change; orders snapshots.")

    @property
    def active_hold(self) -> Hold | None:
        for hold in self.holds:
            if hold.released_at is None:
                return hold
        return None


class NotificationKind(StrEnum):
    """Kind of order e-mail; each kind has its own templates."""

    ORDER_CONFIRMED = "order_confirmed"
    ORDER_SHIPPED = "order_shipped"
    ORDER_DELIVERED = "order_delivered"
    RETURN_RECEIVED = "return_received"
    REFUND_ISSUED = "refund_issued"


class NotificationRequest(BaseModel):
    """One order e-mail, identified by its idempotency key."""

    kind: NotificationKind
    order_id: str
    to_email: str = Field(description="Recipient; empty sends nothing.")
    context: dict[str, str] = Field(
        {},
        description="Template values, e.g. customer_name, total, currency, "
        "carrier, tracking_number, amount.",
    )
    idempotency_key: str = Field(
        description="Derived from the workflow id and step, e.g. "
        "`<workflow id>/notify/order_shipped/1`.",
    )


OrderInput.model_rebuild()
ReturnState.model_rebuild()
