"""Errors external systems raise, split by whether a retry can help.

    IntegrationError
    ├── PermanentError          retrying cannot help; the order fails
    │   ├── PaymentDeclinedError
    │   └── AddressInvalidError
    └── TransientError          a retry may succeed (timeouts, lost responses)
"""


class IntegrationError(Exception):
    pass


class PermanentError(IntegrationError):
    pass


class PaymentDeclinedError(PermanentError):
    pass


class AddressInvalidError(PermanentError):
    pass


class TransientError(IntegrationError):
    pass
