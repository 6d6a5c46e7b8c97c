"""Price lists, promotions, tax and bundles, against hand calculations."""

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from domain.bundles import (
    ConfigurableBundle,
    FixedBundle,
    InvalidBundleChoiceError,
    bundle_availability,
    split_bundle_price,
)
from domain.money import from_minor_units, to_minor_units
from domain.price_engine import (
    CartLine,
    NoPriceError,
    PriceList,
    PriceRequest,
    Promotion,
    TaxRate,
    Tier,
    price,
    price_cart,
    tax_rate,
)

D = Decimal
NOW = datetime(2026, 12, 4, 12, tzinfo=timezone.utc)


def request(quantity=1, channel="web", group="default", currency="USD", at=NOW):
    return PriceRequest("SKU-1", quantity, channel, currency, group, at)


BASE = PriceList("base", "USD", {"SKU-1": [Tier(1, D("10.00")), Tier(10, D("9.00")),
                                           Tier(50, D("8.00"))]})


def test_price_tier_by_quantity():
    assert price(request(1), [BASE]).unit_price == D("10.00")
    assert price(request(9), [BASE]).unit_price == D("10.00")
    assert price(request(10), [BASE]).unit_price == D("9.00")
    assert price(request(50), [BASE]).tier_min_quantity == 50


def test_price_source_names_list_and_tier():
    quote = price(request(12), [BASE])

    assert quote.source == "price list base, tier from 10"


def test_price_priority_beats_base_list():
    promo = PriceList("winter", "USD", {"SKU-1": [Tier(1, D("7.50"))]}, priority=10)

    assert price(request(), [BASE, promo]).list_id == "winter"


def test_price_specific_list_wins_at_equal_priority():
    b2b = PriceList("b2b", "USD", {"SKU-1": [Tier(1, D("8.80"))]}, customer_group="corporate")

    assert price(request(group="corporate"), [BASE, b2b]).list_id == "b2b"
    assert price(request(group="consumer"), [BASE, b2b]).list_id == "base"


def test_price_validity_window_is_half_open():
    sale = PriceList("sale", "USD", {"SKU-1": [Tier(1, D("5.00"))]}, priority=5,
                     valid_from=datetime(2026, 12, 1, tzinfo=timezone.utc),
                     valid_to=NOW)

    assert price(request(at=NOW), [BASE, sale]).list_id == "base"
    assert price(request(at=datetime(2026, 12, 3, tzinfo=timezone.utc)),
                 [BASE, sale]).list_id == "sale"


def test_price_sale_price_wins_when_lower():
    sale = PriceList("s", "USD", {"SKU-1": [Tier(1, D("10.00"), sale_price=D("8.49"))]})

    quote = price(request(), [sale])

    assert quote.unit_price == D("8.49")
    assert quote.on_sale
    assert quote.source.endswith("sale price")


def test_price_channel_and_currency_must_match():
    pos = PriceList("pos", "EUR", {"SKU-1": [Tier(1, D("9.00"))]}, channel="pos")

    with pytest.raises(NoPriceError, match="EUR"):
        price(request(currency="EUR"), [pos])


def test_price_naive_moment_rejected():
    with pytest.raises(ValueError, match="time zone"):
        request(at=datetime(2026, 12, 4, 12))


def test_money_jpy_promotion_rounds_to_yen():
    # 1999 x 15% = 299.85, rounded half up to 300 yen; 1999 - 300 = 1699.
    cart = price_cart([CartLine("A", 1, D("1999"))],
                      [Promotion("p15", "line", percent=D(15))], "JPY")

    assert cart.discount == D("300")
    assert cart.total == D("1699")
    assert to_minor_units(cart.total, "JPY") == 1699


