"""Builders for order inputs and workers used by the workflow tests."""

from datetime import datetime, timezone

from activities.orders import OrderActivities
from core.temporal import build_worker
from integrations.carrier import SimulatedCarrier
from integrations.payment import SimulatedPaymentProvider
from integrations.warehouse import SimulatedWarehouse
from models.payloads import Address, FollowUpPolicy, OrderInput, OrderLineInput


def make_order(order_id: str, token: str = "tok_visa", postal_code: str = "77095",
               lines: list[tuple[str, int]] | None = None) -> OrderInput:
    lines = lines or [("OFF-PA-10000174", 2), ("OFF-LA-10003223", 3)]
    return OrderInput(
        order_id=order_id,
        channel="api",
        customer_id="DP-13000",
        customer_name="Darren Powers",
        lines=[OrderLineInput(sku=sku, quantity=qty) for sku, qty in lines],
        shipping_address=Address(name="Darren Powers", city="Houston",
                                 region="Texas", postal_code=postal_code),
        payment_token=token,
        placed_at=datetime(2019, 1, 3, tzinfo=timezone.utc),
        follow_up=FollowUpPolicy(
            tracking_poll_seconds=60, feedback_delay_seconds=3600,
            return_window_seconds=14 * 86400,
        ),
    )


def make_activities(engine, manual=False, transit_seconds=0.0,
                    manual_warehouses=()) -> OrderActivities:
    return OrderActivities(
        engine=engine,
        payment=SimulatedPaymentProvider(engine),
        warehouse=SimulatedWarehouse({}, manual_confirmation=manual,
                                     manual_warehouses=manual_warehouses),
        carrier=SimulatedCarrier(engine, transit_seconds),
    )


def make_worker(client, task_queue, engine, **options):
    return build_worker(client, task_queue, make_activities(engine, **options))
