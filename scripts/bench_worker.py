"""Benchmark worker: the order workflows, the no-op baseline and the
activities with every simulator delay at 0.

The benchmark runs one in its own process and, with
`--worker-processes N`, N - 1 more as `python -m scripts.bench_worker`.
Each process serves two task queues: one with the real activities and
one where every activity returns the result of its first call.
"""

import argparse
import asyncio
import fcntl
import functools
import logging
import pickle
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from temporalio.client import Client
from temporalio.worker import Worker

from activities.orders import OrderActivities
from core.db import make_engine
from core.logging import configure_logging
from core.temporal import WORKFLOWS, connect, sandbox_runner
from integrations.carrier import SimulatedCarrier
from integrations.payment import SimulatedPaymentProvider
from integrations.warehouse import SimulatedWarehouse
from scripts.bench_bare import BareOrderWorkflow
from scripts.bench_noop import NoopWorkflow, noop_step

# Suffix of the task queue whose activities return cached results.
CACHED_SUFFIX = "-cached"


def cache_first_result(function, folder: Path):
    """Wrap a sync activity so that only its first call runs; every later
    call returns that first result without doing the work.

    Orders on such a worker still run the whole workflow with the same
    events and payloads, so their rate shows what the workflow and
    Temporal cost without the activities' database work. The first
    result is kept in `folder`, which every worker process shares, so
    all of them return the same one: an order booked in one process and
    tracked in another still gets events for its own tracking number.
    """
    path = folder / f"{function.__name__}.pickle"
    lock = threading.Lock()
    results: list = []

    # functools.wraps also copies the activity definition, and the worker
    # registers the wrapper under the same activity name.
    @functools.wraps(function)
    def cached(*args):
        # Every call after the first returns here without the lock.
        if results:
            return results[0]
        with lock:
            if not results:
                results.append(_load_or_run(path, function, args))
        return results[0]

    return cached


def _load_or_run(path: Path, function, args: tuple):
    """Return the result stored at `path`, or run and store it; a file
    lock makes one process of several run it."""
    with open(path.with_suffix(".lock"), "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        if path.exists():
            return pickle.loads(path.read_bytes())
        result = function(*args)
        path.write_bytes(pickle.dumps(result))
        return result


def bench_worker(client: Client, queue: str, engine,
                 cache_folder: Path | None = None) -> Worker:
    """Build a worker for the benchmark; with `cache_folder`, its
    activities return cached results."""
    activities = OrderActivities(
        engine, SimulatedPaymentProvider(engine),
        SimulatedWarehouse({}, manual_confirmation=False),
        SimulatedCarrier(engine, 0),
    ).all()
    if cache_folder is not None:
        activities = [cache_first_result(function, cache_folder)
                      for function in activities]
    return Worker(
        client, task_queue=queue, workflows=[*WORKFLOWS, NoopWorkflow, BareOrderWorkflow],
        activities=[*activities, noop_step],
        activity_executor=ThreadPoolExecutor(64), max_concurrent_activities=64,
        workflow_runner=sandbox_runner(),
    )


async def serve(address: str, queue: str, database_url: str,
                cache_folder: Path) -> None:
    client = await connect(address)
    engine = make_engine(database_url)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with (bench_worker(client, queue, engine),
                bench_worker(client, queue + CACHED_SUFFIX, engine, cache_folder)):
        await stop.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="One extra benchmark worker.")
    parser.add_argument("--address", required=True, help="Temporal host:port.")
    parser.add_argument("--queue", required=True, help="Task queue of the benchmark.")
    parser.add_argument("--database-url", required=True, help="The benchmark's app database.")
    parser.add_argument("--cache-folder", required=True, type=Path,
                        help="Folder of the cached activity results, shared by all workers.")
    args = parser.parse_args()
    configure_logging("production")
    logging.getLogger().setLevel(logging.WARNING)
    asyncio.run(serve(args.address, args.queue, args.database_url, args.cache_folder))
