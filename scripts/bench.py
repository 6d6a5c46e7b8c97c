"""Benchmark: order throughput against a no-op baseline, and API latency.

Runs everything on one local dev server in one process:
1. full-lifecycle orders with every simulator delay at 0, then the same
   number of no-op workflows with as many activities, and reports the
   ratio of their rates;
2. `POST /orders` latency under concurrent clients (p50 and p99).
Usage: python -m scripts.bench [--orders N] [--clients N] [--requests N]
"""

import argparse
import logging
import asyncio
import platform
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import httpx
import uvicorn
from sqlmodel import Session
from temporalio.api.enums.v1 import EventType
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.orders import OrderActivities
from api.app import create_app
from api.auth import Role, create_api_key
from core.binaries import temporal_cli
from core.db import create_tables, make_engine
from core.logging import configure_logging
from core.settings import Settings
from core.temporal import WORKFLOWS, sandbox_runner
from integrations.carrier import SimulatedCarrier
from integrations.payment import SimulatedPaymentProvider
from integrations.warehouse import SimulatedWarehouse
from models.payloads import Address, FollowUpPolicy, OrderInput, OrderLineInput
from models.tables import Product, StockLevel, Warehouse
from scripts.bench_noop import NoopPlan, NoopWorkflow, noop_step
from workflows.order import OrderWorkflow
from workflows.search_attributes import ALL_KEYS

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


async def count_steps(client, workflow_ids: list[str]) -> NoopPlan:
    """Count activities and local activities over an order and its children."""
    activities = local_activities = 0
    for workflow_id in workflow_ids:
        history = await client.get_workflow_handle(workflow_id).fetch_history()
        kinds = [event.event_type for event in history.events]
        activities += kinds.count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
        local_activities += kinds.count(EventType.EVENT_TYPE_MARKER_RECORDED)
    return NoopPlan(activities=activities, local_activities=local_activities)


async def run_batch(client, queue: str, count: int, start) -> float:
    began = time.perf_counter()
    handles = await asyncio.gather(*(start(n) for n in range(count)))
    await asyncio.gather(*(handle.result() for handle in handles))
    return count / (time.perf_counter() - began)


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


async def main(orders: int, clients: int, requests: int, database_url: str) -> None:
    configure_logging("production")
    logging.getLogger().setLevel(logging.WARNING)
    folder = Path(tempfile.mkdtemp(prefix="oms-bench-"))
    engine = make_engine(database_url or f"sqlite:///{folder / 'oms.db'}")
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
    activities = OrderActivities(
        engine, SimulatedPaymentProvider(engine),
        SimulatedWarehouse({}, manual_confirmation=False),
        SimulatedCarrier(engine, 0),
    )
    queue = "bench"
    worker = Worker(
        client, task_queue=queue, workflows=[*WORKFLOWS, NoopWorkflow],
        activities=[*activities.all(), noop_step],
        activity_executor=ThreadPoolExecutor(64), max_concurrent_activities=64,
        workflow_runner=sandbox_runner(),
    )
    run_id = uuid.uuid4().hex[:6]
    async with worker:
        probe = await client.start_workflow(
            OrderWorkflow.run, order_input(f"probe-{run_id}"),
            id=f"order-probe-{run_id}", task_queue=queue)
        await probe.result()
        plan = await count_steps(client, [probe.id, f"shipment-probe-{run_id}-1"])

        async def start_order(n: int):
            order_id = f"b{run_id}-{n}"
            return await client.start_workflow(
                OrderWorkflow.run, order_input(order_id), id=f"order-{order_id}",
                task_queue=queue)

        async def start_noop(n: int):
            return await client.start_workflow(
                NoopWorkflow.run, plan, id=f"noop-{run_id}-{n}", task_queue=queue)

        order_rate = await run_batch(client, queue, orders, start_order)
        noop_rate = await run_batch(client, queue, orders, start_noop)

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
        timings = await post_latency(f"http://127.0.0.1:{port}", key, clients, requests)
        server.should_exit = True
        thread.join(timeout=10)
    await env.shutdown()

    print(f"app database: {engine.url.get_backend_name()}")
    print(f"machine: {platform.machine()}, {platform.python_version()}, "
          f"{__import__('os').cpu_count()} cores")
    print(f"steps per order: {plan.activities} activities, "
          f"{plan.local_activities} local activities")
    print(f"full-lifecycle orders: {order_rate:.1f} orders/s ({orders} orders)")
    print(f"no-op baseline:        {noop_rate:.1f} workflows/s ({orders} workflows)")
    print(f"ratio:                 {order_rate / noop_rate:.2f}")
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
    args = parser.parse_args()
    asyncio.run(main(args.orders, args.clients, args.requests, args.database_url))
