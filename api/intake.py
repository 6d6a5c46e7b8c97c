"""Order intake: catalog checks and the idempotency-key book."""

import hashlib
import uuid

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from api.problems import ApiProblem, field_error
from models.api import OrderCreate
from models.tables import IdempotencyRecord, OrderRecord, Product


def check_lines_against_catalog(session: Session, order: OrderCreate) -> None:
    """Reject unknown or discontinued SKUs, naming each bad line."""
    skus = {line.sku for line in order.lines}
    products = {
        product.sku: product
        for product in session.exec(select(Product).where(Product.sku.in_(skus)))
    }
    errors = []
    for index, line in enumerate(order.lines):
        product = products.get(line.sku)
        if product is None:
            errors.append(field_error(
                f"lines[{index}].sku", f"SKU {line.sku} is not in the catalog",
                "check the SKU against the catalog or remove the line",
            ))
        elif product.discontinued:
            errors.append(field_error(
                f"lines[{index}].sku", f"SKU {line.sku} is discontinued",
                "remove the line or pick its successor",
            ))
        elif product.currency != order.currency:
            errors.append(field_error(
                "currency", f"SKU {line.sku} is priced in {product.currency}, "
                f"not {order.currency}",
                f"send the order in {product.currency}",
            ))
    if errors:
        fields = ", ".join(sorted({error["field"] for error in errors}))
        raise ApiProblem(422, "invalid_lines", f"invalid fields: {fields}", errors)


def request_hash(order: OrderCreate) -> str:
    """Hash the body as sent, so a retry with the same body matches."""
    canonical = order.model_dump_json(exclude_none=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def claim_idempotency_key(session: Session, key: str, order: OrderCreate) -> tuple[str, bool]:
    """Return the order id for this key and whether this call created it.

    The same key with a different body is rejected, because the client
    would otherwise believe a changed order was accepted.
    """
    digest = request_hash(order)
    existing = session.get(IdempotencyRecord, key)
    if existing is None:
        order_id = order.order_id or f"ORD-{uuid.uuid4().hex[:12].upper()}"
        _reject_reused_order_id(session, order_id)
        session.add(IdempotencyRecord(key=key, request_hash=digest, order_id=order_id))
        try:
            session.commit()
            return order_id, True
        except IntegrityError:
            # A concurrent request with the same key won the insert.
            session.rollback()
            existing = session.get(IdempotencyRecord, key)
    if existing.request_hash != digest:
        raise ApiProblem(
            422, "idempotency_key_reused",
            f"Idempotency-Key {key.partition(':')[2]!r} was already used for order "
            f"{existing.order_id} with a different body; send a new key "
            "for a new order, or resend the original body",
            [field_error("Idempotency-Key", "key reused with another body",
                         "generate a new key per distinct order")],
        )
    return existing.order_id, False


def _reject_reused_order_id(session: Session, order_id: str) -> None:
    taken = session.exec(
        select(IdempotencyRecord).where(IdempotencyRecord.order_id == order_id)
    ).first()
    if taken is not None or session.get(OrderRecord, order_id) is not None:
        raise ApiProblem(
            409, "order_exists",
            f"order {order_id} already exists under another Idempotency-Key; "
            "resend with that key, or choose a new order_id",
            [field_error("order_id", "already used", "choose a new order_id")],
        )
