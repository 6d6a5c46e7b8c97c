"""Worker process: runs order workflows and their activities."""

import asyncio
import signal

import structlog

from activities.notifications import NotificationActivities
from activities.orders import OrderActivities
from core.db import create_tables, get_engine
from core.logging import configure_logging
from core.settings import Settings, get_settings
from core.temporal import build_worker, connect
from integrations.carrier import SimulatedCarrier
from integrations.payment import SimulatedPaymentProvider
from integrations.warehouse import SimulatedWarehouse


def build_activities(settings: Settings) -> OrderActivities:
    """Wire activities to the built-in simulators of the embedded default."""
    engine = get_engine()
    return OrderActivities(
        engine=engine,
        payment=SimulatedPaymentProvider(engine),
        warehouse=SimulatedWarehouse(
            {"pick": settings.pick_delay_seconds, "pack": settings.pack_delay_seconds},
            manual_confirmation=settings.warehouse_manual_confirmation,
        ),
        carrier=SimulatedCarrier(engine, settings.carrier_transit_seconds),
        allocation_strategy=settings.allocation_strategy,
    )


async def run_worker(settings: Settings) -> None:
    log = structlog.get_logger("oms.worker")
    create_tables(get_engine())
    client = await connect(settings.temporal_address, settings.temporal_namespace)
    notifications = NotificationActivities(settings, get_engine())
    worker = build_worker(
        client, settings.task_queue, build_activities(settings),
        max_concurrent_activities=settings.max_concurrent_activities,
        extra_activities=(notifications.send_notification,),
    )

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    log.info("worker_started", task_queue=settings.task_queue,
             temporal_address=settings.temporal_address)
    async with worker:
        await stop.wait()
    log.info("worker_stopped")


def main() -> None:
    settings = get_settings()
    configure_logging(settings.environment)
    asyncio.run(run_worker(settings))


if __name__ == "__main__":
    main()
