"""Benchmark stock reservation and allocation.

1. Reservation throughput: concurrent clients (threads, each with its
   own connection) call `reserve_order_stock` on a fresh PostgreSQL
   database created for the run and dropped after it. Two workloads:
   `spread` (each order takes 1 to 3 SKUs out of many, little contention)
   and `hot` (every order takes the same SKU, so every order waits for
   the same row lock).
2. Allocation time: one 20-line order over 10 warehouses, with stock
   arranged so that no warehouse can ship everything, for each strategy.

    python -m scripts.bench_inventory --clients 50 --orders 2000

Every loop is bounded by --orders and --repeats; nothing runs forever.
"""

import argparse
import logging
import platform
import random
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import structlog
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

import models.inventory  # noqa: F401  (registers the inventory tables)
from activities.stock import (
    OutOfStockError,
    ReceiptLine,
    audit_stock_levels,
    receive_stock,
    reserve_order_stock,
)
from core.db import create_tables
from domain.allocation import STRATEGIES, Location, WarehouseStock
from models.payloads import OrderLineInput
from models.tables import Warehouse

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def bench_reservations(url: str, clients: int, orders: int, workload: str,
                       skus: int) -> dict:
    """Reserve `orders` orders from `clients` threads on a fresh
    database; return throughput, latency percentiles and outcomes."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"oms_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(
        make_url(url).set(database=name), pool_size=clients, max_overflow=0
    )
    try:
        create_tables(engine)
        order_lines = _prepare(engine, orders, workload, skus)
        result = _run(engine, clients, order_lines)
        with Session(engine) as session:
            result["audit_discrepancies"] = len(audit_stock_levels(session))
        return result
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(
                text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            )
        admin.dispose()


def _prepare(engine, orders: int, workload: str, skus: int) -> list[list]:
    rng = random.Random(42)
    with Session(engine) as session:
        session.add(Warehouse(id="WH-1", name="Bench"))
        session.commit()
        if workload == "hot":
            # Stock for half the orders, so the rest are rejected.
            receive_stock(session, "bench", "PO-bench", "WH-1",
                          [ReceiptLine("HOT", orders // 2)])
            return [[OrderLineInput(sku="HOT", quantity=1)]] * orders
        receive_stock(session, "bench", "PO-bench", "WH-1",
                      [ReceiptLine(f"SKU-{i:05}", 10 * orders)
                       for i in range(skus)])
    return [
        [OrderLineInput(sku=f"SKU-{rng.randrange(skus):05}",
                        quantity=rng.randint(1, 3))
         for _ in range(rng.randint(1, 3))]
        for _ in range(orders)
    ]


def _run(engine, clients: int, order_lines: list[list]) -> dict:
    latencies: list[float] = []
    outcomes = {"reserved": 0, "out_of_stock": 0, "failed": 0}
    lock = threading.Lock()

    def place(index: int) -> None:
        started = time.perf_counter()
        outcome = "reserved"
        with Session(engine) as session:
            try:
                reserve_order_stock(session, f"order-{index}", order_lines[index])
            except OutOfStockError:
                outcome = "out_of_stock"
            except Exception:  # noqa: BLE001  (counted and reported)
                outcome = "failed"
        with lock:
            latencies.append(time.perf_counter() - started)
            outcomes[outcome] += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(place, range(len(order_lines))))
    elapsed = time.perf_counter() - started

    latencies.sort()
    return {
        "orders": len(order_lines),
        "seconds": elapsed,
        "orders_per_second": len(order_lines) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
        **outcomes,
    }


def allocation_case(seed: int = 7) -> tuple[dict, list, Location]:
    """Build a 20-line order and 10 warehouses where each warehouse
    lacks some of the order's SKUs, so every strategy must split."""
    rng = random.Random(seed)
    skus = [f"SKU-{i:02}" for i in range(20)]
    demand = {sku: rng.randint(1, 5) for sku in skus}
    warehouses = []
    for index in range(10):
        stocked = rng.sample(skus, 12)
        warehouses.append(WarehouseStock(
            warehouse_id=f"WH-{index}",
            available={sku: rng.randint(0, 8) for sku in stocked},
            location=Location(rng.uniform(25, 49), rng.uniform(-124, -67)),
            priority=index,
        ))
    return demand, warehouses, Location(39.95, -75.17)


def bench_allocation(repeats: int) -> dict[str, dict]:
    demand, warehouses, destination = allocation_case()
    results = {}
    for name, strategy_class in STRATEGIES.items():
        strategy = strategy_class()
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            allocation = strategy.allocate(demand, warehouses, destination)
            timings.append(time.perf_counter() - started)
        results[name] = {
            "median_ms": 1000 * statistics.median(timings),
            "max_ms": 1000 * max(timings),
            "shipments": len(allocation.shipments),
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=DEFAULT_URL,
                        help="PostgreSQL URL of a database the user may "
                        "create databases from")
    parser.add_argument("--clients", type=int, default=50,
                        help="Concurrent client threads, one connection each")
    parser.add_argument("--orders", type=int, default=2000,
                        help="Orders per reservation workload")
    parser.add_argument("--skus", type=int, default=500,
                        help="SKUs in the spread workload")
    parser.add_argument("--repeats", type=int, default=200,
                        help="Allocation runs per strategy")
    args = parser.parse_args()
    # One info line per rejected order would cost more than the work
    # being measured, so only warnings are printed.
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING)
    )

    print(f"python {platform.python_version()}, {platform.machine()}, "
          f"clients {args.clients}, orders {args.orders}")
    print("\n| workload | orders | s | orders/s | p50 ms | p95 ms | reserved "
          "| out of stock | failed | audit discrepancies |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for workload in ("spread", "hot"):
        r = bench_reservations(args.url, args.clients, args.orders, workload,
                               args.skus)
        print(f"| {workload} | {r['orders']} | {r['seconds']:.1f} "
              f"| {r['orders_per_second']:.0f} | {r['p50_ms']:.1f} "
              f"| {r['p95_ms']:.1f} | {r['reserved']} | {r['out_of_stock']} "
              f"| {r['failed']} | {r['audit_discrepancies']} |")

    print("\n| strategy | median ms | max ms | shipments |")
    print("|---|---|---|---|")
    for name, r in bench_allocation(args.repeats).items():
        print(f"| {name} | {r['median_ms']:.3f} | {r['max_ms']:.3f} "
              f"| {r['shipments']} |")


if __name__ == "__main__":
    main()
