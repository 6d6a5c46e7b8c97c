"""Concurrent refunds on PostgreSQL: threads with their own connections
start together behind a barrier, so their updates race on one row."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from activities.refunds_ledger import RefundRequest, open_payment_balance, record_refund
from domain.refunds import RefundExceedsCapturedError
from models.postsale import PaymentBalance, RefundEntry

pytestmark = pytest.mark.postgres

D = Decimal


def race(engine, requests: list[RefundRequest]) -> list:
    """Run every request at once; return each result or raised error."""
    barrier = threading.Barrier(len(requests))

    def attempt(request: RefundRequest):
        barrier.wait(timeout=10)
        try:
            return record_refund(engine, request)
        except RefundExceedsCapturedError as error:
            return error

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(attempt, requests))


def balance_of(engine, payment_id: str) -> tuple[Decimal, int]:
    with Session(engine) as session:
        balance = session.get(PaymentBalance, payment_id)
        entries = session.exec(
            select(RefundEntry).where(RefundEntry.payment_id == payment_id)
        ).all()
    return balance.refunded, len(entries)


def test_refund_concurrency_two_60_of_100(postgres_ledger_engine):
    # 100.00 captured, two refunds of 60.00 at once, 20 rounds: each
    # round one succeeds and one is rejected with 40.00 remaining.
    engine = postgres_ledger_engine
    for round_number in range(20):
        payment_id = f"pay-{round_number}"
        open_payment_balance(engine, payment_id, "1001", D("100.00"), "USD")
        requests = [
            RefundRequest(payment_id, D("60.00"), "USD", f"{payment_id}/refund/{n}")
            for n in (1, 2)
        ]

        results = race(engine, requests)

        rejected = [r for r in results if isinstance(r, RefundExceedsCapturedError)]
        assert len(rejected) == 1, f"round {round_number}: {results}"
        assert rejected[0].remaining == D("40.00")
        assert "40.00 USD remains" in str(rejected[0])
        assert balance_of(engine, payment_id) == (D("60.00"), 1)


def test_refund_concurrency_many_small(postgres_ledger_engine):
    # 10 refunds of 15.00 at once against 100.00: 6 fit (90.00), 4 are
    # rejected, and the balance ends at exactly 90.00 refunded.
    engine = postgres_ledger_engine
    open_payment_balance(engine, "pay-m", "1002", D("100.00"), "USD")
    requests = [
        RefundRequest("pay-m", D("15.00"), "USD", f"pay-m/refund/{n}")
        for n in range(10)
    ]

    results = race(engine, requests)

    rejected = [r for r in results if isinstance(r, RefundExceedsCapturedError)]
    assert len(rejected) == 4
    assert balance_of(engine, "pay-m") == (D("90.00"), 6)


def test_refund_concurrency_same_key_once(postgres_ledger_engine):
    # Four retries of one refund at once: one applies, three replay it.
    engine = postgres_ledger_engine
    open_payment_balance(engine, "pay-k", "1003", D("100.00"), "USD")
    request = RefundRequest("pay-k", D("60.00"), "USD", "pay-k/refund/1")

    results = race(engine, [request] * 4)

    assert sum(not result.replayed for result in results) == 1
    assert all(result.remaining == D("40.00") for result in results)
    assert balance_of(engine, "pay-k") == (D("60.00"), 1)
