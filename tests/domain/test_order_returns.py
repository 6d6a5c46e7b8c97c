"""Return rules over a hand-built order: two shipments, one delivered."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from domain.order_returns import (
    delivered_quantities,
    open_returns,
    paid_order,
    refuse_return,
    returned_quantities,
    warehouse_by_sku,
)
from models.payloads import OrderState, PricedLine, ReturnLine, ReturnState, ShipmentState
from models.status import OrderStatus, ReturnStatus, ShipmentStatus

DELIVERED_AT = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
WINDOW = timedelta(days=14)


def line(sku: str, quantity: int, total: str, discount: str = "0", tax: str = "0"):
    return PricedLine(sku=sku, name=sku, quantity=quantity,
                      unit_price=Decimal(total) / quantity, line_total=Decimal(total),
                      price_source="list", discount=Decimal(discount), tax=Decimal(tax))


def order(returns: list[ReturnState] = (), status=OrderStatus.DELIVERED) -> OrderState:
    return OrderState(
        order_id="R-1", workflow_id="order-R-1", status=status, channel="api",
        customer_id="C-1", currency="USD", placed_at=DELIVERED_AT - timedelta(days=3),
        requested_lines=[],
        # PEN appears on two lines, as a bundle component would.
        lines=[line("PEN", 2, "10.00", discount="1.00", tax="0.74"),
               line("PEN", 1, "5.00", tax="0.41"),
               line("PAD", 3, "12.00", tax="0.99")],
        fulfillments=[
            ShipmentState(shipment_id="R-1-1", number=1, warehouse_id="WH-1",
                          status=ShipmentStatus.DELIVERED,
                          lines=[line("PEN", 3, "15.00")]),
            ShipmentState(shipment_id="R-1-2", number=2, warehouse_id="WH-2",
                          status=ShipmentStatus.IN_TRANSIT,
                          lines=[line("PAD", 3, "12.00")]),
        ],
        returns=list(returns),
        stage_started_at={OrderStatus.DELIVERED.value: DELIVERED_AT},
    )


def a_return(number: int, status: ReturnStatus, quantity: int) -> ReturnState:
    return ReturnState(return_id=f"R-1-R{number}", number=number, status=status,
                       lines=[ReturnLine(sku="PEN", quantity=quantity, reason="damaged")],
                       refund_amount=Decimal("1.00"))


def test_paid_order_sums_per_sku():
    paid = {entry.line_id: entry for entry in paid_order(order()).lines}

    # PEN: 10.00 - 1.00 + 5.00 = 14.00 net, 0.74 + 0.41 = 1.15 tax, 3 units.
    assert (paid["PEN"].quantity, paid["PEN"].line_total, paid["PEN"].tax) == (
        3, Decimal("14.00"), Decimal("1.15"))
    assert paid["PAD"].line_total == Decimal("12.00")


def test_quantities_count_delivered_shipments_and_live_returns_only():
    state = order([a_return(1, ReturnStatus.REFUNDED, 1),
                   a_return(2, ReturnStatus.REJECTED, 2)])

    assert delivered_quantities(state) == {"PEN": 3}
    assert returned_quantities(state) == {"PEN": 1}
    assert warehouse_by_sku(state) == {"PEN": "WH-1", "PAD": "WH-2"}
    assert open_returns(state) == []


def test_refuse_return_accepts_what_is_left():
    state = order([a_return(1, ReturnStatus.REQUESTED, 1)])
    lines = [ReturnLine(sku="PEN", quantity=2, reason="damaged")]

    assert refuse_return(state, lines, WINDOW, DELIVERED_AT + timedelta(days=1)) is None
    assert [entry.number for entry in open_returns(state)] == [1]


def test_refuse_return_more_than_left():
    state = order([a_return(1, ReturnStatus.REQUESTED, 1)])
    lines = [ReturnLine(sku="PEN", quantity=3, reason="damaged")]

    refusal = refuse_return(state, lines, WINDOW, DELIVERED_AT)

    assert refusal.kind == "invalid_return"
    assert refusal.message.startswith("lines[0].quantity: 3 x PEN")
    assert "2 delivered and not yet returned" in refusal.message


def test_refuse_return_of_undelivered_shipment():
    lines = [ReturnLine(sku="PAD", quantity=1, reason="damaged")]

    refusal = refuse_return(order(), lines, WINDOW, DELIVERED_AT)

    assert "0 delivered and not yet returned" in refusal.message


def test_refuse_return_same_sku_twice():
    lines = [ReturnLine(sku="PEN", quantity=1, reason="damaged"),
             ReturnLine(sku="PEN", quantity=1, reason="wrong size")]

    refusal = refuse_return(order(), lines, WINDOW, DELIVERED_AT)

    assert refusal.message.startswith("lines[1].sku: PEN appears twice")


def test_refuse_return_after_window_closes():
    lines = [ReturnLine(sku="PEN", quantity=1, reason="damaged")]

    on_time = refuse_return(order(), lines, WINDOW, DELIVERED_AT + WINDOW - timedelta(seconds=1))
    late = refuse_return(order(), lines, WINDOW, DELIVERED_AT + WINDOW)

    assert on_time is None
    assert late.kind == "return_window_closed"
    assert "2026-03-16T10:00:00+00:00" in late.message


def test_refuse_return_before_delivery():
    lines = [ReturnLine(sku="PEN", quantity=1, reason="damaged")]

    refusal = refuse_return(order(status=OrderStatus.SHIPPED), lines, WINDOW, DELIVERED_AT)

    assert refusal.kind == "return_not_allowed"
