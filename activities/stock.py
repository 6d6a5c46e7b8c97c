"""Stock reservation with conditional updates, so no unit is sold twice.

`UPDATE ... SET reserved = reserved + n WHERE on_hand - reserved >= n`
is atomic on PostgreSQL (row lock for the statement) and on SQLite
(one writer at a time), so two orders cannot both take the last unit.

Every change of a stock level is written with an immutable
`StockMovement` in the same transaction. `StockLevel` rows are the
running totals of those movements, and `audit_stock_levels` recomputes
them from the ledger to prove it.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy import func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from domain.allocation import Allocation, Location, WarehouseStock, strategy_named
from models.inventory import MovementKind, StockReceipt, StockThreshold
from models.payloads import OrderLineInput
from models.tables import (
    OrderRecord,
    PaymentLedgerEntry,
    Reservation,
    StockLevel,
    StockMovement,
    Warehouse,
)

log = structlog.get_logger("oms.stock")


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
    session: Session,
    order_id: str,
    lines: list[OrderLineInput],
    allocation: Allocation | None = None,
) -> list[Reservation]:
    """Reserve every SKU of an order in one transaction, or none of them.

    Without an allocation each SKU's total demand is taken from the one
    warehouse with the most available units. With one, the units of
    each shipment are taken from its warehouse. Idempotent: an order
    that already has live (active or picked) reservations gets them
    back. An order whose reservations were released, say because they
    expired during a hold, reserves again.
    """
    existing = live_reservations(session, order_id)
    if existing:
        return existing
    released = {(r.sku, r.warehouse_id): r for r in _reservations(session, order_id)}

    for sku, planned, quantity in _reservation_plan(lines, allocation):
        if planned is None:
            warehouse_id = _take(session, sku, quantity)
        elif _take_from(session, sku, planned, quantity):
            warehouse_id = planned
        else:
            warehouse_id = None
        if warehouse_id is None:
            # With an allocation, the error reports the planned
            # warehouse's units; without one, all warehouses' units.
            available = _available(session, sku, planned)
            session.rollback()
            log.info("stock_reservation_rejected", order_id=order_id, sku=sku,
                     requested=quantity, available=available)
            raise OutOfStockError(sku, quantity, available)
        earlier = released.get((sku, warehouse_id))
        if earlier is not None:
            # One row per order, SKU and warehouse: reuse the released one.
            earlier.status = "active"
            earlier.quantity = quantity
            session.add(earlier)
        else:
            session.add(
                Reservation(
                    order_id=order_id, sku=sku, warehouse_id=warehouse_id,
                    quantity=quantity,
                )
            )
        session.add(
            StockMovement(
                sku=sku, warehouse_id=warehouse_id,
                kind=MovementKind.RESERVATION, quantity=quantity,
                order_id=order_id, reason="order captured",
            )
        )
    session.commit()
    reservations = _reservations(session, order_id)
    log_low_stock(session, {(r.sku, r.warehouse_id) for r in reservations})
    return reservations


def log_low_stock(session: Session, keys: set[tuple[str, str]]) -> int:
    """Log a warning for each (SKU, warehouse) whose available units are
    at or below its low-stock threshold. Returns the number logged."""
    if not keys:
        return 0
    skus = sorted({sku for sku, _ in keys})
    rows = session.exec(
        select(StockLevel, StockThreshold)
        .join(StockThreshold, (StockThreshold.sku == StockLevel.sku)
              & (StockThreshold.warehouse_id == StockLevel.warehouse_id))
        .where(StockLevel.sku.in_(skus),
               StockLevel.on_hand - StockLevel.reserved
               <= StockThreshold.low_stock_threshold)
    ).all()
    logged = 0
    for level, threshold in rows:
        if (level.sku, level.warehouse_id) not in keys:
            continue
        log.warning("stock_low", sku=level.sku, warehouse_id=level.warehouse_id,
                    available=level.on_hand - level.reserved,
                    threshold=threshold.low_stock_threshold)
        logged += 1
    return logged


def _reservation_plan(
    lines: list[OrderLineInput], allocation: Allocation | None
) -> list[tuple[str, str | None, int]]:
    """Return (SKU, warehouse or None, units) in SKU order, so that
    concurrent orders lock stock rows in the same order."""
    demand = total_demand(lines)
    if allocation is None:
        return [(sku, None, quantity) for sku, quantity in sorted(demand.items())]

    plan = sorted(
        (sku, shipment.warehouse_id, quantity)
        for shipment in allocation.shipments
        for sku, quantity in shipment.quantities.items()
    )
    for sku, quantity in demand.items():
        if allocation.quantity(sku) != quantity:
            raise ValueError(
                f"allocation covers {allocation.quantity(sku)} units of SKU "
                f"{sku} but the order requests {quantity}; allocate again"
            )
    return plan


def live_reservations(session: Session, order_id: str) -> list[Reservation]:
    """Return the order's reservations that still hold or have picked stock."""
    return [r for r in _reservations(session, order_id)
            if r.status in ("active", "consumed")]