def test_money_eur_line_total_and_payment():
    # 5 x 2.057 = 10.285, rounded half up to 10.29.
    cart = price_cart([CartLine("A", 5, D("2.057"))], [], "EUR")
    paid = from_minor_units(to_minor_units(cart.total, "EUR"), "EUR")

    assert cart.total == D("10.29")
    assert to_minor_units(cart.total, "EUR") == 1029
    assert cart.total - paid == 0


def test_money_kwd_keeps_three_decimals():
    cart = price_cart([CartLine("A", 5, D("2.057"))], [], "KWD")

    assert cart.total == D("10.285")
    assert to_minor_units(cart.total, "KWD") == 10285


def test_promotion_order_discount_spread_by_value():
    # 10% of 10.00 = 1.00, split 6:4 into 0.60 and 0.40.
    cart = price_cart([CartLine("A", 1, D("6.00")), CartLine("B", 1, D("4.00"))],
                      [Promotion("o10", "order", percent=D(10))], "USD")

    assert [line.order_discount for line in cart.lines] == [D("0.60"), D("0.40")]
    assert [line.net for line in cart.lines] == [D("5.40"), D("3.60")]
    assert cart.total == D("9.00")


def test_promotion_fixed_amount_never_below_zero():
    cart = price_cart([CartLine("A", 1, D("3.00"))],
                      [Promotion("f5", "order", amount=D("5.00"))], "USD")

    assert cart.total == D("0.00")


def test_tax_rounded_per_line():
    # Three lines of 0.10 at 5%: 0.005 each rounds half up to 0.01, so
    # 0.03 in all; rounding the order instead would give 0.02.
    cart = price_cart([CartLine(sku, 1, D("0.10")) for sku in "ABC"], [], "USD",
                      tax_percent=D(5))

    assert [line.tax for line in cart.lines] == [D("0.01")] * 3
    assert cart.tax == D("0.03")
    assert cart.total == D("0.33")
    assert cart.total == sum((line.net + line.tax for line in cart.lines), D(0))


def test_tax_rate_region_then_country():
    rates = [TaxRate("US", "Texas", D("8.25")), TaxRate("US", None, D("5")),
             TaxRate("DE", None, D("19"))]

    assert tax_rate(rates, "US", "Texas") == D("8.25")
    assert tax_rate(rates, "US", "Ohio") == D("5")
    assert tax_rate(rates, "FR", "") == D("0")


def test_bundle_price_split_adds_up():
    # Weights 30 x 1, 20 x 2, 25 x 1 = 30, 40, 25 of 95; 100.00 splits into
    # 31.578.., 42.105.., 26.315..: floors 31.57, 42.10, 26.31 leave 2 cents
    # for the largest remainders, A (.89) and C (.58).
    bundle = FixedBundle("KIT", {"A": 1, "B": 2, "C": 1})
    shares = split_bundle_price(bundle, D("100.00"),
                                {"A": D(30), "B": D(20), "C": D(25)}, "USD")

    assert shares == {"A": D("31.58"), "B": D("42.10"), "C": D("26.32")}
    assert sum(shares.values()) == D("100.00")


def test_bundle_availability_from_components():
    bundle = FixedBundle("KIT", {"A": 1, "B": 2})

    assert bundle_availability(bundle, {"A": 10, "B": 7}) == 3
    assert bundle_availability(bundle, {"A": 10}) == 0


def test_bundle_configurable_choice_checked():
    bundle = ConfigurableBundle("DESK-SET", {"chair": {"CH-1": 1, "CH-2": 1},
                                             "lamp": {"LA-1": 1}})

    assert bundle.resolve({"chair": "CH-2", "lamp": "LA-1"}).components == {
        "CH-2": 1, "LA-1": 1}
    with pytest.raises(InvalidBundleChoiceError, match="slot"):
        bundle.resolve({"chair": "CH-1"})
    with pytest.raises(InvalidBundleChoiceError, match="choose one of CH-1, CH-2"):
        bundle.resolve({"chair": "LA-1", "lamp": "LA-1"})
