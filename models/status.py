"""The lists of statuses, each value with its one-line meaning."""

from enum import StrEnum


class OrderStatus(StrEnum):
    """Stage of an order in its life; the workflow owns the value."""

    RECEIVED = "received"
    """Captured: validated, priced, persisted and stock reserved."""
    PAYMENT = "payment"
    """Authorizing and capturing the payment."""
    PICKING = "picking"
    """Paid; the warehouse is picking the items."""
    PACKING = "packing"
    """Picked; the warehouse is packing the parcel."""
    SHIPPED = "shipped"
    """Handed to the carrier with a tracking number."""
    DELIVERED = "delivered"
    """The carrier reported delivery; follow-up is running."""
    COMPLETED = "completed"
    """Feedback requested and the return window closed."""
    CANCELLED = "cancelled"
    """Cancelled by an operator before shipping; compensated."""
    FAILED = "failed"
    """Ended by an error that retrying cannot fix; compensated."""

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_ORDER_STATUSES


TERMINAL_ORDER_STATUSES = frozenset(
    {OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.FAILED}
)

# Stages in the order the workflow runs them.
ORDER_STAGES = (
    OrderStatus.RECEIVED,
    OrderStatus.PAYMENT,
    OrderStatus.PICKING,
    OrderStatus.PACKING,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.COMPLETED,
)


class PaymentStatus(StrEnum):
    """State of one payment intent at the provider."""

    AUTHORIZED = "authorized"
    """Funds reserved on the card, nothing taken yet."""
    CAPTURED = "captured"
    """Funds taken."""
    VOIDED = "voided"
    """Authorization released without capture."""
    REFUNDED = "refunded"
    """Captured funds returned in full."""
    DECLINED = "declined"
    """The provider rejected the card."""


class ShipmentStatus(StrEnum):
    """State of one parcel, in the order it moves forward."""

    PENDING = "pending"
    """Allocated to a warehouse, waiting to be picked."""
    PICKED = "picked"
    """Picked from the shelves."""
    PACKED = "packed"
    """Packed in its box, waiting for the carrier."""
    LABEL_CREATED = "label_created"
    """The carrier issued a tracking number."""
    IN_TRANSIT = "in_transit"
    """The carrier has the parcel."""
    OUT_FOR_DELIVERY = "out_for_delivery"
    """On the last vehicle to the customer."""
    DELIVERED = "delivered"
    """Handed to the customer."""
    CANCELLED = "cancelled"
    """Cancelled before it left the warehouse; its stock went back."""


class ReturnStatus(StrEnum):
    """State of one return, from the customer's request to the refund."""

    REQUESTED = "requested"
    """Waiting for staff to approve or reject it."""
    APPROVED = "approved"
    """Accepted, by policy or by staff."""
    REJECTED = "rejected"
    """Declined by staff; nothing is refunded."""
    LABEL_CREATED = "label_created"
    """A prepaid return label was issued to the customer."""
    RECEIVED = "received"
    """The parcel arrived back at the warehouse."""
    RESTOCKED = "restocked"
    """Inspected and put back on the shelf."""
    WRITTEN_OFF = "written_off"
    """Inspected and found unsellable."""
    REFUNDED = "refunded"
    """The returned lines' share was refunded."""
    EXPIRED = "expired"
    """The parcel never arrived within the allowed time."""


class FailureReason(StrEnum):
    """Reason an order ended in `failed`; each is final, so no retry helps."""

    PAYMENT_DECLINED = "payment_declined"
    ADDRESS_INVALID = "address_invalid"
    ITEM_DISCONTINUED = "item_discontinued"
    OUT_OF_STOCK = "out_of_stock"
    UNKNOWN_SKU = "unknown_sku"
    INTERNAL_ERROR = "internal_error"
