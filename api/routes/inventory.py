"""Inventory endpoints: receipts, adjustments, stock levels, alerts,
thresholds, reorder suggestions (JSON and CSV), reports and audit."""

import csv
import io
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session, select

from activities.planning import inventory_report, reorder_suggestions, stock_alerts
from activities.stock import (
    ReceiptConflictError,
    ReceiptLine,
    StockAdjustmentError,
    adjust_stock,
    allocate_order,
    audit_stock_levels,
    expire_stale_reservations,
    receive_stock,
)
from api.auth import Role, hash_key, require
from api.backorders import reserve_for_backorders, wake_backorders
from api.problems import ApiProblem, field_error
from domain.allocation import AllocationError, Location
from models.api import Problem
from models.inventory import StockThreshold
from models.inventory_api import (
    AdjustmentCreate,
    AllocationPublic,
    AllocationRequest,
    ExpiryResult,
    InventoryReportPublic,
    ReceiptBooked,
    ReceiptCreate,
    ReorderSuggestionPublic,
    StockAlertPublic,
    StockDiscrepancyPublic,
    StockLevelPublic,
    ThresholdPublic,
    ThresholdUpdate,
)
from models.payloads import OrderLineInput
from models.tables import ApiKey, Product, StockLevel, Warehouse

router = APIRouter(prefix="/inventory", tags=["inventory"])
log = structlog.get_logger("oms.api.inventory")

ReadStock = Annotated[Role, Depends(require(
    Role.BACKEND, Role.SUPPORT, Role.OPERATOR, Role.WAREHOUSE
))]
ChangeStock = Annotated[Role, Depends(require(Role.WAREHOUSE, Role.OPERATOR))]
PlanStock = Annotated[Role, Depends(require(Role.OPERATOR))]
Administer = Annotated[Role, Depends(require())]

_ERRORS = {
    401: {"model": Problem, "description": "Missing or invalid API key"},
    403: {"model": Problem, "description": "The key's role may not call this"},
}
SUGGESTION_COLUMNS = list(ReorderSuggestionPublic.model_fields)


@router.post("/receipts", status_code=201, response_model=ReceiptBooked,
             responses={**_ERRORS,
                        200: {"model": ReceiptBooked,
                              "description": "Replay of a booked receipt"},
                        404: {"model": Problem, "description": "No such warehouse"},
                        422: {"model": Problem, "description": "Unknown SKU"}})
async def book_receipt(body: ReceiptCreate, request: Request, response: Response,
                       _: ChangeStock) -> ReceiptBooked:
    """Book a purchase order receipt as on-hand stock.

    Resending the same `receipt_id` books nothing and returns status 200.
    Backordered orders waiting for these SKUs then get the stock, oldest
    order first.
    """
    def book() -> object:
        with Session(request.app.state.engine) as session:
            _check_warehouse(session, body.warehouse_id)
            _check_skus(session, [line.sku for line in body.lines])
            return receive_stock(
                session, body.receipt_id, body.purchase_order_id, body.warehouse_id,
                [ReceiptLine(line.sku, line.quantity) for line in body.lines],
                user_id=_caller(request, session),
            )

    try:
        result = await run_in_threadpool(book)
    except ReceiptConflictError as error:
        raise ApiProblem(409, "receipt_conflict", str(error), [
            field_error("receipt_id", "already booked with other contents",
                        "send a new receipt_id")]) from error
    served = await run_in_threadpool(
        reserve_for_backorders, request.app.state.engine,
        {line.sku for line in body.lines})
    await wake_backorders(request.app.state.temporal, served)

    response.status_code = 200 if result.replayed else 201
    log.info("stock_received", receipt_id=result.receipt_id, units=result.units,
             warehouse_id=body.warehouse_id, replayed=result.replayed)
    return ReceiptBooked(**asdict(result))


@router.post("/adjustments", response_model=StockLevelPublic,
             responses={**_ERRORS,
                        404: {"model": Problem, "description": "No such warehouse"},
                        409: {"model": Problem,
                              "description": "Would remove reserved units"}})
