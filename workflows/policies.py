"""Retry policies and timeouts of the order steps, in one place."""

from dataclasses import dataclass
from datetime import timedelta

from temporalio.common import RetryPolicy

# Business rejections are raised as non-retryable ApplicationErrors by the
# activities, so these policies only ever retry transient faults.
QUICK_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    maximum_attempts=20,
)
# Compensation must finish whatever the outage, so it retries without limit.
COMPENSATION_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    maximum_attempts=0,
)


@dataclass(frozen=True)
class StepOptions:
    start_to_close: timedelta
    retry: RetryPolicy
    heartbeat: timedelta | None = None


CAPTURE = StepOptions(timedelta(seconds=30), QUICK_RETRY)
PAYMENT = StepOptions(timedelta(seconds=30), QUICK_RETRY)
# Warehouse steps can take hours with real staff; heartbeats catch a dead worker.
WAREHOUSE = StepOptions(timedelta(hours=8), QUICK_RETRY, heartbeat=timedelta(seconds=30))
SHIPPING = StepOptions(timedelta(seconds=60), QUICK_RETRY)
TRACKING = StepOptions(timedelta(seconds=30), QUICK_RETRY)
FOLLOW_UP = StepOptions(timedelta(seconds=30), QUICK_RETRY)
COMPENSATION = StepOptions(timedelta(seconds=60), COMPENSATION_RETRY)
PROJECTION = StepOptions(timedelta(seconds=10), QUICK_RETRY)
# E-mail runs beside the order, so it may keep retrying for a day.
NOTIFICATION = StepOptions(timedelta(seconds=60), RetryPolicy(
    initial_interval=timedelta(seconds=5),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=30),
    maximum_attempts=60,
))
