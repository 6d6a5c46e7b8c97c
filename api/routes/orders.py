"""Order endpoints: create, read, list, operator actions, history."""

from decimal import Decimal
from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import AwareDatetime
from sqlalchemy import func
from sqlmodel import Session, select
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError

from api.auth import (
    ConfirmWarehouse,
    OperateOrders,
    ReadHistory,
    ReadOrders,
    WriteOrders,
    hash_key,
)
from api.history import readable_history
from api.intake import check_lines_against_catalog, claim_idempotency_key
from api.problems import ApiProblem, field_error
from api.temporal_calls import order_handle, order_workflow_id, query_state, run_update
from domain.money import round_money
from models.api import HistoryEvent, OrderCreate, OrderCreated, OrderPage, OrderSummary, Problem
from models.payloads import (
    Address,
    FollowUpPolicy,
    OperatorRequest,
    OrderInput,
    OrderLineInput,
    OrderState,
    WarehouseConfirmation,
)
from models.status import OrderStatus
from models.tables import OrderRecord
from workflows.order import OrderWorkflow
from workflows import search_attributes

router = APIRouter(prefix="/orders", tags=["orders"])

_ERRORS = {
    401: {"model": Problem, "description": "Missing or invalid API key"},
    403: {"model": Problem, "description": "The key's role may not call this"},
    404: {"model": Problem, "description": "No such order"},
}
IdempotencyKey = Annotated[str, Header(
    alias="Idempotency-Key", min_length=1, max_length=255,
    description="Unique per order; resending it with the same body is safe.",
)]


@router.post("", status_code=201, response_model=OrderCreated,
             responses={**_ERRORS, 200: {"model": OrderCreated, "description": "Replay of an earlier request"},
                        422: {"model": Problem, "description": "Invalid body or key reuse"}})
async def create_order(order: OrderCreate, idempotency_key: IdempotencyKey,
                       request: Request, response: Response, _: WriteOrders) -> OrderCreated:
    """Accept an order and start its workflow.

    The same `Idempotency-Key` with the same body returns the same order
    with status 200; with a different body it is rejected with 422.
    """
    app = request.app
    with Session(app.state.engine) as session:
        check_lines_against_catalog(session, order)
        # Keys are scoped to the API key that sent them, so two backends
        # that both use "order-1" as a key never see each other's orders.
        scope = hash_key(request.headers["authorization"].partition(" ")[2].strip())[:16]
        order_id, created = claim_idempotency_key(
            session, f"{scope}:{idempotency_key}", order)

    settings = app.state.settings
    workflow_input = OrderInput(
        order_id=order_id,
        channel=order.channel.value,
        customer_id=order.customer_id,
        customer_name=order.customer_name,
        customer_email=order.customer_email,
        customer_group=order.customer_group,
        currency=order.currency,
        lines=[OrderLineInput(sku=l.sku, quantity=l.quantity) for l in order.lines],
        shipping_address=Address(**order.shipping_address.model_dump()),
        ship_mode=order.ship_mode,
        payment_token=order.payment_token,
        placed_at=order.placed_at or datetime.now(timezone.utc),
        follow_up=FollowUpPolicy(
            tracking_poll_seconds=settings.tracking_poll_seconds,
            feedback_delay_seconds=settings.feedback_delay_seconds,
            return_window_seconds=settings.return_window_days * 86400,
        ),
    )
    # Starting again on a replayed key is safe (USE_EXISTING) and heals a
    # first attempt that stored the key but failed to reach Temporal.
    try:
        await app.state.temporal.start_workflow(
            OrderWorkflow.run, workflow_input,
            id=order_workflow_id(order_id),
            task_queue=settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            search_attributes=search_attributes.at_start(
                order.channel.value, order.customer_id),
        )
    except RPCError as error:
        raise ApiProblem(503, "temporal_unavailable",
                         f"order {order_id} was stored but its workflow did not "
                         f"start ({error.message}); resend the same request") from error

    response.status_code = 201 if created else 200
    response.headers["Location"] = f"/orders/{order_id}"
    status = OrderStatus.RECEIVED
    if not created:
        with Session(app.state.engine) as session:
            record = session.get(OrderRecord, order_id)
        if record is not None:
            status = OrderStatus(record.status)
    return OrderCreated(id=order_id, workflow_id=order_workflow_id(order_id), status=status)


@router.get("/{order_id}", response_model=OrderState, responses=_ERRORS)
async def get_order(order_id: str, request: Request, _: ReadOrders) -> OrderState:
    """Return the order's live state: lines, payments, shipments, holds, timeline."""
    state = await query_state(request.app.state.temporal, order_id)
    if state is not None:
        return state
    # Workflows past retention are gone; the projection keeps the last state.
    with Session(request.app.state.engine) as session:
        record = session.get(OrderRecord, order_id)
    if record is None or not record.state:
        raise ApiProblem(404, "order_not_found", f"order {order_id} does not exist")
    return OrderState.model_validate(record.state)


