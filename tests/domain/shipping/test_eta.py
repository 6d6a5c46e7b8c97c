from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from domain.shipping.eta import (
    BusinessCalendar,
    estimate_delivery,
    eta_after_event,
    pickup_date,
)
from models.payloads import TrackingEvent
from models.status import ShipmentStatus

NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
THANKSGIVING = date(2026, 11, 26)

EAST = BusinessCalendar("America/New_York", holidays=frozenset({THANKSGIVING}))
WEST = BusinessCalendar("America/Los_Angeles")
CUTOFF = time(17, 0)


def new_york(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=NEW_YORK)


def event(status: ShipmentStatus, at: datetime) -> TrackingEvent:
    return TrackingEvent(tracking_number="T1", status=status, at=at)


def test_pickup_date_at_cutoff_same_day():
    ready = new_york(2026, 3, 6, 17, 0)

    assert pickup_date(ready, CUTOFF, EAST) == date(2026, 3, 6)


def test_pickup_date_after_cutoff_friday_monday():
    ready = new_york(2026, 3, 6, 17, 1)

    assert pickup_date(ready, CUTOFF, EAST) == date(2026, 3, 9)


def test_pickup_date_saturday_monday():
    ready = new_york(2026, 3, 7, 9, 0)

    assert pickup_date(ready, CUTOFF, EAST) == date(2026, 3, 9)


def test_pickup_date_uses_origin_local_time():
    # 16:30 in Los Angeles on Friday is 00:30 UTC on Saturday, but it is
    # still before the 17:00 cut-off at the origin.
    ready = datetime(2026, 3, 7, 0, 30, tzinfo=timezone.utc)

    assert ready.astimezone(LOS_ANGELES).hour == 16
    assert pickup_date(ready, CUTOFF, WEST) == date(2026, 3, 6)


def test_estimate_delivery_spring_dst():
    # US clocks go forward on Sunday 2026-03-08. Thursday's 1-day parcel
    # is due Friday 03-06 20:00 EST (UTC-5); Friday's 2-day parcel skips
    # the weekend and is due Tuesday 03-10 20:00 EDT (UTC-4).
    before = estimate_delivery(new_york(2026, 3, 5, 10), CUTOFF, 1, EAST, EAST)
    across = estimate_delivery(new_york(2026, 3, 6, 10), CUTOFF, 2, EAST, EAST)

    assert before.delivery_date == date(2026, 3, 6)
    assert before.deliver_by.time() == time(20, 0)
    assert before.deliver_by.utcoffset() == timedelta(hours=-5)
    assert across.delivery_date == date(2026, 3, 10)
    assert across.deliver_by.time() == time(20, 0)
    assert across.deliver_by.utcoffset() == timedelta(hours=-4)
    assert across.deliver_by == datetime(2026, 3, 11, 0, 0, tzinfo=timezone.utc)


def test_estimate_delivery_fall_dst():
    # US clocks go back on Sunday 2026-11-01. Friday 10-30 with 1 day is
    # due Monday 11-02 20:00 EST, 01:00 UTC on 11-03. From Friday 20:00
    # EDT that is 73 hours, not 72, because the Sunday has 25 hours.
    friday_end = new_york(2026, 10, 30, 20, 0)

    eta = estimate_delivery(new_york(2026, 10, 30, 9), CUTOFF, 1, EAST, EAST)

    assert eta.delivery_date == date(2026, 11, 2)
    assert eta.deliver_by.time() == time(20, 0)
    assert eta.deliver_by.utcoffset() == timedelta(hours=-5)
    assert eta.deliver_by == datetime(2026, 11, 3, 1, 0, tzinfo=timezone.utc)
    # Python subtracts datetimes of one tzinfo by wall clock, so compare
    # in UTC to measure elapsed time.
    elapsed = eta.deliver_by.astimezone(timezone.utc) - friday_end
    assert elapsed == timedelta(hours=73)


def test_estimate_delivery_local_time_in_destination_zone():
    # Ready in Los Angeles Friday 2026-03-06 16:30 PST, 1 business day to
    # New York: Monday 03-09, the day after the change, 20:00 EDT.
    ready = datetime(2026, 3, 6, 16, 30, tzinfo=LOS_ANGELES)

    eta = estimate_delivery(ready, CUTOFF, 1, WEST, EAST)

    assert eta.pickup_date == date(2026, 3, 6)
    assert eta.delivery_date == date(2026, 3, 9)
    assert eta.deliver_by.tzinfo == NEW_YORK
    assert eta.deliver_by.time() == time(20, 0)
    assert eta.deliver_by.utcoffset() == timedelta(hours=-4)


