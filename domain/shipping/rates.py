"""Carrier rate tables and rate shopping.

A rate table prices one carrier service by zone and weight band. The
zone comes from a zone chart keyed by the postal regions of origin and
destination. The weight is the billable weight, the larger of the
actual and the dimensional weight.

Dimensional weight is length x width x height in centimetres divided
by the table's divisor in cm³ per kg. The default, 5000 cm³/kg, is the
metric form of the 139 in³/lb that US parcel carriers publish
(139 in³/lb is 5022 cm³/kg); IATA air freight uses 6000 cm³/kg. Each
table sets its own divisor, since carriers change it by contract.
"""

from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import ROUND_CEILING, Decimal
from enum import StrEnum

from domain.money import round_money
from domain.shipping.eta import BusinessCalendar, Eta, estimate_delivery

DEFAULT_DIM_DIVISOR = Decimal(5000)


class ServiceLevel(StrEnum):
    """Speed class of a carrier service, slowest first."""

    GROUND = "ground"
    """Road network, several business days."""
    EXPRESS = "express"
    """Air network, one or two business days."""
    SAME_DAY = "same_day"
    """Collected and delivered on the same business day."""


class NoRateError(ValueError):
    """A table has no price for this zone or weight."""


class NoServiceError(ValueError):
    """No rate table could price the parcel at all."""


@dataclass(frozen=True)
class ZoneChart:
    """Zones by the pair of postal regions, read in either direction.

    The region of a postal code is its first `region_digits` characters,
    as with the three-digit prefix of a US ZIP code.
    """

    zones: dict[tuple[str, str], int]
    region_digits: int = 3

    def region(self, postal_code: str) -> str:
        cleaned = postal_code.strip().upper()
        if len(cleaned) < self.region_digits:
            raise NoRateError(
                f"postal code {postal_code!r} is shorter than the "
                f"{self.region_digits} characters of a postal region"
            )
        return cleaned[: self.region_digits]

    def zone(self, origin_postal: str, destination_postal: str) -> int:
        origin = self.region(origin_postal)
        destination = self.region(destination_postal)
        for key in ((origin, destination), (destination, origin)):
            if key in self.zones:
                return self.zones[key]
        raise NoRateError(
            f"no zone from region {origin} to region {destination}; "
            "add the pair to the zone chart"
        )


@dataclass(frozen=True)
class WeightBand:
    """Prices for parcels up to `max_kg` billable weight, by zone."""

    max_kg: Decimal
    price_by_zone: dict[int, Decimal]


@dataclass(frozen=True)
class Parcel:
    weight_kg: Decimal
    length_cm: Decimal
    width_cm: Decimal
    height_cm: Decimal

    @property
    def volume_cm3(self) -> Decimal:
        return self.length_cm * self.width_cm * self.height_cm


@dataclass(frozen=True)
class RateTable:
    """Prices, transit times and pickup cut-off of one carrier service.

    `bands` must be sorted by `max_kg`. A billable weight above the last
    band is priced at the last band plus `extra_per_kg` for each started
    kilogram over it, or rejected when `extra_per_kg` is None.
    `cutoff` is the latest local time at the origin for that day's pickup.
    """

    carrier: str
    service: str
    level: ServiceLevel
    currency: str
    zones: ZoneChart
    bands: list[WeightBand]
    transit_days_by_zone: dict[int, int]
    cutoff: time
    dim_divisor: Decimal = DEFAULT_DIM_DIVISOR
    weight_increment_kg: Decimal = Decimal("0.5")
    extra_per_kg: Decimal | None = None

    def dimensional_weight(self, parcel: Parcel) -> Decimal:
        return parcel.volume_cm3 / self.dim_divisor

    def billable_weight(self, parcel: Parcel) -> Decimal:
        """Round the larger of actual and dimensional weight up to the increment."""
        heavier = max(parcel.weight_kg, self.dimensional_weight(parcel))
        steps = (heavier / self.weight_increment_kg).to_integral_value(ROUND_CEILING)
        return steps * self.weight_increment_kg

    def price(self, zone: int, billable_kg: Decimal) -> Decimal:
        for band in self.bands:
            if billable_kg <= band.max_kg:
                return self._band_price(band, zone)

        last = self.bands[-1]
        if self.extra_per_kg is None:
            raise NoRateError(
                f"{self.carrier} {self.service} takes at most {last.max_kg} kg "
                f"billable weight, the parcel has {billable_kg} kg"
            )
        extra_kg = (billable_kg - last.max_kg).to_integral_value(ROUND_CEILING)
        price = self._band_price(last, zone) + extra_kg * self.extra_per_kg
        return round_money(price, self.currency)

    def transit_days(self, zone: int) -> int:
        if zone not in self.transit_days_by_zone:
            raise NoRateError(
                f"{self.carrier} {self.service} has no transit time for zone {zone}"
            )
        return self.transit_days_by_zone[zone]

    def _band_price(self, band: WeightBand, zone: int) -> Decimal:
        if zone not in band.price_by_zone:
            raise NoRateError(
                f"{self.carrier} {self.service} does not serve zone {zone}"
            )
        return band.price_by_zone[zone]


