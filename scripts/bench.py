"""Benchmark: order throughput against a no-op baseline, and API latency.

Runs everything against one local dev server:
1. four batches of the same size, and the ratios of their rates and
   the CPU each workflow cost. The batches are full-lifecycle orders
   with every simulator delay at 0, the same orders on a worker whose
   activities return cached results, no-op workflows with the same
   number of activities, and bare orders. A bare order makes the
   order's activity calls, status updates and projection writes
   without its workflow logic;
2. `POST /orders` latency under concurrent clients (p50 and p99).
Usage: python -m scripts.bench [--orders N] [--clients N] [--requests N]
       [--worker-processes N] [--database-url URL]
"""

import argparse
import asyncio
import logging
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import httpx
import uvicorn
from sqlmodel import Session
from temporalio.api.enums.v1 import EventType, TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.auth import Role, create_api_key
from core.binaries import temporal_cli
from core.db import create_tables, make_engine
from core.logging import configure_logging
from core.settings import Settings
from models.payloads import Address, FollowUpPolicy, OrderInput, OrderLineInput
from models.tables import Product, StockLevel, Warehouse
from scripts.bench_bare import BareOrderWorkflow
from scripts.bench_noop import NoopPlan, NoopWorkflow
from scripts.bench_worker import CACHED_SUFFIX, bench_worker
from workflows.order import OrderWorkflow
from workflows.search_attributes import ALL_KEYS, at_start

SKUS = [f"BENCH-{n:03d}" for n in range(20)]
ZERO_DELAYS = FollowUpPolicy(
    tracking_poll_seconds=0.05, feedback_delay_seconds=0, return_window_seconds=0
)


def seed(engine) -> None:
    with Session(engine) as session:
        session.add(Warehouse(id="WH-B", name="Bench"))
        for sku in SKUS:
            session.add(Product(sku=sku, name=sku, list_price="9.99"))
            session.add(StockLevel(sku=sku, warehouse_id="WH-B", on_hand=10**9))
        session.commit()


def order_input(order_id: str) -> OrderInput:
    return OrderInput(
        order_id=order_id, channel="api", customer_id="BENCH",
        lines=[OrderLineInput(sku=SKUS[i % len(SKUS)], quantity=1) for i in range(3)],
        shipping_address=Address(postal_code="60601", city="Chicago"),
        payment_token="tok_visa", placed_at=datetime.now(timezone.utc),
        follow_up=ZERO_DELAYS,
    )


# Local activities leave markers under this name; other markers (a
# version patch) are not steps.
LOCAL_ACTIVITY_MARKER = "core_local_activity"


async def count_steps(client, workflow_id: str) -> tuple[NoopPlan, int]:
    """Count the activities and local activities of one order, and its events."""
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    activities = local_activities = 0
    for event in history.events:
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            activities += 1
        elif (event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
              and event.marker_recorded_event_attributes.marker_name
              == LOCAL_ACTIVITY_MARKER):
            local_activities += 1
    plan = NoopPlan(activities=activities, local_activities=local_activities)
    return plan, len(history.events)


