"""Money arithmetic in `Decimal`, rounded to each currency's minor unit.

Rounding mode: half up (ROUND_HALF_UP), applied once per amount shown to a
customer (a line total, a discount, a tax amount), never to
intermediate products. 5 x 2.057 EUR therefore totals 10.29.
"""

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor units of the currencies this system accepts.
MINOR_UNITS: dict[str, int] = {
    "USD": 2, "CAD": 2, "EUR": 2, "GBP": 2, "CHF": 2, "AUD": 2, "SEK": 2,
    "DKK": 2, "NOK": 2, "PLN": 2, "CZK": 2, "MXN": 2, "BRL": 2, "CNY": 2,
    "INR": 2, "SGD": 2, "HKD": 2, "NZD": 2, "ZAR": 2,
    "JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "VND": 0,
    "KWD": 3, "BHD": 3, "JOD": 3, "OMR": 3, "TND": 3, "LYD": 3, "IQD": 3,
}

ROUNDING = ROUND_HALF_UP


class UnknownCurrencyError(ValueError):
    pass


def minor_unit(currency: str) -> int:
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise UnknownCurrencyError(
            f"currency {currency!r} is not supported; use one of "
            f"{', '.join(sorted(MINOR_UNITS))}"
        ) from None


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_unit(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round to the currency's minor unit with the one rounding mode."""
    return amount.quantize(quantum(currency), rounding=ROUNDING)


def to_minor_units(amount: Decimal, currency: str) -> int:
    """Convert a rounded amount to the integer a payment provider expects."""
    rounded = round_money(amount, currency)
    if rounded != amount:
        raise ValueError(
            f"{amount} {currency} has more decimals than the currency allows; "
            "round it before sending it to a provider"
        )
    return int(rounded.scaleb(minor_unit(currency)))


def from_minor_units(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-minor_unit(currency))


def allocate(total: Decimal, weights: list[Decimal], currency: str) -> list[Decimal]:
    """Split `total` across `weights` by the largest-remainder method.

    Each share is floored to the currency's minor unit, then the minor
    units left over go one each to the shares with the largest remainders
    (ties to the earlier share), so the shares always add up to `total`
    exactly. Zero weights get zero unless every weight is zero, in which
    case the split is even.
    """
    if not weights:
        raise ValueError("weights must not be empty")
    if any(weight < 0 for weight in weights):
        raise ValueError("weights must not be negative")
    if total < 0:
        return [-share for share in allocate(-total, weights, currency)]
    scale = minor_unit(currency)
    units = int(round_money(total, currency).scaleb(scale))
    weight_sum = sum(weights, Decimal(0))
    if weight_sum == 0:
        weights = [Decimal(1)] * len(weights)
        weight_sum = Decimal(len(weights))

    exact = [Decimal(units) * weight / weight_sum for weight in weights]
    floors = [int(share // 1) for share in exact]
    leftover = units - sum(floors)
    by_remainder = sorted(
        range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i)
    )
    for index in by_remainder[:leftover]:
        floors[index] += 1
    return [Decimal(share).scaleb(-scale) for share in floors]
