"""Bind order, workflow and activity ids to every log line of an activity."""

import structlog
from temporalio import activity


def bind_activity_context(order_id: str) -> structlog.stdlib.BoundLogger:
    """Bind the ids of the running activity; call first in every activity.

    Sync activities share pool threads, so the ids are cleared and bound
    again each time rather than trusted from a previous run.
    """
    info = activity.info()
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(
        order_id=order_id,
        workflow_id=info.workflow_id,
        activity=info.activity_type,
        activity_id=info.activity_id,
        attempt=info.attempt,
    )
    return structlog.get_logger("oms.activity")