def release_order_stock(
    session: Session, order_id: str, reason: str, warehouse_id: str | None = None
) -> int:
    """Return an order's stock: reserved units to available, picked units
    to the shelf. Returns the number of units returned."""
    released = 0
    for reservation in _reservations(session, order_id, warehouse_id=warehouse_id):
        if reservation.status == "active":
            values = {"reserved": StockLevel.reserved - reservation.quantity}
            kind = MovementKind.RELEASE
        elif reservation.status == "consumed":
            values = {"on_hand": StockLevel.on_hand + reservation.quantity}
            kind = MovementKind.RETURN_TO_STOCK
        else:
            continue
        if not _claim(session, reservation, reservation.status, "released"):
            continue
        _change_level(session, reservation, **values)
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


def consume_order_stock(
    session: Session, order_id: str, warehouse_id: str | None = None
) -> int:
    """Turn active reservations into picked units leaving on-hand stock."""
    picked = 0
    for reservation in _reservations(
        session, order_id, status="active", warehouse_id=warehouse_id
    ):
        if not _claim(session, reservation, "active", "consumed"):
            continue
        _change_level(
            session, reservation,
            reserved=StockLevel.reserved - reservation.quantity,
            on_hand=StockLevel.on_hand - reservation.quantity,
        )
        session.add(
            StockMovement(
                sku=reservation.sku, warehouse_id=reservation.warehouse_id,
                kind=MovementKind.PICK, quantity=reservation.quantity,
                order_id=order_id,
                reason="picked for shipment",
            )
        )
        picked += reservation.quantity
    session.commit()
    return picked


class StockAdjustmentError(Exception):
    """An adjustment would leave fewer units on hand than are reserved."""


@dataclass(frozen=True)
class ReceiptLine:
    sku: str
    quantity: int


@dataclass(frozen=True)
class ReceiptResult:
    receipt_id: str
    units: int
    replayed: bool
    """True when the receipt was booked before and nothing changed."""


@dataclass(frozen=True)
class StockDiscrepancy:
    """A stock level that differs from the sum of its movements."""

    sku: str
    warehouse_id: str
    on_hand: int
    reserved: int
    ledger_on_hand: int
    ledger_reserved: int


class ReceiptConflictError(ValueError):
    """A receipt id sent again with different contents."""


def receive_stock(
    session: Session,
    receipt_id: str,
    purchase_order_id: str,
    warehouse_id: str,
    lines: list[ReceiptLine],
    user_id: str | None = None,
) -> ReceiptResult:
    """Book the units of a purchase order receipt as on-hand stock.

    Idempotent per `receipt_id`: booking the same receipt again changes
    nothing and returns the first booking with `replayed=True`.
    """
    quantities = Counter()
    for line in lines:
        if line.quantity <= 0:
            raise ValueError(
                f"SKU {line.sku}: received quantity {line.quantity} "
                "must be positive"
            )
        quantities[line.sku] += line.quantity

    # The receipt row goes first: a concurrent duplicate blocks on its
    # primary key and then fails, so units are never counted twice.
    session.add(StockReceipt(
        receipt_id=receipt_id, purchase_order_id=purchase_order_id,
        warehouse_id=warehouse_id, user_id=user_id,
        units=sum(quantities.values()),
    ))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        booked = session.get(StockReceipt, receipt_id)
        same = (booked.purchase_order_id == purchase_order_id
                and booked.warehouse_id == warehouse_id
                and booked.units == sum(quantities.values()))
        if not same:
            raise ReceiptConflictError(
                f"receipt {receipt_id} was booked for purchase order "
                f"{booked.purchase_order_id} in {booked.warehouse_id} with "
                f"{booked.units} units; use a new receipt_id for a new receipt"
            )
        return ReceiptResult(receipt_id, booked.units, replayed=True)

    for sku, quantity in sorted(quantities.items()):
        _add_on_hand(session, sku, warehouse_id, quantity)
        session.add(StockMovement(
            sku=sku, warehouse_id=warehouse_id, kind=MovementKind.RECEIPT,
            quantity=quantity, user_id=user_id, reference=purchase_order_id,
            reason=f"receipt {receipt_id}",
        ))
    session.commit()
    return ReceiptResult(receipt_id, sum(quantities.values()), replayed=False)


