"""Refunds recorded against a payment's refundable balance.

`UPDATE payment_balances SET refunded = refunded + n
WHERE captured - refunded >= n` is one atomic statement. Under
PostgreSQL's READ COMMITTED, a second concurrent refund waits for the
first to commit and then checks its condition against the new row, so
two refunds can never take more than was captured together.

The refund row is inserted in the same transaction. A retry with the
same idempotency key finds that row and returns the first result
instead of refunding twice.
"""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from domain.money import round_money
from domain.refunds import RefundExceedsCapturedError
from models.postsale import PaymentBalance, RefundEntry
from models.tables import utc_now


class PaymentNotFoundError(LookupError):
    pass


class IdempotencyConflictError(ValueError):
    """An idempotency key reused for a different refund."""


@dataclass(frozen=True)
class RefundRequest:
    payment_id: str
    amount: Decimal
    currency: str
    idempotency_key: str
    reason: str = ""


@dataclass(frozen=True)
class RefundRecorded:
    payment_id: str
    amount: Decimal
    remaining: Decimal
    """Amount still refundable after this refund."""
    replayed: bool
    """True when the key was already recorded and nothing changed."""


def open_payment_balance(
    engine: Engine, payment_id: str, order_id: str, captured: Decimal, currency: str
) -> None:
    """Create the refundable balance of a captured payment, once."""
    with Session(engine) as session:
        if session.get(PaymentBalance, payment_id) is not None:
            return
        session.add(
            PaymentBalance(
                payment_id=payment_id,
                order_id=order_id,
                currency=currency,
                captured=round_money(captured, currency),
            )
        )
        try:
            session.commit()
        except IntegrityError:
            # A concurrent call created it first, which is the same outcome.
            session.rollback()


def record_refund(engine: Engine, request: RefundRequest) -> RefundRecorded:
    """Take a refund from the payment's balance and record it.

    Raises `RefundExceedsCapturedError` with the amount that remains
    when the balance is too small, `PaymentNotFoundError` for an unknown
    payment, and `IdempotencyConflictError` when the key was used for a
    different refund.
    """
    amount = _checked_amount(request)
    with Session(engine) as session:
        earlier = session.get(RefundEntry, request.idempotency_key)
        if earlier is not None:
            return _replay(session, earlier, request)

        balance = _balance_for(session, request)
        remaining = _take_from_balance(session, request.payment_id, amount)
        if remaining is None:
            session.rollback()
            # A concurrent retry with this key may have taken the balance
            # while this update waited for its row lock. That is a replay.
            earlier = session.get(RefundEntry, request.idempotency_key)
            if earlier is not None:
                return _replay(session, earlier, request)
            raise _rejection(session, request.payment_id, amount)

        session.add(
            RefundEntry(
                idempotency_key=request.idempotency_key,
                payment_id=request.payment_id,
                order_id=balance.order_id,
                amount=amount,
                currency=request.currency,
                reason=request.reason,
            )
        )
        try:
            session.commit()
        except IntegrityError:
            # The same key committed in between. The rollback undoes this
            # call's balance change, so the first call's result is returned.
            session.rollback()
            earlier = session.get(RefundEntry, request.idempotency_key)
            return _replay(session, earlier, request)

    remaining = round_money(remaining, request.currency)
    return RefundRecorded(request.payment_id, amount, remaining, replayed=False)


def _checked_amount(request: RefundRequest) -> Decimal:
    amount = request.amount
    if amount <= 0 or round_money(amount, request.currency) != amount:
        raise ValueError(
            f"refund amount {amount} {request.currency} must be positive and "
            "rounded to the currency's minor unit"
        )
    return amount


def _take_from_balance(
    session: Session, payment_id: str, amount: Decimal
) -> Decimal | None:
    """Return the remaining balance, or None when the refund does not fit."""
    table = PaymentBalance.__table__
    statement = (
        update(table)
        .where(table.c.payment_id == payment_id)
        .where(table.c.captured - table.c.refunded >= amount)
        .values(refunded=table.c.refunded + amount, updated_at=utc_now())
        .returning(table.c.captured - table.c.refunded)
    )
    return session.execute(statement).scalar_one_or_none()


def _balance_for(session: Session, request: RefundRequest) -> PaymentBalance:
    balance = session.get(PaymentBalance, request.payment_id)
    if balance is None:
        raise PaymentNotFoundError(
            f"payment {request.payment_id!r} has no refundable balance. "
            "Open one with open_payment_balance when it is captured"
        )
    if balance.currency != request.currency:
        raise ValueError(
            f"refund in {request.currency} for payment {request.payment_id!r} "
            f"captured in {balance.currency}; refund in {balance.currency}"
        )
    return balance


def _rejection(
    session: Session, payment_id: str, amount: Decimal
) -> RefundExceedsCapturedError:
    # Read after the rollback, so the amount is what other refunds left.
    balance = session.get(PaymentBalance, payment_id)
    currency = balance.currency
    return RefundExceedsCapturedError(
        requested=amount,
        remaining=round_money(balance.captured - balance.refunded, currency),
        captured=round_money(balance.captured, currency),
        currency=currency,
    )


def _replay(
    session: Session, earlier: RefundEntry, request: RefundRequest
) -> RefundRecorded:
    same = earlier.payment_id == request.payment_id and earlier.amount == request.amount
    if not same:
        raise IdempotencyConflictError(
            f"idempotency key {request.idempotency_key!r} was used for a refund "
            f"of {earlier.amount} on payment {earlier.payment_id!r}; use a new key"
        )
    balance = session.get(PaymentBalance, earlier.payment_id)
    remaining = round_money(balance.captured - balance.refunded, balance.currency)
    return RefundRecorded(
        earlier.payment_id,
        round_money(earlier.amount, balance.currency),
        remaining,
        replayed=True,
    )
