"""Search attributes that let operators find orders in the Temporal UI."""

from temporalio.common import SearchAttributeKey

ORDER_STATUS = SearchAttributeKey.for_keyword("OrderStatus")
ORDER_CHANNEL = SearchAttributeKey.for_keyword("OrderChannel")
CUSTOMER_ID = SearchAttributeKey.for_keyword("CustomerId")

ALL_KEYS = (ORDER_STATUS, ORDER_CHANNEL, CUSTOMER_ID)