def adjust(body: AdjustmentCreate, request: Request,
           _: ChangeStock) -> StockLevelPublic:
    """Correct on-hand units after a count, with the reason."""
    if body.quantity == 0:
        raise ApiProblem(422, "validation_failed", "invalid fields: quantity", [
            field_error("quantity", "quantity is 0", "send a non-zero change")
        ])
    with Session(request.app.state.engine) as session:
        _check_warehouse(session, body.warehouse_id)
        _check_skus(session, [body.sku])
        try:
            level = adjust_stock(session, body.sku, body.warehouse_id,
                                 body.quantity, body.reason,
                                 user_id=_caller(request, session))
        except StockAdjustmentError as error:
            raise ApiProblem(409, "stock_reserved", str(error)) from error

    log.info("stock_adjusted", sku=body.sku, warehouse_id=body.warehouse_id,
             quantity=body.quantity, reason=body.reason)
    return _level_public(level)


@router.get("/stock", response_model=list[StockLevelPublic], responses=_ERRORS)
def list_stock(request: Request, _: ReadStock,
               sku: str | None = None,
               warehouse_id: str | None = None) -> list[StockLevelPublic]:
    """List on-hand, reserved and available units per SKU and warehouse."""
    statement = select(StockLevel).order_by(StockLevel.sku, StockLevel.warehouse_id)
    if sku is not None:
        statement = statement.where(StockLevel.sku == sku)
    if warehouse_id is not None:
        statement = statement.where(StockLevel.warehouse_id == warehouse_id)
    with Session(request.app.state.engine) as session:
        return [_level_public(level) for level in session.exec(statement)]


@router.get("/alerts", response_model=list[StockAlertPublic], responses=_ERRORS)
def list_alerts(request: Request, _: ReadStock) -> list[StockAlertPublic]:
    """List SKUs that are out of stock, low, or at their reorder point."""
    with Session(request.app.state.engine) as session:
        alerts = stock_alerts(session)
    return [StockAlertPublic(**asdict(alert)) for alert in alerts]


@router.put("/thresholds/{warehouse_id}/{sku}", response_model=ThresholdPublic,
            responses={**_ERRORS, 404: {"model": Problem,
                                        "description": "No such warehouse"}})
def set_threshold(warehouse_id: str, sku: str, body: ThresholdUpdate,
                  request: Request, _: PlanStock) -> ThresholdPublic:
    """Set the low-stock threshold, reorder point and lead time of a SKU
    in a warehouse."""
    with Session(request.app.state.engine) as session:
        _check_warehouse(session, warehouse_id)
        _check_skus(session, [sku])
        threshold = session.get(StockThreshold, (sku, warehouse_id))
        if threshold is None:
            threshold = StockThreshold(sku=sku, warehouse_id=warehouse_id)
        for name, value in body.model_dump().items():
            setattr(threshold, name, value)
        threshold.updated_at = datetime.now(UTC)
        session.add(threshold)
        session.commit()
        return ThresholdPublic(sku=sku, warehouse_id=warehouse_id,
                               **body.model_dump())


@router.get("/reorder-suggestions", response_model=list[ReorderSuggestionPublic],
            responses=_ERRORS)
def list_reorder_suggestions(
    request: Request, _: PlanStock,
    service_level: float = Query(0.95, gt=0, lt=1,
                                 description="Cycle service level, e.g. 0.95."),
    review_period_days: float = Query(7.0, ge=0, le=365,
                                      description="Days between two orders."),
    only_due: bool = Query(False, description="Only suggestions due today."),
) -> list[ReorderSuggestionPublic]:
    """Suggest purchase quantities and dates from the demand forecast,
    lead time and safety stock."""
    return _suggestions(request, service_level, review_period_days, only_due)


@router.get("/reorder-suggestions.csv", response_class=Response,
            responses={**_ERRORS, 200: {"content": {"text/csv": {}}}})
def export_reorder_suggestions(
    request: Request, _: PlanStock,
    service_level: float = Query(0.95, gt=0, lt=1),
    review_period_days: float = Query(7.0, ge=0, le=365),
    only_due: bool = Query(False),
) -> Response:
    """Export the reorder suggestions as CSV, one row per SKU and warehouse."""
    rows = _suggestions(request, service_level, review_period_days, only_due)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SUGGESTION_COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow(row.model_dump(mode="json"))
    return Response(
        buffer.getvalue(), media_type="text/csv",
        headers={"Content-Disposition":
                 f'attachment; filename="reorder-suggestions-{date.today()}.csv"'},
    )


@router.get("/reports", response_model=InventoryReportPublic, responses=_ERRORS)
def report(
    request: Request, _: ReadStock,
    demand_days: int = Query(90, ge=1, le=730,
                             description="Days of demand behind days of cover."),
    slow_cover_days: float = Query(180.0, gt=0, description=(
        "Days of cover above which a SKU counts as a slow mover.")),
) -> InventoryReportPublic:
    """Report stock value, days of cover, slow movers and stock-outs."""
    with Session(request.app.state.engine) as session:
        result = inventory_report(session, date.today(), demand_days,
                                  slow_cover_days)
    return InventoryReportPublic.model_validate(asdict(result))


