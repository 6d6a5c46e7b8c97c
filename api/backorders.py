"""Hand incoming stock to backordered orders, oldest order first."""

import structlog
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.client import Client
from temporalio.service import RPCError

from activities.stock import OutOfStockError, reserve_order_stock
from models.payloads import OrderLineInput
from models.status import OrderStatus
from models.tables import OrderRecord

log = structlog.get_logger("oms.backorders")


def reserve_for_backorders(engine: Engine, skus: set[str]) -> list[str]:
    """Reserve stock for orders waiting on any of `skus`, by order date.

    Reserving here, not in each order's workflow, is what makes the
    oldest order win when a receipt covers only some of them. Returns
    the ids of the orders that now hold their stock.
    """
    served = []
    with Session(engine) as session:
        waiting = session.exec(
            select(OrderRecord)
            .where(OrderRecord.status == OrderStatus.RECEIVED.value)
            .order_by(OrderRecord.placed_at, OrderRecord.id)
        ).all()
        for record in waiting:
            backordered = set((record.state or {}).get("backordered_skus") or [])
            if not backordered & skus:
                continue
            lines = [OrderLineInput.model_validate(line)
                     for line in record.state.get("requested_lines", [])]
            try:
                reserve_order_stock(session, record.id, lines)
            except OutOfStockError as error:
                log.info("backorder_still_short", order_id=record.id, error=str(error))
                continue
            served.append(record.id)
    return served


async def wake_backorders(client: Client, order_ids: list[str]) -> None:
    """Signal each served order so that its workflow captures again."""
    for order_id in order_ids:
        try:
            await client.get_workflow_handle(f"order-{order_id}").signal("stock_received")
        except RPCError as error:
            log.warning("backorder_signal_failed", order_id=order_id, error=str(error))
