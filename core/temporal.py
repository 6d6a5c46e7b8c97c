"""Temporal client and worker construction shared by every process."""

from concurrent.futures import ThreadPoolExecutor

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.orders import OrderActivities
from workflows.order import OrderWorkflow
from workflows.returns import ReturnWorkflow
from workflows.shipment import ShipmentWorkflow

WORKFLOWS = [OrderWorkflow, ShipmentWorkflow, ReturnWorkflow]

# Deterministic modules the workflows import: passing them through keeps
# the sandbox from re-importing them for every workflow run. The three
# workflow helpers hold constants and a step wrapper, with no clock or
# random source. In the benchmark, re-importing them took about a seventh
# of the worker's CPU per order. Modules that define workflows stay
# inside the sandbox.
WORKFLOW_HELPERS = ("workflows.policies", "workflows.common", "workflows.search_attributes")
_PASSTHROUGH = (
    "pydantic", "pydantic_core", "annotated_types", "structlog", "models", "domain",
    *WORKFLOW_HELPERS,
)


def sandbox_runner() -> SandboxedWorkflowRunner:
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*_PASSTHROUGH)
    )


async def connect(address: str, namespace: str = "default") -> Client:
    return await Client.connect(
        address, namespace=namespace, data_converter=pydantic_data_converter
    )


def build_worker(
    client: Client, task_queue: str, activities: OrderActivities,
    max_concurrent_activities: int = 64, extra_activities: tuple = (),
) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=[*activities.all(), *extra_activities],
        activity_executor=ThreadPoolExecutor(max_concurrent_activities),
        max_concurrent_activities=max_concurrent_activities,
        workflow_runner=sandbox_runner(),
    )


async def register_search_attributes(client: Client, namespace: str = "default") -> None:
    """Register the order search attributes; servers ignore known ones."""
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest

    from workflows.search_attributes import ALL_KEYS

    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=namespace,
            search_attributes={
                key.name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
                for key in ALL_KEYS
            },
        )
    )
