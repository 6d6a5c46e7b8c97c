"""Temporal calls the routes make, with errors mapped to problems."""

from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.problems import ApiProblem, field_error
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
    """Send an operator update to an order; a validator rejection becomes
    409, or 422 naming the field when the input itself is invalid."""
    return await update_workflow(
        order_handle(client, order_id), f"order {order_id}", update, argument)


async def update_workflow(handle: WorkflowHandle, label: str, update, argument=None):
    """Send an update to any order, shipment or return workflow."""
    try:
        if argument is None:
            return await handle.execute_update(update)
        return await handle.execute_update(update, argument)
    except WorkflowUpdateFailedError as error:
        raise _rejection(error.cause) from error
    except RPCError as error:
        if error.status not in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
            raise _unavailable(error) from error
        # Temporal returns NOT_FOUND for an update to a finished workflow too.
        closed = await _closed_status(handle)
        if closed is None:
            raise ApiProblem(404, "not_found", f"{label} does not exist") from error
        raise ApiProblem(409, "workflow_closed",
                         f"{label} is closed ({closed}); it takes no more "
                         "actions") from error


def _rejection(cause) -> ApiProblem:
    if not isinstance(cause, ApplicationError):
        return ApiProblem(409, "rejected", str(cause))
    if cause.type == "invalid_return" and ": " in cause.message:
        field, message = cause.message.split(": ", 1)
        return ApiProblem(422, cause.type, cause.message, [
            field_error(field, message, "send at most the units still returnable, "
                        "one line per SKU")])
    return ApiProblem(409, cause.type or "rejected", cause.message)


async def _closed_status(handle: WorkflowHandle) -> str | None:
    """Return the closed workflow's status name, or None if there is none."""
    try:
        description = await handle.describe()
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return None
        raise _unavailable(error) from error
    return description.status.name.lower() if description.status else "unknown"


def _unavailable(error: RPCError) -> ApiProblem:
    return ApiProblem(503, "temporal_unavailable",
                      f"the workflow service did not answer ({error.message}); retry shortly")
