"""Parcel, rate and ETA planning for the ship activity.

The tables here describe the built-in simulated carrier. A real
integration supplies its own rate tables through the same rules in
`domain.shipping`.
"""

from datetime import datetime, time
from decimal import Decimal

from domain.shipping.boxes import Box, Dimensions, Package, PackItem, choose_box
from domain.shipping.eta import (
    BusinessCalendar,
    Eta,
    end_of_local_day,
    eta_after_event,
)
from domain.shipping.rates import (
    Parcel,
    RateChoice,
    RateTable,
    ServiceLevel,
    Shipment,
    WeightBand,
    ZoneChart,
    shop_rates,
)
from models.payloads import Address, ShipmentInfo

D = Decimal

# Item size and weight by catalog category, until products carry their own.
ITEM_BY_CATEGORY = {
    "Furniture": (Dimensions(D(60), D(50), D(40)), D("12")),
    "Technology": (Dimensions(D(30), D(20), D(10)), D("1.5")),
    "Office Supplies": (Dimensions(D(20), D(15), D(5)), D("0.5")),
}
DEFAULT_ITEM = (Dimensions(D(20), D(15), D(10)), D("1"))

BOXES = [
    Box("S", Dimensions(D(25), D(20), D(10)), Dimensions(D(27), D(22), D(12)), D("0.2"), D(10)),
    Box("M", Dimensions(D(40), D(30), D(25)), Dimensions(D(42), D(32), D(27)), D("0.4"), D(25)),
    Box("L", Dimensions(D(60), D(50), D(40)), Dimensions(D(62), D(52), D(42)), D("0.8"), D(40)),
    Box("XL", Dimensions(D(120), D(80), D(80)), Dimensions(D(122), D(82), D(82)), D("3"), D(150)),
    Box("PALLET", Dimensions(D(240), D(120), D(150)), Dimensions(D(240), D(120), D(165)), D(25), D(1000)),
]

_US_REGIONS = [str(digit) for digit in range(10)]
_CA_REGIONS = list("ABCEGHJKLMNPRSTVXY")


def _zone_chart() -> ZoneChart:
    """Zones by the first character of the postal code: US ZIP digits
    0 (north-east) to 9 (west) grow one zone per digit apart, and any
    pair with a Canadian region is zone 8."""
    zones = {}
    for origin in _US_REGIONS + _CA_REGIONS:
        for destination in _US_REGIONS + _CA_REGIONS:
            if origin.isdigit() and destination.isdigit():
                zones[(origin, destination)] = 1 + min(abs(int(origin) - int(destination)), 7)
            else:
                zones[(origin, destination)] = 1 if origin == destination else 8
    return ZoneChart(zones, region_digits=1)


def _table(service: str, level: ServiceLevel, base: Decimal, per_zone: Decimal,
           transit: dict[int, int], cutoff: time) -> RateTable:
    bands = []
    for max_kg, factor in ((D(1), D(1)), (D(5), D("1.6")), (D(20), D("2.8")), (D(70), D(6))):
        bands.append(WeightBand(max_kg, {
            zone: ((base + per_zone * zone) * factor).quantize(D("0.01"))
            for zone in transit
        }))
    return RateTable(
        carrier="simcarrier", service=service, level=level, currency="USD",
        zones=_zone_chart(), bands=bands, transit_days_by_zone=transit,
        cutoff=cutoff, extra_per_kg=D("1.10"),
    )


RATE_TABLES = [
    _table("ground", ServiceLevel.GROUND, D("5.50"), D("0.90"),
           {zone: min(1 + zone // 2, 5) for zone in range(1, 9)}, time(17, 0)),
    _table("two_day", ServiceLevel.EXPRESS, D("11.00"), D("1.40"),
           {zone: 2 for zone in range(1, 9)}, time(16, 0)),
    _table("express", ServiceLevel.EXPRESS, D("18.00"), D("2.10"),
           {zone: 1 for zone in range(1, 9)}, time(15, 0)),
    _table("same_day", ServiceLevel.SAME_DAY, D("25.00"), D("4.00"),
           {1: 0}, time(11, 0)),
]

# Business days promised per Superstore ship mode.
PROMISED_DAYS = {"same day": 0, "first class": 2, "second class": 3}
DEFAULT_PROMISED_DAYS = 5

_PACIFIC = {"California", "Washington", "Oregon", "Nevada", "British Columbia"}
_MOUNTAIN = {"Arizona", "Colorado", "Utah", "New Mexico", "Idaho", "Montana",
             "Wyoming", "Alberta"}
_EASTERN = {"New York", "Pennsylvania", "Ohio", "Florida", "Georgia", "Michigan",
            "Virginia", "North Carolina", "South Carolina", "Massachusetts",
            "New Jersey", "Maryland", "Connecticut", "Delaware", "Rhode Island",
            "New Hampshire", "Vermont", "Maine", "West Virginia", "Kentucky",
            "Indiana", "District of Columbia", "Ontario", "Quebec"}
_ATLANTIC = {"New Brunswick", "Nova Scotia", "Prince Edward Island"}


def destination_timezone(address: Address) -> str:
    """Return the IANA zone of a US state or Canadian province."""
    region = address.region
    if region in _PACIFIC:
        return "America/Los_Angeles"
    if region in _MOUNTAIN:
        return "America/Phoenix" if region == "Arizona" else "America/Denver"
    if region in _EASTERN:
        return "America/New_York"
    if region in _ATLANTIC:
        return "America/Halifax"
    return "America/Chicago"


def pack_items(lines: list[tuple[str, int, str]]) -> Package:
    """Choose a box for (sku, quantity, category) lines."""
    items = []
    for sku, quantity, category in lines:
        dimensions, weight = ITEM_BY_CATEGORY.get(category, DEFAULT_ITEM)
        items.append(PackItem(sku, quantity, dimensions, weight))
    return choose_box(items, BOXES)


def promised_by(ship_mode: str, ship_at: datetime, calendar: BusinessCalendar) -> datetime:
    days = PROMISED_DAYS.get(ship_mode.lower(), DEFAULT_PROMISED_DAYS)
    start = ship_at.astimezone(calendar.zone).date()
    return end_of_local_day(calendar.add_business_days(start, days), calendar)


def shop(package: Package, origin_postal: str, origin_zone: str, address: Address,
         ship_mode: str, ship_at: datetime) -> RateChoice:
    """Pick the cheapest service that meets the promise for this parcel."""
    origin = BusinessCalendar(origin_zone)
    destination = BusinessCalendar(destination_timezone(address))
    dims = package.dimensions
    shipment = Shipment(
        parcel=Parcel(package.weight_kg, dims.length_cm, dims.width_cm, dims.height_cm),
        origin_postal=origin_postal,
        destination_postal=address.postal_code,
        ship_at=ship_at,
        promised_by=promised_by(ship_mode, ship_at, destination),
        origin=origin,
        destination=destination,
    )
    return shop_rates(RATE_TABLES, shipment)


def recompute_eta(info: ShipmentInfo, address: Address) -> datetime | None:
    """Apply the newest tracking event to the planned ETA."""
    if info.eta is None or not info.events:
        return info.eta
    destination = BusinessCalendar(destination_timezone(address))
    local = info.eta.astimezone(destination.zone)
    planned = Eta(pickup_date=info.shipped_at.date(), delivery_date=local.date(),
                  deliver_by=info.eta)
    return eta_after_event(planned, info.events[-1], destination)

