"""Search attributes that let operators find orders in the Temporal UI."""

from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

from models.status import OrderStatus

ORDER_STATUS = SearchAttributeKey.for_keyword("OrderStatus")
ORDER_CHANNEL = SearchAttributeKey.for_keyword("OrderChannel")
CUSTOMER_ID = SearchAttributeKey.for_keyword("CustomerId")

ALL_KEYS = (ORDER_STATUS, ORDER_CHANNEL, CUSTOMER_ID)


def at_start(channel: str, customer_id: str) -> TypedSearchAttributes:
    """Return the attributes a new order starts with. The caller that
    starts the workflow sets them, so the workflow need not upsert them."""
    return TypedSearchAttributes([
        SearchAttributePair(ORDER_STATUS, OrderStatus.RECEIVED.value),
        SearchAttributePair(ORDER_CHANNEL, channel),
        SearchAttributePair(CUSTOMER_ID, customer_id),
    ])
