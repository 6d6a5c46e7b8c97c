"""Find an order for endpoints that hang records on it: the live
workflow state first, the projection when the workflow is gone."""

from fastapi import FastAPI
from sqlmodel import Session

from api.problems import ApiProblem
from api.temporal_calls import query_state
from models.payloads import OrderState
from models.tables import OrderRecord


async def load_order(app: FastAPI, order_id: str) -> OrderState:
    """Return the order's state, or raise a 404 problem if it does not exist."""
    state = await query_state(app.state.temporal, order_id)
    if state is not None:
        return state
    with Session(app.state.engine) as session:
        record = session.get(OrderRecord, order_id)
    if record is None or not record.state:
        raise ApiProblem(404, "order_not_found", f"order {order_id} does not exist")
    return OrderState.model_validate(record.state)
