"""Payment provider interface and the built-in simulator.

Amounts cross this interface as integers of minor units, as card
processors take them. Every call carries an idempotency key: a provider
that receives a key again returns the first result and moves no money.
"""

import hashlib
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from integrations.errors import PaymentDeclinedError, TransientError
from models.tables import SimulatedPaymentOperation


@dataclass(frozen=True)
class ProviderPayment:
    payment_id: str
    amount_minor: int
    currency: str


class PaymentProvider(Protocol):
    def authorize(
        self, token: str, amount_minor: int, currency: str, idempotency_key: str
    ) -> ProviderPayment: ...

    def capture(
        self, authorization_id: str, amount_minor: int, currency: str,
        idempotency_key: str,
    ) -> ProviderPayment: ...

    def void(self, authorization_id: str, idempotency_key: str) -> ProviderPayment: ...

    def refund(
        self, capture_id: str, amount_minor: int, currency: str,
        idempotency_key: str,
    ) -> ProviderPayment: ...


class SimulatedPaymentProvider:
    """Payment provider that decides by card token.

    - `tok_decline...` declines authorization.
    - `tok_lost_answer_<n>_...` records each capture and refund but
      drops the response to the first n calls of each, as a network drop
      would.
    - any other token approves.
    The book lives in the database, so retries on any worker see it.
    """

    def __init__(self, engine: Engine):
        self._engine = engine

    def authorize(self, token, amount_minor, currency, idempotency_key):
        if token.startswith("tok_decline"):
            raise PaymentDeclinedError("card declined by the issuer")
        behavior = ""
        if token.startswith(LOST_ANSWER_PREFIX):
            behavior = token.removeprefix("tok_")
        op = self._record(
            idempotency_key, "authorize", amount_minor, currency, behavior=behavior
        )
        return ProviderPayment(op.payment_id, op.amount_minor, op.currency)

    def capture(self, authorization_id, amount_minor, currency, idempotency_key):
        op = self._record(
            idempotency_key, "capture", amount_minor, currency, parent=authorization_id
        )
        self._maybe_lose_answer(op)
        return ProviderPayment(op.payment_id, op.amount_minor, op.currency)

    def void(self, authorization_id, idempotency_key):
        op = self._record(idempotency_key, "void", 0, "", parent=authorization_id)
        return ProviderPayment(op.payment_id, 0, "")

    def refund(self, capture_id, amount_minor, currency, idempotency_key):
        op = self._record(
            idempotency_key, "refund", amount_minor, currency, parent=capture_id
        )
        self._maybe_lose_answer(op)
        return ProviderPayment(op.payment_id, op.amount_minor, op.currency)

    def operations(self, kind: str | None = None) -> list[SimulatedPaymentOperation]:
        """List the simulator's book, for tests and the demo summary."""
        with Session(self._engine) as session:
            statement = select(SimulatedPaymentOperation)
            if kind is not None:
                statement = statement.where(SimulatedPaymentOperation.kind == kind)
            return list(session.exec(statement).all())

    def _record(
        self, key, kind, amount_minor, currency, behavior="", parent=""
    ) -> SimulatedPaymentOperation:
        with Session(self._engine) as session:
            op = session.get(SimulatedPaymentOperation, key, with_for_update=True)
            if op is None:
                digest = hashlib.sha256(key.encode()).hexdigest()[:16]
                op = SimulatedPaymentOperation(
                    idempotency_key=key,
                    payment_id=f"{kind[:4]}_{digest}",
                    kind=kind,
                    amount_minor=amount_minor,
                    currency=currency,
                    behavior=behavior,
                    parent_id=parent,
                )
            else:
                op.calls += 1
            session.add(op)
            try:
                session.commit()
            except IntegrityError:
                # Another attempt with the same key inserted first.
                session.rollback()
                return self._record(key, kind, amount_minor, currency, behavior, parent)
            session.refresh(op)
            return op

    def _maybe_lose_answer(self, operation: SimulatedPaymentOperation) -> None:
        """Drop the response to a capture or refund whose card token
        requests it, after the operation was recorded."""
        authorization = self._root_authorization(operation)
        if authorization is None or not authorization.behavior.startswith("lost_answer_"):
            return
        drops = int(authorization.behavior.split("_")[2])
        if operation.calls <= drops:
            raise TransientError(
                f"connection reset after {operation.kind} call {operation.calls}; "
                f"the provider did {operation.kind}"
            )

    def _root_authorization(self, operation: SimulatedPaymentOperation):
        """Follow parent ids from a refund or capture to its authorization."""
        current = operation
        with Session(self._engine) as session:
            for _ in range(3):
                if current.kind == "authorize":
                    return current
                current = session.exec(
                    select(SimulatedPaymentOperation).where(
                        SimulatedPaymentOperation.payment_id == current.parent_id
                    )
                ).first()
                if current is None:
                    return None
        return None


LOST_ANSWER_PREFIX = "tok_lost_answer_"
