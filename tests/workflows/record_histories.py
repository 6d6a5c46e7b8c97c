"""Record order workflow histories for the replay test.

Run `python -m tests.workflows.record_histories GENERATION` after a
deliberate, versioned change to the workflow (one guarded by
`workflow.patched`), with a new generation name. Each generation's
folder under `histories/` is what orders started by that code look
like. The replay test runs all of them, so that running orders of every
generation keep replaying. Never re-record an old generation.
"""

import argparse
import asyncio
import tempfile
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from core.binaries import temporal_test_server
from core.db import create_tables, make_engine
from core.temporal import register_search_attributes
from models.payloads import (
    OperatorRequest,
    OrderState,
    ReturnCreate,
    ReturnInspection,
    ReturnLine,
)
from models.status import OrderStatus, ReturnStatus
from tests.conftest import seed_catalog
from tests.workflows.helpers import make_order, make_worker
from workflows.order import OrderWorkflow
from workflows.returns import ReturnWorkflow

HISTORIES = Path(__file__).parent / "histories"


async def until(handle, status: OrderStatus) -> None:
    for _ in range(400):
        state: OrderState = await handle.query(OrderWorkflow.state)
        if state.status == status:
            return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"never reached {status}")


async def completed(env, queue):
    return await env.client.start_workflow(
        OrderWorkflow.run, make_order("replay-completed"),
        id="order-replay-completed", task_queue=queue)


async def declined(env, queue):
    return await env.client.start_workflow(
        OrderWorkflow.run, make_order("replay-declined", token="tok_decline"),
        id="order-replay-declined", task_queue=queue)


async def held(env, queue):
    handle = await env.client.start_workflow(
        OrderWorkflow.run, make_order("replay-held"),
        id="order-replay-held", task_queue=queue)
    await handle.execute_update(OrderWorkflow.hold, OperatorRequest(reason="check"))
    await handle.execute_update(OrderWorkflow.release, OperatorRequest(reason="ok"))
    return handle


async def lost_answer(env, queue):
    return await env.client.start_workflow(
        OrderWorkflow.run, make_order("replay-lost", token="tok_lost_answer_1"),
        id="order-replay-lost", task_queue=queue)


async def cancelled(env, queue):
    handle = await env.client.start_workflow(
        OrderWorkflow.run, make_order("replay-cancelled"),
        id="order-replay-cancelled", task_queue=queue)
    await until(handle, OrderStatus.PICKING)
    await handle.execute_update(OrderWorkflow.cancel, OperatorRequest(reason="asked"))
    return handle


async def split(env, queue):
    order = make_order("replay-split",
                       lines=[("OFF-PA-10000174", 2), ("TEC-AC-10003832", 1)])
    return await env.client.start_workflow(
        OrderWorkflow.run, order, id="order-replay-split", task_queue=queue)


async def partial_cancel(env, queue):
    order = make_order("replay-partial",
                       lines=[("OFF-PA-10000174", 2), ("TEC-AC-10003832", 1)])
    handle = await env.client.start_workflow(
        OrderWorkflow.run, order, id="order-replay-partial", task_queue=queue)
    for _ in range(400):
        state: OrderState = await handle.query(OrderWorkflow.state)
        if any(shipment.leaving for shipment in state.fulfillments):
            break
        await asyncio.sleep(0.05)
    await handle.execute_update(OrderWorkflow.cancel, OperatorRequest(reason="partial"))
    return handle


async def returned(env, queue):
    handle = await env.client.start_workflow(
        OrderWorkflow.run, make_order("replay-returned"),
        id="order-replay-returned", task_queue=queue)
    await until(handle, OrderStatus.DELIVERED)
    await handle.execute_update(OrderWorkflow.request_return, ReturnCreate(
        lines=[ReturnLine(sku="OFF-PA-10000174", quantity=1, reason="damaged")]))
    child = env.client.get_workflow_handle("return-replay-returned-1")
    for step in ("receive", "inspect"):
        for _ in range(400):
            state = await child.query(ReturnWorkflow.state)
            wanted = ReturnStatus.LABEL_CREATED if step == "receive" else ReturnStatus.RECEIVED
            if state.status == wanted:
                break
            await asyncio.sleep(0.05)
        if step == "receive":
            await child.execute_update(ReturnWorkflow.receive)
        else:
            await child.execute_update(ReturnWorkflow.inspect,
                                       ReturnInspection(restock=True))
    return handle


SCENARIOS = {
    "completed": (completed, {}),
    "declined": (declined, {}),
    "held": (held, {}),
    "lost_answer": (lost_answer, {}),
    "cancelled": (cancelled, {"manual": True}),
    "split": (split, {}),
    "partial_cancel": (partial_cancel, {"manual_warehouses": {"WH-2"}}),
    "returned": (returned, {}),
}
# Child workflow histories recorded beside their orders.
CHILDREN = {"return_refunded": "return-replay-returned-1"}


async def main(generation: str) -> None:
    folder = HISTORIES / generation
    if folder.exists():
        raise SystemExit(f"{folder} exists; record a new generation instead")
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=temporal_test_server(),
    )
    await register_search_attributes(env.client)
    folder.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as scratch:
        for name, (scenario, options) in SCENARIOS.items():
            engine = make_engine(f"sqlite:///{scratch}/{name}.db")
            create_tables(engine)
            seed_catalog(engine)
            queue = f"record-{name}"
            async with make_worker(env.client, queue, engine, **options):
                handle = await scenario(env, queue)
                await handle.result()
                history = await handle.fetch_history()
            (folder / f"{name}.json").write_text(history.to_json())
            print(f"recorded {name}: {len(history.events)} events")
        for name, workflow_id in CHILDREN.items():
            history = await env.client.get_workflow_handle(workflow_id).fetch_history()
            (folder / f"{name}.json").write_text(history.to_json())
            print(f"recorded {name}: {len(history.events)} events")
    await env.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("generation",
                        help="Folder under histories/ to create, e.g. v3-something.")
    asyncio.run(main(parser.parse_args().generation))