def test_estimate_delivery_skips_destination_holiday():
    # Wednesday 11-25 plus 2 business days: Thursday 11-26 is Thanksgiving
    # at the destination, so Friday 11-27 and then Monday 11-30.
    eta = estimate_delivery(new_york(2026, 11, 25, 9), CUTOFF, 2, EAST, EAST)

    assert eta.delivery_date == date(2026, 11, 30)


def test_estimate_delivery_origin_holiday_delays_pickup():
    origin = BusinessCalendar("America/New_York", holidays=frozenset({THANKSGIVING}))
    destination = BusinessCalendar("America/New_York")

    eta = estimate_delivery(new_york(2026, 11, 26, 9), CUTOFF, 1, origin, destination)

    assert eta.pickup_date == date(2026, 11, 27)
    assert eta.delivery_date == date(2026, 11, 30)


def test_estimate_delivery_same_day_before_cutoff():
    eta = estimate_delivery(new_york(2026, 3, 9, 10), time(11, 0), 0, EAST, EAST)

    assert eta.delivery_date == date(2026, 3, 9)
    assert eta.deliver_by == new_york(2026, 3, 9, 20, 0)


def test_estimate_delivery_same_day_after_cutoff_next_day():
    eta = estimate_delivery(new_york(2026, 3, 9, 12), time(11, 0), 0, EAST, EAST)

    assert eta.delivery_date == date(2026, 3, 10)


def test_estimate_delivery_naive_datetime_rejected():
    with pytest.raises(ValueError, match="has no time zone"):
        estimate_delivery(datetime(2026, 3, 9, 10), CUTOFF, 1, EAST, EAST)


def test_estimate_delivery_negative_transit_rejected():
    with pytest.raises(ValueError, match="must not be negative"):
        estimate_delivery(new_york(2026, 3, 9, 10), CUTOFF, -1, EAST, EAST)


def test_calendar_without_business_days_rejected():
    closed = BusinessCalendar("UTC", weekend=frozenset(range(7)))

    with pytest.raises(ValueError, match="no business day"):
        closed.next_business_day(date(2026, 1, 1))


def fall_plan():
    # Planned: picked up Friday 10-30, due Monday 11-02 20:00 EST.
    return estimate_delivery(new_york(2026, 10, 30, 9), CUTOFF, 1, EAST, EAST)


def test_eta_after_event_on_time_scan():
    plan = fall_plan()
    scan = event(ShipmentStatus.IN_TRANSIT, new_york(2026, 10, 31, 3))

    assert eta_after_event(plan, scan, EAST) == plan.deliver_by


def test_eta_after_event_in_transit_late_next_day():
    # Still in transit on Monday 11-02, the planned day: due Tuesday.
    scan = event(ShipmentStatus.IN_TRANSIT, new_york(2026, 11, 2, 10))

    eta = eta_after_event(fall_plan(), scan, EAST)

    assert eta == new_york(2026, 11, 3, 20, 0)
    assert eta.utcoffset() == timedelta(hours=-5)


def test_eta_after_event_dst_day():
    # Out for delivery at 00:30 EDT on Sunday 11-01, before the clocks go
    # back at 02:00: the estimate is 20:00 EST the same local day.
    scan = event(
        ShipmentStatus.OUT_FOR_DELIVERY,
        datetime(2026, 11, 1, 4, 30, tzinfo=timezone.utc),
    )

    eta = eta_after_event(fall_plan(), scan, EAST)

    assert eta.astimezone(NEW_YORK).date() == date(2026, 11, 1)
    assert eta.astimezone(NEW_YORK).time() == time(20, 0)
    assert eta == datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)


def test_eta_after_event_delivered_is_event_time():
    delivered_at = new_york(2026, 11, 2, 14, 5)
    scan = event(ShipmentStatus.DELIVERED, delivered_at)

    assert eta_after_event(fall_plan(), scan, EAST) == delivered_at


def test_eta_after_event_recomputed_across_spring_dst():
    # Planned Friday 03-06; still in transit Friday, so Monday 03-09,
    # the first business day on summer time: 20:00 EDT, 00:00 UTC.
    plan = estimate_delivery(new_york(2026, 3, 5, 9), CUTOFF, 1, EAST, EAST)
    scan = event(ShipmentStatus.IN_TRANSIT, new_york(2026, 3, 6, 18))

    eta = eta_after_event(plan, scan, EAST)

    assert eta.astimezone(NEW_YORK).time() == time(20, 0)
    assert eta == datetime(2026, 3, 10, 0, 0, tzinfo=timezone.utc)
