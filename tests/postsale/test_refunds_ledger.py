from decimal import Decimal

import pytest
from sqlmodel import Session, select

from activities.refunds_ledger import (
    IdempotencyConflictError,
    PaymentNotFoundError,
    RefundRequest,
    open_payment_balance,
    record_refund,
)
from domain.refunds import RefundExceedsCapturedError
from models.postsale import PaymentBalance, RefundEntry

D = Decimal


def refund(amount: str, key: str, payment_id: str = "pay-1") -> RefundRequest:
    return RefundRequest(payment_id, D(amount), "USD", key, reason="returned")


@pytest.fixture
def engine(ledger_engine):
    open_payment_balance(ledger_engine, "pay-1", "1001", D("100.00"), "USD")
    return ledger_engine


def test_record_refund_second_60_rejected(engine):
    # 100.00 captured: 60.00 leaves 40.00, so a second 60.00 is rejected.
    first = record_refund(engine, refund("60.00", "order-1001/refund/1"))
    with pytest.raises(RefundExceedsCapturedError) as caught:
        record_refund(engine, refund("60.00", "order-1001/refund/2"))

    assert first.remaining == D("40.00")
    assert not first.replayed
    assert caught.value.remaining == D("40.00")
    assert "40.00 USD remains" in str(caught.value)


def test_record_refund_exact_remainder(engine):
    record_refund(engine, refund("60.00", "k1"))
    last = record_refund(engine, refund("40.00", "k2"))

    assert last.remaining == D("0.00")


def test_record_refund_writes_entry_and_balance(engine):
    record_refund(engine, refund("25.50", "k1"))

    with Session(engine) as session:
        balance = session.get(PaymentBalance, "pay-1")
        entries = session.exec(select(RefundEntry)).all()
    assert balance.refunded == D("25.50")
    assert len(entries) == 1
    assert entries[0].order_id == "1001"
    assert entries[0].amount == D("25.50")
    assert entries[0].reason == "returned"


def test_record_refund_rejection_changes_nothing(engine):
    with pytest.raises(RefundExceedsCapturedError):
        record_refund(engine, refund("100.01", "k1"))

    with Session(engine) as session:
        balance = session.get(PaymentBalance, "pay-1")
        entries = session.exec(select(RefundEntry)).all()
    assert balance.refunded == D("0")
    assert entries == []


def test_record_refund_same_key_replayed(engine):
    first = record_refund(engine, refund("60.00", "k1"))
    again = record_refund(engine, refund("60.00", "k1"))

    assert again.replayed
    assert again.amount == D("60.00")
    assert again.remaining == first.remaining == D("40.00")


def test_record_refund_key_reused_for_other_amount(engine):
    record_refund(engine, refund("60.00", "k1"))

    with pytest.raises(IdempotencyConflictError, match="use a new key"):
        record_refund(engine, refund("10.00", "k1"))


def test_record_refund_unknown_payment(engine):
    with pytest.raises(PaymentNotFoundError, match="pay-9"):
        record_refund(engine, refund("1.00", "k1", payment_id="pay-9"))


def test_record_refund_other_currency_rejected(engine):
    request = RefundRequest("pay-1", D("1.00"), "EUR", "k1")

    with pytest.raises(ValueError, match="refund in USD"):
        record_refund(engine, request)


@pytest.mark.parametrize("amount", ["0", "-1.00", "1.005"])
def test_record_refund_invalid_amount(engine, amount):
    with pytest.raises(ValueError, match="must be positive and rounded"):
        record_refund(engine, refund(amount, "k1"))


def test_open_payment_balance_twice_keeps_first(engine):
    open_payment_balance(engine, "pay-1", "1001", D("999.00"), "USD")

    with Session(engine) as session:
        balance = session.get(PaymentBalance, "pay-1")
    assert balance.captured == D("100.00")
