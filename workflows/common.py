"""Helpers shared by the order and shipment workflows."""

from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from models.status import FailureReason
    from workflows import policies


class StepFailed(Exception):
    """An activity failed for a reason that retrying cannot fix."""

    def __init__(self, reason: FailureReason, message: str):
        super().__init__(message)
        self.reason = reason


async def run_step(name: str, arg: Any, result_type: type,
                   options: policies.StepOptions) -> Any:
    """Run an activity by name; a final failure raises StepFailed."""
    try:
        return await workflow.execute_activity(
            name, arg, result_type=result_type,
            start_to_close_timeout=options.start_to_close,
            heartbeat_timeout=options.heartbeat,
            retry_policy=options.retry,
        )
    except ActivityError as error:
        raise as_failure(error) from error


def as_failure(error: ActivityError) -> StepFailed:
    """Map a non-retryable activity failure to a failure reason."""
    cause = error.cause
    if isinstance(cause, ApplicationError) and cause.type:
        try:
            reason = FailureReason(cause.type)
        except ValueError:
            reason = FailureReason.INTERNAL_ERROR
        return StepFailed(reason, cause.message)
    return StepFailed(FailureReason.INTERNAL_ERROR, str(cause or error))
