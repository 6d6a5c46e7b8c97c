"""Support case endpoints: open a case on an order, add messages, move
its status, and read it beside the order's timeline and history."""

from datetime import datetime, timezone
from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Path, Request, Response
from sqlmodel import Session, select
from temporalio.service import RPCError

from api.auth import Role, require
from api.history import readable_history
from api.order_lookup import load_order
from api.problems import ApiProblem, field_error
from api.temporal_calls import order_handle
from models.api import HistoryEvent, Problem
from models.payloads import TimelineEntry
from models.postsale_api import (
    CaseCreate,
    CaseDetail,
    CaseMessageCreate,
    CaseMessagePublic,
    CasePublic,
    CaseStatusChange,
)
from models.support import (
    CASE_TRANSITIONS,
    CaseMessage,
    CaseOpener,
    CaseStatus,
    SupportCase,
)
from models.tables import OrderRecord

CaseId = Annotated[int, Path(ge=1, le=2**62, description="Case number.")]
router = APIRouter(tags=["support"])
log = structlog.get_logger("oms.api.support")

HandleCases = Annotated[Role, Depends(require(Role.SUPPORT, Role.OPERATOR))]

_ERRORS = {
    401: {"model": Problem, "description": "Missing or invalid API key"},
    403: {"model": Problem, "description": "The key's role may not call this"},
    404: {"model": Problem, "description": "No such order or case"},
}
_CONFLICT = {409: {"model": Problem, "description": "Not allowed in the case's status"}}


@router.post("/orders/{order_id}/cases", status_code=201, response_model=CasePublic,
             responses=_ERRORS)
async def open_case(order_id: str, body: CaseCreate, request: Request,
                    response: Response, _: HandleCases) -> CasePublic:
    """Open a support case on an order with its first message."""
    await load_order(request.app, order_id)

    with Session(request.app.state.engine) as session:
        case = SupportCase(order_id=order_id, opened_by=body.opened_by.value,
                           subject=body.subject)
        session.add(case)
        session.flush()
        session.add(CaseMessage(case_id=case.id, author=body.author, body=body.message))
        session.commit()
        session.refresh(case)

    log.info("case_opened", case_id=case.id, order_id=order_id,
             opened_by=case.opened_by)
    response.headers["Location"] = f"/cases/{case.id}"
    return _case_public(case)


@router.get("/orders/{order_id}/cases", response_model=list[CasePublic],
            responses=_ERRORS)
async def list_order_cases(order_id: str, request: Request,
                           _: HandleCases) -> list[CasePublic]:
    """List an order's support cases, oldest first."""
    with Session(request.app.state.engine) as session:
        cases = session.exec(
            select(SupportCase).where(SupportCase.order_id == order_id)
            .order_by(SupportCase.created_at, SupportCase.id)
        ).all()
    if not cases:
        # An order without cases is an empty list; an unknown order is 404.
        await load_order(request.app, order_id)
    return [_case_public(case) for case in cases]


@router.get("/cases/{case_id}", response_model=CaseDetail, responses=_ERRORS)
async def get_case(case_id: CaseId, request: Request, _: HandleCases) -> CaseDetail:
    """Return the case and its messages beside the order's timeline and
    readable workflow history."""
    with Session(request.app.state.engine) as session:
        case = _find_case(session, case_id)
        messages = session.exec(
            select(CaseMessage).where(CaseMessage.case_id == case_id)
            .order_by(CaseMessage.at, CaseMessage.id)
        ).all()
        order = session.get(OrderRecord, case.order_id)
    timeline = (order.state or {}).get("timeline", []) if order else []
    history, history_error = await _order_history(request, case.order_id)

    return CaseDetail(
        case=_case_public(case),
        messages=[_message_public(message) for message in messages],
        order_timeline=[TimelineEntry.model_validate(entry) for entry in timeline],
        order_history=history,
        history_error=history_error,
    )


@router.post("/cases/{case_id}/messages", status_code=201,
             response_model=CaseMessagePublic, responses={**_ERRORS, **_CONFLICT})
def add_case_message(case_id: CaseId, body: CaseMessageCreate, request: Request,
                     _: HandleCases) -> CaseMessagePublic:
    """Add a message to a case that is not closed."""
    with Session(request.app.state.engine) as session:
        case = _find_case(session, case_id, lock=True)
        if case.status == CaseStatus.CLOSED:
            raise ApiProblem(409, "case_closed",
                             f"case {case_id} is closed and takes no more messages; "
                             "open a new case instead")
        message = CaseMessage(case_id=case_id, author=body.author, body=body.body)
        case.updated_at = datetime.now(timezone.utc)
        session.add(message)
        session.add(case)
        session.commit()
        session.refresh(message)
    return _message_public(message)


@router.post("/cases/{case_id}/status", response_model=CasePublic,
             responses={**_ERRORS, **_CONFLICT})
def change_case_status(case_id: CaseId, body: CaseStatusChange, request: Request,
                       _: HandleCases) -> CasePublic:
    """Move a case to another status; a closed case stays closed.

    Setting the status the case already has changes nothing.
    """
    with Session(request.app.state.engine) as session:
        case = _find_case(session, case_id, lock=True)
        current = CaseStatus(case.status)
        if body.status != current:
            _check_transition(case_id, current, body.status)
            case.status = body.status.value
            case.updated_at = datetime.now(timezone.utc)
            session.add(case)
            session.commit()
            session.refresh(case)
            log.info("case_status_changed", case_id=case_id, order_id=case.order_id,
                     status_before=current.value, status=case.status,
                     actor=body.actor)
    return _case_public(case)


def _check_transition(case_id: int, current: CaseStatus, target: CaseStatus) -> None:
    allowed = CASE_TRANSITIONS[current]
    if target in allowed:
        return
    names = ", ".join(sorted(status.value for status in allowed)) or "none"
    raise ApiProblem(
        409, "case_transition_not_allowed",
        f"case {case_id} is {current.value} and cannot move to {target.value}",
        [field_error("status", f"{current.value} -> {target.value} is not allowed",
                     f"send one of: {names}")],
    )


def _find_case(session: Session, case_id: int, lock: bool = False) -> SupportCase:
    case = session.get(SupportCase, case_id, with_for_update=lock)
    if case is None:
        raise ApiProblem(404, "case_not_found", f"case {case_id} does not exist")
    return case


async def _order_history(request: Request,
                         order_id: str) -> tuple[list[HistoryEvent], str | None]:
    # The case stays readable when Temporal cannot give the history, for
    # example after the workflow passed its retention period.
    try:
        handle = order_handle(request.app.state.temporal, order_id)
        history = await handle.fetch_history()
    except RPCError as error:
        log.warning("order_history_unavailable", order_id=order_id, error=error.message)
        reason = f"workflow history of order {order_id} is unavailable: {error.message}"
        return [], reason
    return readable_history(history), None


def _utc(moment: datetime) -> datetime:
    """Attach UTC to timestamps that SQLite returns without a zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _case_public(case: SupportCase) -> CasePublic:
    return CasePublic(
        id=case.id, order_id=case.order_id, opened_by=CaseOpener(case.opened_by),
        subject=case.subject, status=CaseStatus(case.status),
        created_at=_utc(case.created_at), updated_at=_utc(case.updated_at),
    )


def _message_public(message: CaseMessage) -> CaseMessagePublic:
    return CaseMessagePublic(id=message.id, author=message.author, body=message.body,
                             at=_utc(message.at))
