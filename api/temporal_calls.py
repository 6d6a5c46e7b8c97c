"""Temporal calls the routes make, with errors mapped to problems."""

from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.problems import ApiProblem
from models.payloads import OrderState
from workflows.order import OrderWorkflow


def order_workflow_id(order_id: str) -> str:
    return f"order-{order_id}"


def order_handle(client: Client, order_id: str) -> WorkflowHandle:
    return client.get_workflow_handle_for(OrderWorkflow.run, order_workflow_id(order_id))


async def query_state(client: Client, order_id: str) -> OrderState | None:
    """Return the live state, or None when the workflow is unknown."""
    try:
        return await order_handle(client, order_id).query(OrderWorkflow.state)
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return None
        raise _unavailable(error) from error


async def run_update(client: Client, order_id: str, update, argument) -> OrderState:
    """Send an operator update; a validator rejection becomes 409."""
    try:
        return await order_handle(client, order_id).execute_update(update, argument)
    except WorkflowUpdateFailedError as error:
        cause = error.cause
        detail = cause.message if isinstance(cause, ApplicationError) else str(cause)
        code = cause.type if isinstance(cause, ApplicationError) and cause.type else "rejected"
        raise ApiProblem(409, code, detail) from error
    except RPCError as error:
        if error.status not in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
            raise _unavailable(error) from error
        # Temporal returns NOT_FOUND for an update to a finished workflow too.
        closed = await _closed_status(client, order_id)
        if closed is None:
            raise ApiProblem(404, "order_not_found",
                             f"order {order_id} does not exist") from error
        raise ApiProblem(409, "order_closed",
                         f"order {order_id} is closed ({closed}); operator "
                         "actions are no longer possible") from error


async def _closed_status(client: Client, order_id: str) -> str | None:
    """Return the closed workflow's status name, or None if there is none."""
    try:
        description = await order_handle(client, order_id).describe()
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return None
        raise _unavailable(error) from error
    return description.status.name.lower() if description.status else "unknown"


def _unavailable(error: RPCError) -> ApiProblem:
    return ApiProblem(503, "temporal_unavailable",
                      f"the workflow service did not answer ({error.message}); retry shortly")
