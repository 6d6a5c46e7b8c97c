from decimal import Decimal

import pytest

from domain.refunds import (
    InvalidReturnError,
    PaidLine,
    PaidOrder,
    RefundExceedsCapturedError,
    cancellation_refund,
    check_refund,
    line_discounts,
    refundable_amount,
    return_refund,
)

D = Decimal


def two_line_order() -> PaidOrder:
    # 6.00 + 4.00 = 10.00, minus a 10% order discount of 1.00: 9.00 paid.
    return PaidOrder(
        currency="USD",
        lines=[
            PaidLine("A", quantity=1, line_total=D("6.00")),
            PaidLine("B", quantity=1, line_total=D("4.00")),
        ],
        order_discount=D("1.00"),
    )


def test_refundable_amount_subtracts_refunds():
    remaining = refundable_amount(D("100.00"), [D("60.00")], "USD")

    assert remaining == D("40.00")


def test_check_refund_second_refund_rejected():
    # 100.00 captured: 60.00 fits, then only 100.00 - 60.00 = 40.00 remains.
    refunded: list[Decimal] = []

    after_first = check_refund(D("60.00"), D("100.00"), refunded, "USD")
    refunded.append(D("60.00"))
    with pytest.raises(RefundExceedsCapturedError) as caught:
        check_refund(D("60.00"), D("100.00"), refunded, "USD")

    assert after_first == D("40.00")
    assert caught.value.remaining == D("40.00")
    assert caught.value.requested == D("60.00")
    assert "40.00 USD remains" in str(caught.value)


def test_check_refund_exact_remainder_accepted():
    remaining = check_refund(D("40.00"), D("100.00"), [D("60.00")], "USD")

    assert remaining == D("0.00")


def test_check_refund_nothing_left_rejected():
    with pytest.raises(RefundExceedsCapturedError) as caught:
        check_refund(D("0.01"), D("100.00"), [D("60.00"), D("40.00")], "USD")

    assert caught.value.remaining == D("0.00")


@pytest.mark.parametrize("amount", [D("0"), D("-5.00")])
def test_check_refund_non_positive_rejected(amount):
    with pytest.raises(ValueError, match="must be positive"):
        check_refund(amount, D("100.00"), [], "USD")


def test_check_refund_too_many_decimals_rejected():
    with pytest.raises(ValueError, match="more decimals"):
        check_refund(D("10.005"), D("100.00"), [], "USD")


def test_check_refund_zero_decimal_currency():
    with pytest.raises(RefundExceedsCapturedError) as caught:
        check_refund(D("600"), D("1000"), [D("500")], "JPY")

    assert caught.value.remaining == D("500")


def test_line_discounts_proportional():
    # 1.00 split 6:4 gives 0.60 and 0.40.
    discounts = line_discounts(two_line_order())

    assert discounts == {"A": D("0.60"), "B": D("0.40")}


def test_return_refund_first_then_second_line():
    # Line A: 6.00 - 0.60 = 5.40. Line B: 4.00 - 0.40 = 3.60. Sum 9.00.
    order = two_line_order()

    first = return_refund(order, {"A": 1})
    second = return_refund(order, {"B": 1})

    assert first.total == D("5.40")
    assert first.lines[0].discount == D("0.60")
    assert second.total == D("3.60")
    assert first.total + second.total == D("9.00")
    assert first.total + second.total == order.total


def test_return_refund_units_sum_to_line():
    # 3 units for 10.00 with a 1.00 discount on the only line: net 9.00.
    # Per-unit gross 3.34, 3.33, 3.33; discount 0.34, 0.33, 0.33;
    # so 3.00 per unit, and each tax share 0.67, 0.67, 0.66 of 2.00.
    order = PaidOrder(
        currency="USD",
        lines=[PaidLine("A", quantity=3, line_total=D("10.00"), tax=D("2.00"))],
        order_discount=D("1.00"),
    )

    first = return_refund(order, {"A": 1})
    rest = return_refund(order, {"A": 2}, already_returned={"A": 1})

    assert first.lines[0].gross == D("3.34")
    assert first.lines[0].discount == D("0.34")
    assert first.lines[0].tax == D("0.67")
    assert first.total == D("3.67")
    assert rest.total == D("7.33")
    assert first.total + rest.total == order.total


def test_return_refund_excludes_shipping():
    order = PaidOrder(
        currency="USD",
        lines=[PaidLine("A", quantity=1, line_total=D("6.00"))],
        shipping=D("5.00"),
    )

    refund = return_refund(order, {"A": 1})

    assert refund.shipping == D("0")
    assert refund.total == D("6.00")


def test_return_refund_too_many_units_rejected():
    order = two_line_order()

    with pytest.raises(InvalidReturnError, match="1 already returned, 0 left"):
        return_refund(order, {"A": 1}, already_returned={"A": 1})


def test_return_refund_unknown_line_rejected():
    with pytest.raises(InvalidReturnError, match="'Z' is not on this order"):
        return_refund(two_line_order(), {"Z": 1})


def test_return_refund_zero_quantity_rejected():
    with pytest.raises(InvalidReturnError, match="must be positive"):
        return_refund(two_line_order(), {"A": 0})


def split_order() -> PaidOrder:
    # Lines: A 60.00 (tax 4.80) in S1, B 30.00 (tax 2.40) and C 10.00
    # (tax 0.80) in S2. Order discount 10.00 split 60:30:10 gives 6.00,
    # 3.00, 1.00, so nets are S1 54.00 and S2 27.00 + 9.00 = 36.00.
    # Shipping 9.99 split 54:36 gives 5.994 -> 5.99 and 3.996 -> 4.00
    # (the leftover cent goes to the larger remainder, S2).
    # Shipping tax 0.80 split 54:36 gives 0.48 and 0.32.
    return PaidOrder(
        currency="USD",
        lines=[
            PaidLine("A", 1, D("60.00"), tax=D("4.80"), shipment_id="S1"),
            PaidLine("B", 2, D("30.00"), tax=D("2.40"), shipment_id="S2"),
            PaidLine("C", 1, D("10.00"), tax=D("0.80"), shipment_id="S2"),
        ],
        order_discount=D("10.00"),
        shipping=D("9.99"),
        shipping_tax=D("0.80"),
    )


def test_cancellation_refund_unshipped_share():
    # S2: lines 27.00 + 9.00 = 36.00, tax 2.40 + 0.80 = 3.20,
    # shipping 4.00, shipping tax 0.32: 43.52 in all.
    refund = cancellation_refund(split_order(), "S2", shipped=["S1"])

    assert refund.merchandise == D("36.00")
    assert refund.tax == D("3.52")
    assert refund.shipping == D("4.00")
    assert refund.shipping_tax == D("0.32")
    assert refund.total == D("43.52")


def test_cancellation_refund_shares_sum_to_total():
    # S1: 54.00 + 4.80 + 5.99 + 0.48 = 65.27; with S2's 43.52: 108.79,
    # which is 100.00 - 10.00 + 8.00 tax + 9.99 + 0.80.
    order = split_order()

    first = cancellation_refund(order, "S1")
    second = cancellation_refund(order, "S2")

    assert first.total == D("65.27")
    assert first.total + second.total == D("108.79")
    assert first.total + second.total == order.total


def test_cancellation_refund_shipped_rejected():
    with pytest.raises(InvalidReturnError, match="has shipped"):
        cancellation_refund(split_order(), "S1", shipped=["S1"])


def test_cancellation_refund_unknown_shipment_rejected():
    with pytest.raises(InvalidReturnError, match="has no lines"):
        cancellation_refund(split_order(), "S9")