@router.get("/audit", response_model=list[StockDiscrepancyPublic],
            responses=_ERRORS)
def audit(request: Request, _: PlanStock,
          sku: str | None = None) -> list[StockDiscrepancyPublic]:
    """Recompute stock levels from the movement ledger and list every
    level that differs; an empty list means the ledger matches."""
    with Session(request.app.state.engine) as session:
        found = audit_stock_levels(session, sku)
    if found:
        log.warning("stock_audit_failed", discrepancies=len(found))
    return [StockDiscrepancyPublic(**asdict(item)) for item in found]


@router.post("/reservations/expire", response_model=ExpiryResult,
             responses=_ERRORS)
def expire_reservations(request: Request, _: PlanStock) -> ExpiryResult:
    """Release reservations of unpaid orders older than the configured
    time to live (`OMS_RESERVATION_TTL_MINUTES`)."""
    minutes = request.app.state.settings.reservation_ttl_minutes
    older_than = datetime.now(UTC) - timedelta(minutes=minutes)
    with Session(request.app.state.engine) as session:
        units = expire_stale_reservations(session, older_than)
    log.info("reservations_expired", units=units, older_than_minutes=minutes)
    return ExpiryResult(units_released=units, older_than_minutes=minutes)


@router.post("/allocations", response_model=AllocationPublic,
             responses={**_ERRORS, 409: {"model": Problem,
                                         "description": "Not enough stock"}})
def preview_allocation(body: AllocationRequest, request: Request,
                       _: ReadStock) -> AllocationPublic:
    """Show which warehouses would ship which units, without reserving.

    Without both coordinates, distance plays no part.
    """
    strategy = body.strategy or request.app.state.settings.allocation_strategy
    destination = None
    if body.latitude is not None and body.longitude is not None:
        destination = Location(body.latitude, body.longitude)
    lines = [OrderLineInput(sku=line.sku, quantity=line.quantity)
             for line in body.lines]
    with Session(request.app.state.engine) as session:
        try:
            allocation = allocate_order(session, lines, destination, strategy)
        except AllocationError as error:
            raise ApiProblem(409, "out_of_stock", str(error)) from error

    return AllocationPublic(strategy=strategy, shipments=[
        {"warehouse_id": s.warehouse_id, "quantities": s.quantities}
        for s in allocation.shipments
    ])


def _suggestions(request: Request, service_level: float,
                 review_period_days: float,
                 only_due: bool) -> list[ReorderSuggestionPublic]:
    today = date.today()
    with Session(request.app.state.engine) as session:
        suggestions = reorder_suggestions(session, today, service_level,
                                          review_period_days)
    rows = [ReorderSuggestionPublic(**asdict(s)) for s in suggestions]
    if only_due:
        rows = [r for r in rows if r.order_date is not None
                and r.order_date <= today and r.quantity > 0]
    return rows


def _level_public(level: StockLevel) -> StockLevelPublic:
    return StockLevelPublic(
        sku=level.sku, warehouse_id=level.warehouse_id, on_hand=level.on_hand,
        reserved=level.reserved, available=level.on_hand - level.reserved,
    )


def _check_warehouse(session: Session, warehouse_id: str) -> None:
    if session.get(Warehouse, warehouse_id) is None:
        raise ApiProblem(404, "warehouse_not_found",
                         f"warehouse {warehouse_id} does not exist; "
                         "create it first or check the id")


def _check_skus(session: Session, skus: list[str]) -> None:
    known = set(session.exec(select(Product.sku).where(Product.sku.in_(skus))))
    unknown = sorted(set(skus) - known)
    if unknown:
        raise ApiProblem(
            422, "unknown_sku", f"unknown SKUs: {', '.join(unknown)}",
            [field_error("sku", f"SKU {sku} is not in the catalog",
                         "add the product to the catalog first")
             for sku in unknown],
        )


def _caller(request: Request, session: Session) -> str | None:
    """Return the name of the API key that sent the request, for the
    movement ledger. `require` has already checked the key."""
    _, _, key = request.headers.get("authorization", "").partition(" ")
    record = session.get(ApiKey, hash_key(key.strip()))
    return record.name if record else None