async def wait_for_pollers(client, queue: str, count: int, seconds: float = 120) -> None:
    """Wait until `count` worker processes poll the workflow queue."""
    request = DescribeTaskQueueRequest(
        namespace=client.namespace, task_queue=TaskQueue(name=queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        response = await client.workflow_service.describe_task_queue(request)
        if len({poller.identity for poller in response.pollers}) >= count:
            return
        await asyncio.sleep(0.5)
    raise RuntimeError(f"fewer than {count} workers poll {queue}")


def child_pid(name: str) -> int | None:
    """Return the pid of this process's child called `name` (Linux /proc only)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)
            comm = fields[0].split("(", 1)[1]
            parent = int(fields[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if comm == name and parent == os.getpid():
            return int(stat.parent.name)
    return None


def cpu_seconds(pid: int | None) -> float:
    """User plus system CPU time of a process, or NaN where /proc is missing."""
    if pid is None:
        return float("nan")
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Batch:
    """Rate of one batch and the CPU each workflow cost the worker
    process and the Temporal server."""

    def __init__(self, count: int, seconds: float, worker_cpu: float, server_cpu: float):
        self.rate = count / seconds
        self.worker_ms = worker_cpu / count * 1000
        self.server_ms = server_cpu / count * 1000


async def run_batch(count: int, start, server: int | None,
                    workers: list[int]) -> Batch:
    """Start `count` workflows and wait for them; `workers` are the pids
    of worker processes besides this one."""
    def worker_cpu() -> float:
        return time.process_time() + sum(cpu_seconds(pid) for pid in workers)

    began, worker, served = time.perf_counter(), worker_cpu(), cpu_seconds(server)
    handles = await asyncio.gather(*(start(n) for n in range(count)))
    await asyncio.gather(*(handle.result() for handle in handles))
    return Batch(count, time.perf_counter() - began, worker_cpu() - worker,
                 cpu_seconds(server) - served)


async def post_latency(url: str, key: str, clients: int, requests: int) -> list[float]:
    body = {
        "customer_id": "BENCH", "lines": [{"sku": SKUS[0], "quantity": 1}],
        "shipping_address": {"postal_code": "60601", "city": "Chicago"},
        "payment_token": "tok_visa",
    }
    timings: list[float] = []
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
        async def client_loop() -> None:
            for _ in range(requests):
                began = time.perf_counter()
                response = await http.post(
                    "/orders", json=body, headers={"Idempotency-Key": uuid.uuid4().hex})
                timings.append(time.perf_counter() - began)
                response.raise_for_status()
        await asyncio.gather(*(client_loop() for _ in range(clients)))
    return timings


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def start_extra_workers(count: int, client, queue: str, engine,
                        cache_folder: Path) -> list[subprocess.Popen]:
    """Start `count` more worker processes on the benchmark's queues."""
    url = engine.url.render_as_string(hide_password=False)
    command = [
        sys.executable, "-m", "scripts.bench_worker",
        "--address", client.service_client.config.target_host,
        "--queue", queue, "--database-url", url, "--cache-folder", str(cache_folder),
    ]
    return [subprocess.Popen(command) for _ in range(count)]


async def run_api_latency(client, engine, queue: str, clients: int,
                          requests: int) -> list[float]:
    """Serve the API in a thread and time `POST /orders` against it."""
    settings = Settings(
        database_url=str(engine.url),
        temporal_address=client.service_client.config.target_host,
        task_queue=queue,
        tracking_poll_seconds=0.05, feedback_delay_seconds=0, return_window_days=0,
    )
    with Session(engine) as session:
        key = create_api_key(session, Role.BACKEND, "bench")
    server = uvicorn.Server(uvicorn.Config(
        create_app(settings, engine=engine), host="127.0.0.1", port=0,
        log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        await asyncio.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        return await post_latency(f"http://127.0.0.1:{port}", key, clients, requests)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


async def main(orders: int, clients: int, requests: int, database_url: str,
               worker_processes: int) -> None:
    configure_logging("production")
    logging.getLogger().setLevel(logging.WARNING)
    # The folder contains the dev server's store and the SQLite app tables.
    with tempfile.TemporaryDirectory(prefix="oms-bench-") as folder:
        engine = make_engine(database_url or f"sqlite:///{Path(folder) / 'oms.db'}")
        try:
            await measure(Path(folder), engine, orders, clients, requests,
                          worker_processes)
        finally:
            engine.dispose()


async def measure(folder: Path, engine, orders: int, clients: int, requests: int,
                  worker_processes: int) -> None:
    create_tables(engine)
    seed(engine)
    env = await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        dev_server_existing_path=temporal_cli(),
        dev_server_database_filename=str(folder / "temporal.db"),
        search_attributes=ALL_KEYS, ui=False,
        dev_server_extra_args=["--sqlite-pragma", "journal_mode=wal",
                               "--sqlite-pragma", "synchronous=normal"],
    )
    client = env.client
    queue, cached_queue = "bench", "bench" + CACHED_SUFFIX
    cache_folder = folder / "activity-cache"
    cache_folder.mkdir()
    extra = start_extra_workers(worker_processes - 1, client, queue, engine, cache_folder)
    run_id = uuid.uuid4().hex[:6]
    async with (bench_worker(client, queue, engine),
                bench_worker(client, cached_queue, engine, cache_folder)):
        await wait_for_pollers(client, queue, worker_processes)
        await wait_for_pollers(client, cached_queue, worker_processes)

        def start_order(order_id: str, task_queue: str = queue,
                        run=OrderWorkflow.run, prefix: str = "order"):
            # As the API starts them: search attributes set at start.
            return client.start_workflow(
                run, order_input(order_id), id=f"{prefix}-{order_id}",
                task_queue=task_queue, search_attributes=at_start("api", "BENCH"))

        probe = await start_order(f"probe-{run_id}")
        await probe.result()
        plan, order_events = await count_steps(client, probe.id)
        await (await start_order(f"cprobe-{run_id}", cached_queue)).result()

        def start_noop(n: int):
            return client.start_workflow(
                NoopWorkflow.run, plan, id=f"noop-{run_id}-{n}", task_queue=queue)

        def start_bare(order_id: str):
            return start_order(order_id, run=BareOrderWorkflow.run, prefix="bare")

        bare_probe = await start_bare(f"bprobe-{run_id}")
        await bare_probe.result()
        bare_plan, bare_events = await count_steps(client, bare_probe.id)
        if bare_plan != plan:
            raise RuntimeError(f"the bare order makes {bare_plan}, an order {plan}")

        server = child_pid("temporal")
        workers = [process.pid for process in extra]

        def batch(start):
            return run_batch(orders, start, server, workers)

        order_batch = await batch(lambda n: start_order(f"b{run_id}-{n}"))
        cached_batch = await batch(lambda n: start_order(f"c{run_id}-{n}", cached_queue))
        noop_batch = await batch(start_noop)
        bare_batch = await batch(lambda n: start_bare(f"{run_id}-{n}"))
        noop = await client.get_workflow_handle(f"noop-{run_id}-0").fetch_history()
        timings = await run_api_latency(client, engine, queue, clients, requests)
    for process in extra:
        process.terminate()
        process.wait(timeout=30)
    await env.shutdown()

    print(f"app database: {engine.url.get_backend_name()}")
    print(f"machine: {platform.machine()}, {platform.python_version()}, "
          f"{os.cpu_count()} cores")
    print(f"worker processes: {worker_processes}")
    print(f"steps per order: {plan.activities} activities, "
          f"{plan.local_activities} local activities; history events: "
          f"order {order_events}, no-op {len(noop.events)}, bare order {bare_events}")
    print(f"full-lifecycle orders: {order_batch.rate:.1f} orders/s ({orders} orders)")
    print(f"cached-activity orders: {cached_batch.rate:.1f} orders/s ({orders} orders)")
    print(f"no-op baseline:        {noop_batch.rate:.1f} workflows/s ({orders} workflows)")
    print(f"ratio:                 {order_batch.rate / noop_batch.rate:.2f}")
    print(f"cached-activity ratio: {cached_batch.rate / noop_batch.rate:.2f}")
    print(f"bare-order baseline:   {bare_batch.rate:.1f} workflows/s ({orders} workflows)")
    print(f"ratio to bare order:   {order_batch.rate / bare_batch.rate:.2f}")
    batches = (("order", order_batch), ("cached-activity order", cached_batch),
               ("no-op", noop_batch), ("bare order", bare_batch))
    for label, batch in batches:
        print(f"CPU per {label}: {batch.worker_ms:.0f} ms in the worker processes "
              f"(and this client), {batch.server_ms:.0f} ms in the Temporal server")
    print(f"POST /orders: {len(timings)} requests from {clients} clients, "
          f"p50 {percentile(timings, 0.50) * 1000:.1f} ms, "
          f"p99 {percentile(timings, 0.99) * 1000:.1f} ms, "
          f"mean {statistics.mean(timings) * 1000:.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Order throughput and API latency.")
    parser.add_argument("--orders", type=int, default=200, help="Workflows per batch.")
    parser.add_argument("--clients", type=int, default=16, help="Concurrent API clients.")
    parser.add_argument("--requests", type=int, default=25, help="Requests per client.")
    parser.add_argument("--database-url", default="",
                        help="App database; an empty database of its own. "
                        "Default: a new SQLite file.")
    parser.add_argument("--worker-processes", type=int, default=os.cpu_count() or 1,
                        help="Worker processes: this one plus N - 1 more. "
                        "Default: one per CPU core.")
    args = parser.parse_args()
    asyncio.run(main(args.orders, args.clients, args.requests, args.database_url,
                     args.worker_processes))
