from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from domain.shipping.eta import BusinessCalendar
from domain.shipping.rates import (
    NoRateError,
    NoServiceError,
    Parcel,
    RateTable,
    ServiceLevel,
    Shipment,
    WeightBand,
    ZoneChart,
    quote,
    shop_rates,
)

D = Decimal
NEW_YORK = ZoneInfo("America/New_York")
EAST = BusinessCalendar("America/New_York")

# Region 100 (New York) to 100 is zone 1, to 191 (Philadelphia) zone 2,
# to 900 (Los Angeles) zone 8.
CHART = ZoneChart({("100", "100"): 1, ("100", "191"): 2, ("100", "900"): 8})


def table(
    service: str,
    level: ServiceLevel,
    prices: tuple[str, str],
    transit: dict[int, int],
    cutoff: time = time(17, 0),
    **options,
) -> RateTable:
    """Two bands, up to 1 kg and up to 10 kg, priced alike in zones 1 and 2."""
    light, heavy = D(prices[0]), D(prices[1])
    return RateTable(
        carrier=options.pop("carrier", "acme"),
        service=service,
        level=level,
        currency=options.pop("currency", "USD"),
        zones=CHART,
        bands=[
            WeightBand(D("1"), {1: light, 2: light}),
            WeightBand(D("10"), {1: heavy, 2: heavy}),
        ],
        transit_days_by_zone=transit,
        cutoff=cutoff,
        **options,
    )


GROUND = table("ground", ServiceLevel.GROUND, ("5.00", "9.00"), {1: 2, 2: 3})
EXPRESS = table("express", ServiceLevel.EXPRESS, ("12.00", "18.00"), {1: 1, 2: 1})
SAME_DAY = table(
    "same_day", ServiceLevel.SAME_DAY, ("25.00", "30.00"), {1: 0}, time(11, 0)
)
SMALL_BOX = Parcel(D("0.8"), D("20"), D("15"), D("10"))


def shipment(promised_by: datetime, parcel: Parcel = SMALL_BOX) -> Shipment:
    # Ready Monday 2026-03-09 at 09:00, before every cut-off.
    return Shipment(
        parcel=parcel,
        origin_postal="10001",
        destination_postal="19103",
        ship_at=datetime(2026, 3, 9, 9, 0, tzinfo=NEW_YORK),
        promised_by=promised_by,
        origin=EAST,
        destination=EAST,
    )


def end_of(day: int) -> datetime:
    return datetime(2026, 3, day, 20, 0, tzinfo=NEW_YORK)


def test_zone_chart_reads_both_directions():
    assert CHART.zone("10001", "19103") == 2
    assert CHART.zone("19103", "10001") == 2
    assert CHART.zone("90012", "10018") == 8


def test_zone_chart_unknown_pair_rejected():
    with pytest.raises(NoRateError, match="no zone from region 191 to region 900"):
        CHART.zone("19103", "90012")


def test_zone_chart_short_postal_code_rejected():
    with pytest.raises(NoRateError, match="shorter than"):
        CHART.zone("10", "19103")


def test_billable_weight_dimensional_wins():
    # 40 x 30 x 20 cm = 24000 cm³ / 5000 = 4.8 kg, rounded up to 5.0.
    parcel = Parcel(D("2"), D("40"), D("30"), D("20"))

    assert GROUND.dimensional_weight(parcel) == D("4.8")
    assert GROUND.billable_weight(parcel) == D("5.0")


def test_billable_weight_actual_wins():
    # Dimensional 4.8 kg, actual 5.2 kg, rounded up to 5.5.
    parcel = Parcel(D("5.2"), D("40"), D("30"), D("20"))

    assert GROUND.billable_weight(parcel) == D("5.5")


def test_billable_weight_custom_divisor():
    # IATA's 6000 cm³/kg: 24000 / 6000 = 4.0 kg exactly.
    air = table("air", ServiceLevel.EXPRESS, ("1", "2"), {1: 1}, dim_divisor=D(6000))
    parcel = Parcel(D("1"), D("40"), D("30"), D("20"))

    assert air.billable_weight(parcel) == D("4.0")