@router.get("", response_model=OrderPage, responses=_ERRORS)
def list_orders(
    request: Request, _: ReadOrders,
    status: OrderStatus | None = None,
    channel: str | None = None,
    customer_id: str | None = None,
    placed_from: AwareDatetime | None = Query(
        None, description="Inclusive, ISO 8601 with a UTC offset."),
    placed_to: AwareDatetime | None = Query(
        None, description="Exclusive, ISO 8601 with a UTC offset."),
    page: int = Query(1, ge=1, le=1_000_000),
    page_size: int = Query(50, ge=1, le=500),
) -> OrderPage:
    """List orders from the projection, newest first."""
    statement = select(OrderRecord)
    if status is not None:
        statement = statement.where(OrderRecord.status == status.value)
    if channel is not None:
        statement = statement.where(OrderRecord.channel == channel)
    if customer_id is not None:
        statement = statement.where(OrderRecord.customer_id == customer_id)
    if placed_from is not None:
        statement = statement.where(OrderRecord.placed_at >= placed_from)
    if placed_to is not None:
        statement = statement.where(OrderRecord.placed_at < placed_to)

    with Session(request.app.state.engine) as session:
        total = session.exec(select(func.count()).select_from(statement.subquery())).one()
        rows = session.exec(
            statement.order_by(OrderRecord.placed_at.desc(), OrderRecord.id)
            .offset((page - 1) * page_size).limit(page_size)
        ).all()
    items = [
        OrderSummary(
            id=row.id, status=OrderStatus(row.status), channel=row.channel,
            customer_id=row.customer_id, currency=row.currency,
            total=(None if row.total is None
                   else str(round_money(Decimal(row.total), row.currency))),
            placed_at=row.placed_at, updated_at=row.updated_at,
        )
        for row in rows
    ]
    return OrderPage(items=items, total=total, page=page, page_size=page_size)


_ACTION_ERRORS = {**_ERRORS, 409: {"model": Problem, "description": "Not allowed in the order's current state"}}


@router.post("/{order_id}/hold", response_model=OrderState, responses=_ACTION_ERRORS)
async def hold_order(order_id: str, body: OperatorRequest, request: Request,
                     _: OperateOrders) -> OrderState:
    """Pause the order before its next step."""
    return await run_update(request.app.state.temporal, order_id, OrderWorkflow.hold, body)


@router.post("/{order_id}/release", response_model=OrderState, responses=_ACTION_ERRORS)
async def release_order(order_id: str, body: OperatorRequest, request: Request,
                        _: OperateOrders) -> OrderState:
    """Lift the active hold so the order moves on."""
    return await run_update(request.app.state.temporal, order_id, OrderWorkflow.release, body)


@router.post("/{order_id}/cancel", response_model=OrderState, responses=_ACTION_ERRORS)
async def cancel_order(order_id: str, body: OperatorRequest, request: Request,
                       _: OperateOrders) -> OrderState:
    """Cancel the order; allowed until its shipment leaves the warehouse.

    The workflow then refunds or voids the payment and releases stock.
    """
    return await run_update(request.app.state.temporal, order_id, OrderWorkflow.cancel, body)


@router.post("/{order_id}/warehouse-confirmations", response_model=OrderState,
             responses=_ACTION_ERRORS)
async def confirm_warehouse_step(order_id: str, body: WarehouseConfirmation,
                                 request: Request, _: ConfirmWarehouse) -> OrderState:
    """Confirm that staff finished picking or packing the order."""
    if body.step not in ("pick", "pack"):
        raise ApiProblem(422, "invalid_step", f"step {body.step!r} is not pick or pack",
                         [field_error("step", "unknown step", "send pick or pack")])
    return await run_update(request.app.state.temporal, order_id,
                            OrderWorkflow.confirm_warehouse_step, body)


@router.get("/{order_id}/history", responses=_ERRORS,
            response_model=list[HistoryEvent])
async def order_history(order_id: str, request: Request, _: ReadHistory,
                        format: str = Query("readable", pattern="^(readable|raw)$")):
    """Return the order's Temporal event history, readable or as raw JSON."""
    try:
        history = await order_handle(request.app.state.temporal, order_id).fetch_history()
    except RPCError as error:
        raise ApiProblem(404, "order_not_found",
                         f"order {order_id} has no workflow history ({error.message})") from error
    if format == "raw":
        return Response(history.to_json(), media_type="application/json")
    return readable_history(history)