@dataclass(frozen=True)
class Quote:
    carrier: str
    service: str
    level: ServiceLevel
    zone: int
    billable_kg: Decimal
    price: Decimal
    currency: str
    eta: Eta
    meets_promise: bool


@dataclass(frozen=True)
class RateChoice:
    """The chosen quote, why it won, and every quote it was chosen from."""

    quote: Quote
    reason: str
    quotes: list[Quote] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)
    """Reason each table could not quote, keyed by `carrier/service`."""


@dataclass(frozen=True)
class Shipment:
    """Parcel, route, ship time and promised date of one shipment."""

    parcel: Parcel
    origin_postal: str
    destination_postal: str
    ship_at: datetime
    promised_by: datetime
    origin: BusinessCalendar
    destination: BusinessCalendar


def quote(table: RateTable, shipment: Shipment) -> Quote:
    """Price and time one service for one shipment, or raise `NoRateError`."""
    zone = table.zones.zone(shipment.origin_postal, shipment.destination_postal)
    billable = table.billable_weight(shipment.parcel)
    price = table.price(zone, billable)
    eta = estimate_delivery(
        shipment.ship_at,
        table.cutoff,
        table.transit_days(zone),
        shipment.origin,
        shipment.destination,
    )
    return Quote(
        carrier=table.carrier,
        service=table.service,
        level=table.level,
        zone=zone,
        billable_kg=billable,
        price=price,
        currency=table.currency,
        eta=eta,
        meets_promise=eta.deliver_by <= shipment.promised_by,
    )


def shop_rates(tables: list[RateTable], shipment: Shipment) -> RateChoice:
    """Choose the cheapest service whose estimate meets the promised date.

    Ties on price go to the earlier estimate, then to carrier and service
    name, so the same input always gives the same choice. When no
    service meets the promise, the fastest one is chosen, because a late
    parcel is better than none, and the reason states the missed promise.
    Raises `NoServiceError` when no table can quote at all.
    """
    currencies = {table.currency for table in tables}
    if len(currencies) > 1:
        raise ValueError(
            f"rate tables mix currencies {sorted(currencies)}. Convert "
            "them to one currency before comparing prices"
        )

    quotes, unavailable = _collect_quotes(tables, shipment)
    if not quotes:
        reasons = "; ".join(f"{name}: {why}" for name, why in unavailable.items())
        raise NoServiceError(f"no service can carry this parcel ({reasons})")

    on_time = [candidate for candidate in quotes if candidate.meets_promise]
    promised = shipment.promised_by.astimezone(shipment.destination.zone)
    if on_time:
        chosen = min(on_time, key=_cheapest_first)
        reason = (
            f"cheapest of {len(on_time)} of {len(quotes)} quoted services "
            f"that deliver by {promised:%Y-%m-%d %H:%M %Z}: "
            f"{_describe(chosen)}"
        )
    else:
        chosen = min(quotes, key=_fastest_first)
        reason = (
            f"no quoted service delivers by {promised:%Y-%m-%d %H:%M %Z}; "
            f"fastest chosen: {_describe(chosen)}"
        )
    return RateChoice(
        quote=chosen, reason=reason, quotes=quotes, unavailable=unavailable
    )


def _collect_quotes(
    tables: list[RateTable], shipment: Shipment
) -> tuple[list[Quote], dict[str, str]]:
    quotes = []
    unavailable = {}
    for table in tables:
        try:
            quotes.append(quote(table, shipment))
        except NoRateError as error:
            unavailable[f"{table.carrier}/{table.service}"] = str(error)
    return quotes, unavailable


def _cheapest_first(candidate: Quote) -> tuple:
    return (
        candidate.price,
        candidate.eta.deliver_by,
        candidate.carrier,
        candidate.service,
    )


def _fastest_first(candidate: Quote) -> tuple:
    return (
        candidate.eta.deliver_by,
        candidate.price,
        candidate.carrier,
        candidate.service,
    )


def _describe(candidate: Quote) -> str:
    return (
        f"{candidate.carrier} {candidate.service} at {candidate.price} "
        f"{candidate.currency}, zone {candidate.zone}, "
        f"{candidate.billable_kg} kg billable, "
        f"delivery {candidate.eta.delivery_date.isoformat()}"
    )
