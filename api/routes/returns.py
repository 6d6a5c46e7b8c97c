"""Return endpoints: request, decide, receive, inspect, read."""

from fastapi import APIRouter, Request
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from api.auth import ConfirmWarehouse, DecideReturns, ReadOrders, WriteOrders
from api.problems import ApiProblem
from api.temporal_calls import run_update, update_workflow
from models.api import Problem
from models.payloads import (
    OrderState,
    ReturnCreate,
    ReturnDecision,
    ReturnInspection,
    ReturnState,
)
from workflows.order import OrderWorkflow
from workflows.returns import ReturnWorkflow

router = APIRouter(tags=["returns"])

_ERRORS = {
    401: {"model": Problem, "description": "Missing or invalid API key"},
    403: {"model": Problem, "description": "The key's role may not call this"},
    404: {"model": Problem, "description": "No such order or return"},
    409: {"model": Problem, "description": "Not allowed in the current state"},
    422: {"model": Problem, "description": "Invalid lines or quantities"},
}


def return_handle(client: Client, return_id: str) -> WorkflowHandle:
    """Map a return id `<order id>-R<n>` to its workflow `return-<order id>-<n>`."""
    order_id, separator, number = return_id.rpartition("-R")
    if not separator or not number.isdigit() or not order_id:
        raise ApiProblem(404, "return_not_found",
                         f"return {return_id} does not exist; return ids look "
                         "like <order id>-R1")
    return client.get_workflow_handle(f"return-{order_id}-{number}")


@router.post("/orders/{order_id}/returns", status_code=201,
             response_model=OrderState, responses=_ERRORS)
async def request_return(order_id: str, body: ReturnCreate, request: Request,
                         _: WriteOrders) -> OrderState:
    """Open a return for delivered lines while the return window is open.

    Damaged, defective or wrong items are approved at once; other
    reasons wait for support staff to decide.
    """
    return await run_update(request.app.state.temporal, order_id,
                            OrderWorkflow.request_return, body)


@router.get("/returns/{return_id}", response_model=ReturnState, responses=_ERRORS)
async def get_return(return_id: str, request: Request, _: ReadOrders) -> ReturnState:
    """Return one return's status, label tracking number and refund."""
    handle = return_handle(request.app.state.temporal, return_id)
    try:
        return await handle.query(ReturnWorkflow.state)
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise ApiProblem(404, "return_not_found",
                             f"return {return_id} does not exist") from error
        raise


@router.post("/returns/{return_id}/decision", response_model=ReturnState,
             responses=_ERRORS)
async def decide_return(return_id: str, body: ReturnDecision, request: Request,
                        _: DecideReturns) -> ReturnState:
    """Approve or reject a return that policy did not approve."""
    handle = return_handle(request.app.state.temporal, return_id)
    return await update_workflow(handle, f"return {return_id}", ReturnWorkflow.decide, body)


@router.post("/returns/{return_id}/receipt", response_model=ReturnState,
             responses=_ERRORS)
async def receive_return(return_id: str, request: Request,
                         _: ConfirmWarehouse) -> ReturnState:
    """Record that the return parcel arrived at the warehouse."""
    handle = return_handle(request.app.state.temporal, return_id)
    return await update_workflow(handle, f"return {return_id}", ReturnWorkflow.receive)


@router.post("/returns/{return_id}/inspection", response_model=ReturnState,
             responses=_ERRORS)
async def inspect_return(return_id: str, body: ReturnInspection, request: Request,
                         _: ConfirmWarehouse) -> ReturnState:
    """Restock or write off the returned units; the refund follows."""
    handle = return_handle(request.app.state.temporal, return_id)
    return await update_workflow(handle, f"return {return_id}", ReturnWorkflow.inspect, body)
