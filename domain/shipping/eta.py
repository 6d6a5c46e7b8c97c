"""Delivery estimates from ship time, pickup cut-off and transit business days.

All date arithmetic happens on local calendar dates, and a time zone is
attached only at the end with `zoneinfo`. Adding hours to an instant in
UTC would move the estimate by an hour on the days a daylight saving
change falls in between, so this module never does that.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models.payloads import TrackingEvent
from models.status import ShipmentStatus

SATURDAY = 5
SUNDAY = 6

# Local time when the delivery window closes. A parcel promised for a
# day is late only after this time.
END_OF_DAY = time(20, 0)


@dataclass(frozen=True)
class BusinessCalendar:
    """Working days of one place: its time zone, weekend and holidays."""

    timezone: str
    holidays: frozenset[date] = frozenset()
    weekend: frozenset[int] = field(default=frozenset({SATURDAY, SUNDAY}))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() not in self.weekend and day not in self.holidays

    def next_business_day(self, day: date) -> date:
        """Return `day` itself when it is a business day, else the next one."""
        # A year of non-business days means a broken calendar, not a
        # long weekend, so fail instead of looping forever.
        for offset in range(366):
            candidate = day + timedelta(days=offset)
            if self.is_business_day(candidate):
                return candidate
        raise ValueError(f"calendar {self.timezone} has no business day in a year")

    def add_business_days(self, day: date, count: int) -> date:
        """Return the date `count` business days after `day`.

        With 0, return `day` when it is a business day, else the next one.
        """
        current = self.next_business_day(day)
        for _ in range(count):
            current = self.next_business_day(current + timedelta(days=1))
        return current


@dataclass(frozen=True)
class Eta:
    pickup_date: date
    delivery_date: date
    deliver_by: datetime
    """End of the delivery day in the destination's time zone."""


def pickup_date(ship_at: datetime, cutoff: time, origin: BusinessCalendar) -> date:
    """Return the day the carrier collects a parcel ready at `ship_at`.

    A parcel ready after the origin's local cut-off, or on a weekend or
    holiday, goes with the next business day's pickup.
    """
    _require_aware(ship_at)
    local = ship_at.astimezone(origin.zone)
    day = local.date()
    if local.time() > cutoff:
        day += timedelta(days=1)
    return origin.next_business_day(day)


def estimate_delivery(
    ship_at: datetime,
    cutoff: time,
    transit_days: int,
    origin: BusinessCalendar,
    destination: BusinessCalendar,
    end_of_day: time = END_OF_DAY,
) -> Eta:
    """Estimate delivery for a parcel ready at `ship_at`.

    Transit days are business days of the destination's calendar,
    counted from the pickup day, and 0 means same-day delivery.
    """
    if transit_days < 0:
        raise ValueError(f"transit_days must not be negative, got {transit_days}")

    picked_up = pickup_date(ship_at, cutoff, origin)
    delivered = destination.add_business_days(picked_up, transit_days)
    return Eta(
        pickup_date=picked_up,
        delivery_date=delivered,
        deliver_by=end_of_local_day(delivered, destination, end_of_day),
    )


def end_of_local_day(
    day: date, calendar: BusinessCalendar, end_of_day: time = END_OF_DAY
) -> datetime:
    # Combining a wall time with ZoneInfo picks that day's UTC offset,
    # so 20:00 stays 20:00 on both sides of a daylight saving change.
    return datetime.combine(day, end_of_day, tzinfo=calendar.zone)


def eta_after_event(
    planned: Eta,
    event: TrackingEvent,
    destination: BusinessCalendar,
    end_of_day: time = END_OF_DAY,
) -> datetime:
    """Recompute the delivery estimate after one tracking event.

    Delivered: the event's own time. Out for delivery: the end of the
    event's local day. In transit on or after the planned delivery day:
    the end of the next business day, since the parcel missed its day.
    Any other event keeps the planned estimate.
    """
    _require_aware(event.at)
    local_day = event.at.astimezone(destination.zone).date()

    if event.status == ShipmentStatus.DELIVERED:
        return event.at
    if event.status == ShipmentStatus.OUT_FOR_DELIVERY:
        return end_of_local_day(local_day, destination, end_of_day)
    if event.status == ShipmentStatus.IN_TRANSIT and local_day >= planned.delivery_date:
        late_day = destination.add_business_days(local_day, 1)
        return end_of_local_day(late_day, destination, end_of_day)
    return planned.deliver_by


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"datetime {moment.isoformat()} has no time zone; pass an aware "
            "datetime, for example with tzinfo=timezone.utc"
        )