def adjust_stock(
    session: Session,
    sku: str,
    warehouse_id: str,
    quantity: int,
    reason: str,
    user_id: str | None = None,
) -> StockLevel:
    """Add (positive) or remove (negative) on-hand units after a count.

    Raises StockAdjustmentError when removing would leave fewer units
    on hand than are reserved for orders.
    """
    if quantity == 0:
        raise ValueError("adjustment quantity is 0; send a non-zero change")
    if not reason.strip():
        raise ValueError("adjustment reason is empty; say why stock changed")

    if quantity > 0:
        _add_on_hand(session, sku, warehouse_id, quantity)
    else:
        result = session.execute(
            update(StockLevel)
            .where(
                StockLevel.sku == sku,
                StockLevel.warehouse_id == warehouse_id,
                StockLevel.on_hand + quantity >= StockLevel.reserved,
            )
            .values(on_hand=StockLevel.on_hand + quantity)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            session.rollback()
            raise StockAdjustmentError(
                f"SKU {sku} in {warehouse_id}: removing {-quantity} units "
                "would leave fewer on hand than reserved"
            )

    session.add(StockMovement(
        sku=sku, warehouse_id=warehouse_id, kind=MovementKind.ADJUSTMENT,
        quantity=quantity, user_id=user_id, reason=reason,
    ))
    session.commit()
    return session.get(StockLevel, (sku, warehouse_id), populate_existing=True)


def audit_stock_levels(
    session: Session, sku: str | None = None
) -> list[StockDiscrepancy]:
    """Recompute on-hand and reserved units from the movement ledger and
    return every stock level that differs from it.

    A level that was written directly, without movements (as seed data
    may be), is reported too.
    """
    statement = select(
        StockMovement.sku, StockMovement.warehouse_id, StockMovement.kind,
        func.sum(StockMovement.quantity),
    ).group_by(StockMovement.sku, StockMovement.warehouse_id, StockMovement.kind)
    levels_statement = select(StockLevel)
    if sku is not None:
        statement = statement.where(StockMovement.sku == sku)
        levels_statement = levels_statement.where(StockLevel.sku == sku)

    ledger: dict[tuple[str, str], list[int]] = {}
    for row_sku, warehouse_id, kind, total in session.exec(statement):
        on_hand_sign, reserved_sign = _LEDGER_EFFECT[MovementKind(kind)]
        totals = ledger.setdefault((row_sku, warehouse_id), [0, 0])
        totals[0] += on_hand_sign * total
        totals[1] += reserved_sign * total

    discrepancies = []
    for level in session.exec(levels_statement):
        on_hand, reserved = ledger.pop((level.sku, level.warehouse_id), [0, 0])
        if (on_hand, reserved) != (level.on_hand, level.reserved):
            discrepancies.append(StockDiscrepancy(
                level.sku, level.warehouse_id, level.on_hand, level.reserved,
                on_hand, reserved,
            ))
    for (row_sku, warehouse_id), (on_hand, reserved) in ledger.items():
        discrepancies.append(StockDiscrepancy(
            row_sku, warehouse_id, 0, 0, on_hand, reserved
        ))
    return discrepancies


# Signs that a movement's quantity gets in (on hand, reserved).
_LEDGER_EFFECT = {
    MovementKind.RECEIPT: (1, 0),
    MovementKind.RESERVATION: (0, 1),
    MovementKind.RELEASE: (0, -1),
    MovementKind.PICK: (-1, -1),
    MovementKind.ADJUSTMENT: (1, 0),
    MovementKind.RETURN_TO_STOCK: (1, 0),
}


def expire_stale_reservations(session: Session, older_than: datetime) -> int:
    """Release active reservations created before `older_than` whose
    order has no authorized or captured payment and no live workflow
    (its projection is cancelled or failed, or missing). Returns the
    number of units released.

    Live orders expire their own reservations during a hold and reserve
    again on release, so this sweep only collects what dead orders left.
    Each reservation is claimed with a conditional status update, so a
    concurrent pick, release or second expiry run cannot count it twice.
    """
    paid = select(PaymentLedgerEntry.order_id).where(
        PaymentLedgerEntry.status.in_(("authorized", "captured"))
    )
    live = select(OrderRecord.id).where(OrderRecord.status.not_in(("cancelled", "failed")))
    stale = session.exec(
        select(Reservation).where(
            Reservation.status == "active",
            Reservation.created_at < older_than,
            Reservation.order_id.not_in(paid),
            Reservation.order_id.not_in(live),
        ).order_by(Reservation.sku, Reservation.warehouse_id)
    ).all()

    released = 0
    for reservation in stale:
        if not _claim(session, reservation, "active", "expired"):
            continue
        _change_level(
            session, reservation, reserved=StockLevel.reserved - reservation.quantity
        )
        session.add(StockMovement(
            sku=reservation.sku, warehouse_id=reservation.warehouse_id,
            kind=MovementKind.RELEASE, quantity=reservation.quantity,
            order_id=reservation.order_id, reason="reservation expired",
        ))
        released += reservation.quantity
    session.commit()
    return released


def load_warehouse_stock(
    session: Session, skus: list[str]
) -> list[WarehouseStock]:
    """Read available units of the SKUs per warehouse, for allocation."""
    warehouses = {w.id: w for w in session.exec(select(Warehouse))}
    available: dict[str, dict[str, int]] = {}
    levels = session.exec(select(StockLevel).where(StockLevel.sku.in_(skus)))
    for level in levels:
        units = level.on_hand - level.reserved
        available.setdefault(level.warehouse_id, {})[level.sku] = units

    result = []
    for warehouse_id, units in sorted(available.items()):
        warehouse = warehouses.get(warehouse_id)
        if warehouse is None:
            result.append(WarehouseStock(warehouse_id, units))
            continue
        location = None
        if warehouse.latitude is not None and warehouse.longitude is not None:
            location = Location(warehouse.latitude, warehouse.longitude)
        result.append(
            WarehouseStock(warehouse_id, units, location, warehouse.priority)
        )
    return result


def allocate_order(
    session: Session,
    lines: list[OrderLineInput],
    destination: Location | None,
    strategy: str = "fewest_shipments",
) -> Allocation:
    """Allocate an order's lines over the warehouses' available units
    with the named strategy. Raises AllocationError when all warehouses
    together hold too few units of a SKU."""
    demand = dict(total_demand(lines))
    warehouses = load_warehouse_stock(session, sorted(demand))
    return strategy_named(strategy).allocate(demand, warehouses, destination)


def _add_on_hand(
    session: Session, sku: str, warehouse_id: str, quantity: int
) -> None:
    """Add units to a stock level, creating it when missing. One
    INSERT ... ON CONFLICT DO UPDATE statement, so two concurrent first
    receipts of a SKU both count."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(StockLevel).values(
        sku=sku, warehouse_id=warehouse_id, on_hand=quantity, reserved=0
    )
    statement = statement.on_conflict_do_update(
        index_elements=["sku", "warehouse_id"],
        set_={"on_hand": StockLevel.on_hand + statement.excluded.on_hand},
    )
    session.execute(statement)


def _change_level(session: Session, reservation: Reservation, **values) -> None:
    """Apply column updates to the stock level a reservation draws on."""
    session.execute(
        update(StockLevel)
        .where(
            StockLevel.sku == reservation.sku,
            StockLevel.warehouse_id == reservation.warehouse_id,
        )
        .values(**values)
    )


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
        if _take_from(session, sku, level.warehouse_id, quantity):
            return level.warehouse_id
    return None


def _take_from(
    session: Session, sku: str, warehouse_id: str, quantity: int
) -> bool:
    result = session.execute(
        update(StockLevel)
        .where(
            StockLevel.sku == sku,
            StockLevel.warehouse_id == warehouse_id,
            StockLevel.on_hand - StockLevel.reserved >= quantity,
        )
        .values(reserved=StockLevel.reserved + quantity)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _available(
    session: Session, sku: str, warehouse_id: str | None = None
) -> int:
    statement = select(StockLevel).where(StockLevel.sku == sku)
    if warehouse_id is not None:
        statement = statement.where(StockLevel.warehouse_id == warehouse_id)
    levels = session.exec(statement).all()
    return sum(max(level.on_hand - level.reserved, 0) for level in levels)


def _reservations(
    session: Session, order_id: str, status: str | None = None,
    warehouse_id: str | None = None,
) -> list[Reservation]:
    statement = select(Reservation).where(Reservation.order_id == order_id)
    if status is not None:
        statement = statement.where(Reservation.status == status)
    if warehouse_id is not None:
        statement = statement.where(Reservation.warehouse_id == warehouse_id)
    return list(session.exec(statement).all())
