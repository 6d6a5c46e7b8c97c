from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from domain.shipping.eta import BusinessCalendar, estimate_delivery
from domain.shipping.tracking import (
    CarrierEvent,
    current_eta,
    event_key,
    merge_events,
)
from models.status import ShipmentStatus

NEW_YORK = ZoneInfo("America/New_York")
EAST = BusinessCalendar("America/New_York")
START = datetime(2026, 10, 30, 13, 0, tzinfo=timezone.utc)
S = ShipmentStatus


def scan(status: ShipmentStatus, hours: float, event_id: str = "", **extra):
    return CarrierEvent(
        tracking_number=extra.pop("tracking_number", "T1"),
        status=status,
        at=START + timedelta(hours=hours),
        event_id=event_id,
        **extra,
    )


def test_merge_events_adds_in_time_order():
    merge = merge_events(
        "T1", [], [scan(S.OUT_FOR_DELIVERY, 20), scan(S.IN_TRANSIT, 2)]
    )

    assert [e.status for e in merge.events] == [S.IN_TRANSIT, S.OUT_FOR_DELIVERY]
    assert merge.status == S.OUT_FOR_DELIVERY
    assert len(merge.added) == 2
    assert merge.duplicates == 0
    assert merge.status_changed(S.LABEL_CREATED)


def test_merge_events_drops_duplicate_by_id():
    first = scan(S.IN_TRANSIT, 2, event_id="e-1")
    resent = scan(S.IN_TRANSIT, 2, event_id="e-1", location="hub")

    merge = merge_events("T1", [first], [resent])

    assert merge.events == [first]
    assert merge.added == []
    assert merge.duplicates == 1
    assert not merge.status_changed(S.IN_TRANSIT)


def test_merge_events_drops_duplicate_within_batch():
    merge = merge_events("T1", [], [scan(S.IN_TRANSIT, 2), scan(S.IN_TRANSIT, 2)])

    assert len(merge.events) == 1
    assert merge.duplicates == 1


def test_event_key_same_instant_other_offset():
    utc = scan(S.IN_TRANSIT, 2)
    local = utc.model_copy(update={"at": utc.at.astimezone(NEW_YORK)})

    assert event_key(utc) == event_key(local)


def test_merge_events_late_event_keeps_status():
    # Out for delivery is known; the in-transit scan from hours earlier
    # arrives afterwards and joins the history without moving status.
    known = [scan(S.OUT_FOR_DELIVERY, 20)]
    late = scan(S.IN_TRANSIT, 2)

    merge = merge_events("T1", known, [late], status=S.OUT_FOR_DELIVERY)

    assert merge.status == S.OUT_FOR_DELIVERY
    assert merge.out_of_order == [late]
    assert merge.events[0] == late
    assert not merge.status_changed(S.OUT_FOR_DELIVERY)


def test_merge_events_delivered_is_final():
    known = [scan(S.DELIVERED, 30)]

    merge = merge_events("T1", known, [scan(S.IN_TRANSIT, 31)], status=S.DELIVERED)

    assert merge.status == S.DELIVERED


def test_merge_events_other_tracking_number_rejected():
    with pytest.raises(ValueError, match="group events by tracking number"):
        merge_events("T1", [], [scan(S.IN_TRANSIT, 2, tracking_number="T2")])


def test_carrier_event_naive_time_rejected():
    with pytest.raises(ValueError, match="timezone"):
        CarrierEvent(tracking_number="T1", status=S.IN_TRANSIT, at=datetime(2026, 1, 1))


def fall_plan():
    # Ready Friday 2026-10-30 09:00 EDT, 1 business day: Monday 11-02
    # 20:00 EST, after the clocks go back on Sunday 11-01.
    return estimate_delivery(START.astimezone(NEW_YORK), time(17, 0), 1, EAST, EAST)


def test_current_eta_without_events_is_plan():
    plan = fall_plan()

    assert current_eta(plan, [], EAST) == plan.deliver_by
    assert plan.delivery_date == date(2026, 11, 2)


def test_current_eta_late_old_event_ignored():
    # The newest event is out for delivery on Monday 11-02 08:00 EST
    # (13:00 UTC), so the estimate is 20:00 EST that day. An old
    # in-transit scan that arrives later does not change it.
    out = scan(S.OUT_FOR_DELIVERY, 72)
    old = scan(S.IN_TRANSIT, 2)
    merge = merge_events("T1", [out], [old], status=S.OUT_FOR_DELIVERY)

    eta = current_eta(fall_plan(), merge.events, EAST)

    assert eta == datetime(2026, 11, 2, 20, 0, tzinfo=NEW_YORK)
    assert eta.utcoffset() == timedelta(hours=-5)


def test_current_eta_delivered_wins():
    delivered = scan(S.DELIVERED, 74)
    history = [scan(S.IN_TRANSIT, 2), delivered, scan(S.IN_TRANSIT, 75)]

    assert current_eta(fall_plan(), history, EAST) == delivered.at
