"""Stock reservation with conditional updates, so no unit is sold twice.

`UPDATE ... SET reserved = reserved + n WHERE on_hand - reserved >= n`
is atomic on PostgreSQL (row lock for the statement) and on SQLite
(one writer at a time), so two orders cannot both take the last unit.
"""

from collections import Counter

from sqlalchemy import update
from sqlmodel import Session, select

from models.payloads import OrderLineInput
from models.tables import Reservation, StockLevel, StockMovement


class OutOfStockError(Exception):
    def __init__(self, sku: str, requested: int, available: int):
        super().__init__(
            f"SKU {sku}: {requested} requested, {available} available"
        )
        self.sku = sku
        self.requested = requested
        self.available = available


def total_demand(lines: list[OrderLineInput]) -> Counter[str]:
    """Add up the quantities of lines that repeat a SKU."""
    demand: Counter[str] = Counter()
    for line in lines:
        demand[line.sku] += line.quantity
    return demand


def reserve_order_stock(
    session: Session, order_id: str, lines: list[OrderLineInput]
) -> list[Reservation]:
    """Reserve every SKU of an order in one transaction, or none of them.

    Idempotent: an order that already holds reservations gets them back.
    """
    existing = _reservations(session, order_id)
    if existing:
        return existing

    for sku, quantity in sorted(total_demand(lines).items()):
        warehouse_id = _take(session, sku, quantity)
        if warehouse_id is None:
            available = _available(session, sku)
            session.rollback()
            raise OutOfStockError(sku, quantity, available)
        session.add(
            Reservation(
                order_id=order_id, sku=sku, warehouse_id=warehouse_id,
                quantity=quantity,
            )
        )
        session.add(
            StockMovement(
                sku=sku, warehouse_id=warehouse_id, kind="reservation",
                quantity=quantity, order_id=order_id, reason="order captured",
            )
        )
    session.commit()
    return _reservations(session, order_id)


def release_order_stock(session: Session, order_id: str, reason: str) -> int:
    """Return an order's stock: reserved units to available, picked units
    to the shelf. Returns the number of units returned."""
    released = 0
    for reservation in _reservations(session, order_id):
        if reservation.status == "active":
            values = {"reserved": StockLevel.reserved - reservation.quantity}
            kind = "release"
        elif reservation.status == "consumed":
            values = {"on_hand": StockLevel.on_hand + reservation.quantity}
            kind = "return_to_stock"
        else:
            continue
        if not _claim(session, reservation, reservation.status, "released"):
            continue
        session.execute(
            update(StockLevel)
            .where(
                StockLevel.sku == reservation.sku,
                StockLevel.warehouse_id == reservation.warehouse_id,
            )
            .values(**values)
        )
        session.add(
            StockMovement(
                sku=reservation.sku, warehouse_id=reservation.warehouse_id,
                kind=kind, quantity=reservation.quantity,
                order_id=order_id, reason=reason,
            )
        )
        released += reservation.quantity
    session.commit()
    return released


def consume_order_stock(session: Session, order_id: str) -> int:
    """Turn active reservations into picked units leaving on-hand stock."""
    picked = 0
    for reservation in _reservations(session, order_id, status="active"):
        if not _claim(session, reservation, "active", "consumed"):
            continue
        session.execute(
            update(StockLevel)
            .where(
                StockLevel.sku == reservation.sku,
                StockLevel.warehouse_id == reservation.warehouse_id,
            )
            .values(
                reserved=StockLevel.reserved - reservation.quantity,
                on_hand=StockLevel.on_hand - reservation.quantity,
            )
        )
        session.add(
            StockMovement(
                sku=reservation.sku, warehouse_id=reservation.warehouse_id,
                kind="pick", quantity=reservation.quantity, order_id=order_id,
                reason="picked for shipment",
            )
        )
        picked += reservation.quantity
    session.commit()
    return picked


def _claim(
    session: Session, reservation: Reservation, current: str, new: str
) -> bool:
    """Move a reservation from one status to the next once, even when two
    calls race: only the call whose update matched a row goes on."""
    result = session.execute(
        update(Reservation)
        .where(Reservation.id == reservation.id, Reservation.status == current)
        .values(status=new)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _take(session: Session, sku: str, quantity: int) -> str | None:
    candidates = session.exec(
        select(StockLevel)
        .where(StockLevel.sku == sku)
        .order_by((StockLevel.on_hand - StockLevel.reserved).desc())
    ).all()
    for level in candidates:
        result = session.execute(
            update(StockLevel)
            .where(
                StockLevel.sku == sku,
                StockLevel.warehouse_id == level.warehouse_id,
                StockLevel.on_hand - StockLevel.reserved >= quantity,
            )
            .values(reserved=StockLevel.reserved + quantity)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            return level.warehouse_id
    return None


def _available(session: Session, sku: str) -> int:
    levels = session.exec(select(StockLevel).where(StockLevel.sku == sku)).all()
    return sum(max(level.on_hand - level.reserved, 0) for level in levels)


def _reservations(
    session: Session, order_id: str, status: str | None = None
) -> list[Reservation]:
    statement = select(Reservation).where(Reservation.order_id == order_id)
    if status is not None:
        statement = statement.where(Reservation.status == status)
    return list(session.exec(statement).all())
