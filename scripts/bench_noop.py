"""Baseline workflow for the benchmark: the same number of activities as
an order, each doing nothing, so the ratio isolates the order's own cost."""

from datetime import timedelta

from pydantic import BaseModel
from temporalio import activity, workflow


class NoopPlan(BaseModel):
    activities: int
    local_activities: int


@activity.defn
def noop_step(_: int) -> int:
    return 0


@workflow.defn
class NoopWorkflow:
    @workflow.run
    async def run(self, plan: NoopPlan) -> int:
        for step in range(plan.activities):
            await workflow.execute_activity(
                noop_step, step, start_to_close_timeout=timedelta(seconds=30))
        for step in range(plan.local_activities):
            await workflow.execute_local_activity(
                noop_step, step, start_to_close_timeout=timedelta(seconds=10))
        return plan.activities + plan.local_activities
