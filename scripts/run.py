"""Run the whole embedded stack: Temporal, worker, API, demo data, import.

Ctrl-C stops every process; running `make run` again resumes the
orders that were in flight, because Temporal keeps them in its file.
"""

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import structlog
from sqlalchemy import func
from sqlmodel import Session, select

from core.db import create_tables, get_engine
from core.devserver import start_dev_server, wait_for_port
from core.logging import configure_logging
from core.settings import get_settings
from models.status import OrderStatus
from models.tables import OrderRecord
from scripts import superstore
from scripts.import_orders import import_orders
from scripts.seed import ensure_dev_keys, seed_catalog
from scripts.summary import summarize

log = structlog.get_logger("oms.run")


def start_process(name: str, command: list[str], env: dict,
                  log_dir: Path) -> subprocess.Popen:
    """Start a child whose output goes to `<log_dir>/<name>.log`."""
    log.info("process_starting", process=name, log=str(log_dir / f"{name}.log"))
    output = (log_dir / f"{name}.log").open("ab")
    # A session of its own keeps Ctrl-C away from the child, so that
    # stop_all can stop the children one after another.
    return subprocess.Popen(command, env=env, stdout=output, stderr=output,
                            start_new_session=True)


def wait_until_settled(engine, expected: int, timeout: float) -> None:
    """Wait until `expected` imported orders reached delivery or an end,
    or the timeout; held orders may keep it waiting until then."""
    settled = [s.value for s in (OrderStatus.DELIVERED, OrderStatus.COMPLETED,
                                 OrderStatus.CANCELLED, OrderStatus.FAILED)]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Session(engine) as session:
            done = session.exec(
                select(func.count()).select_from(OrderRecord).where(
                    OrderRecord.channel == "import",
                    OrderRecord.status.in_(settled))
            ).one()
        if done >= expected:
            return
        print(f"\r{expected - done} imported orders still before delivery...",
              end="", flush=True)
        time.sleep(2)
    print()


def worker_names(count: int) -> list[str]:
    """Name the worker processes; their logs are `<name>.log`."""
    return ["worker"] if count == 1 else [f"worker-{n}" for n in range(1, count + 1)]


def stop_all(processes: list[tuple[str, subprocess.Popen]]) -> None:
    """Stop the API, then the workers, then Temporal, each before the next,
    so that the workers can finish their shutdown while the server is up."""
    for name, process in reversed(processes):
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            log.warning("process_killed", process=name)
            process.kill()
            process.wait()
        log.info("process_stopped", process=name, returncode=process.returncode)


def main() -> None:
    settings = get_settings()
    configure_logging(settings.environment)
    engine = get_engine()
    create_tables(engine)
    env = {**os.environ, "OMS_DATA_DIR": str(settings.data_dir)}
    port = int(settings.temporal_address.rsplit(":", 1)[1])

    processes: list[tuple[str, subprocess.Popen]] = []
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    try:
        processes.append(("temporal", start_dev_server(
            settings.data_dir, port, settings.temporal_ui_port)))
        for name in worker_names(settings.worker_processes):
            processes.append((name, start_process(
                name, [sys.executable, "worker.py"], env, settings.data_dir)))
        processes.append(("api", start_process("api", [
            sys.executable, "-m", "uvicorn", "api.main:app",
            "--host", settings.api_host, "--port", str(settings.api_port),
            "--no-access-log",
        ], env, settings.data_dir)))
        wait_for_port(settings.api_host, settings.api_port, processes[-1][1])

        dataset = superstore.load()
        added = seed_catalog(engine, dataset)
        keys = ensure_dev_keys(engine, settings.data_dir)
        api = f"http://{settings.api_host}:{settings.api_port}"
        print(f"\ncatalog: {added} products added from {dataset.source}")
        print(f"API:         {api}/docs")
        print(f"Temporal UI: http://127.0.0.1:{settings.temporal_ui_port}")
        worker_logs = ", ".join(f"{name}.log" for name in worker_names(
            settings.worker_processes))
        print(f"logs:        {settings.data_dir}/{worker_logs}, api.log, temporal.log")
        print("development API keys (Authorization: Bearer <key>):")
        for role, key in keys.items():
            print(f"  {role:<10} {key}")
        print()

        started = time.monotonic()
        report = asyncio.run(import_orders(api, keys["backend"], settings.import_limit,
                                           settings.import_concurrency))
        print(f"import took {time.monotonic() - started:.1f} s")
        wait_until_settled(engine, report.created + report.replayed,
                           settings.settle_timeout_seconds)
        print()
        print(summarize(engine))
        print("\nrunning; press Ctrl-C to stop")
        while all(process.poll() is None for _, process in processes):
            time.sleep(1)
        log.error("process_exited", processes=[
            name for name, process in processes if process.poll() is not None])
    except KeyboardInterrupt:
        pass
    finally:
        stop_all(processes)


if __name__ == "__main__":
    main()