def test_price_picks_band():
    assert GROUND.price(1, D("1.0")) == D("5.00")
    assert GROUND.price(1, D("1.5")) == D("9.00")
    assert GROUND.price(2, D("10")) == D("9.00")


def test_price_over_last_band_extra_per_kg():
    # 12.5 kg is 2.5 kg over the 10 kg band, so 3 started kg at 1.50:
    # 9.00 + 4.50 = 13.50.
    heavy = table(
        "ground",
        ServiceLevel.GROUND,
        ("5.00", "9.00"),
        {1: 2},
        extra_per_kg=D("1.50"),
    )

    assert heavy.price(1, D("12.5")) == D("13.50")


def test_price_over_last_band_rejected():
    with pytest.raises(NoRateError, match="at most 10 kg"):
        GROUND.price(1, D("10.5"))


def test_price_unserved_zone_rejected():
    with pytest.raises(NoRateError, match="does not serve zone 8"):
        GROUND.price(8, D("1"))


def test_quote_includes_zone_weight_and_eta():
    result = quote(GROUND, shipment(end_of(13)))

    assert result.zone == 2
    assert result.billable_kg == D("1.0")
    assert result.price == D("5.00")
    assert result.eta.delivery_date == date(2026, 3, 12)
    assert result.meets_promise


def test_shop_rates_cheapest_meeting_promise():
    # Promise Wednesday 03-11. Ground (zone 2, 3 days) lands Thursday, too
    # late. Express lands Tuesday for 12.00. Same day does not serve zone 2.
    choice = shop_rates([GROUND, EXPRESS, SAME_DAY], shipment(end_of(11)))

    assert choice.quote.service == "express"
    assert choice.quote.price == D("12.00")
    assert len(choice.quotes) == 2
    assert "acme/same_day" in choice.unavailable
    assert "cheapest of 1 of 2 quoted services" in choice.reason
    assert "deliver by 2026-03-11 20:00 EDT" in choice.reason
    assert "acme express at 12.00 USD" in choice.reason


def test_shop_rates_loose_promise_takes_ground():
    choice = shop_rates([GROUND, EXPRESS], shipment(end_of(13)))

    assert choice.quote.service == "ground"
    assert "cheapest of 2 of 2" in choice.reason


def test_shop_rates_same_day_when_promised_today():
    local = Shipment(
        parcel=SMALL_BOX,
        origin_postal="10001",
        destination_postal="10018",
        ship_at=datetime(2026, 3, 9, 9, 0, tzinfo=NEW_YORK),
        promised_by=end_of(9),
        origin=EAST,
        destination=EAST,
    )

    choice = shop_rates([GROUND, EXPRESS, SAME_DAY], local)

    assert choice.quote.service == "same_day"
    assert choice.quote.eta.deliver_by == end_of(9)


def test_shop_rates_missed_promise_takes_fastest():
    choice = shop_rates([GROUND, EXPRESS], shipment(end_of(9)))

    assert choice.quote.service == "express"
    assert not choice.quote.meets_promise
    assert choice.reason.startswith("no quoted service delivers by 2026-03-09")


def test_shop_rates_price_tie_goes_to_earlier_eta():
    fast = table("fast", ServiceLevel.EXPRESS, ("5.00", "9.00"), {1: 1, 2: 1})

    choice = shop_rates([GROUND, fast], shipment(end_of(13)))

    assert choice.quote.service == "fast"


def test_shop_rates_nothing_quotable_rejected():
    heavy = Parcel(D("30"), D("20"), D("20"), D("20"))

    with pytest.raises(NoServiceError, match="acme/ground: acme ground takes at most"):
        shop_rates([GROUND, EXPRESS], shipment(end_of(13), heavy))


def test_shop_rates_mixed_currencies_rejected():
    euro = table("eco", ServiceLevel.GROUND, ("4", "8"), {1: 2, 2: 3}, currency="EUR")

    with pytest.raises(ValueError, match="mix currencies"):
        shop_rates([GROUND, euro], shipment(end_of(13)))
