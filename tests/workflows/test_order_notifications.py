"""Order e-mails sent by the workflow reach a local SMTP server."""

from decimal import Decimal

from activities.notifications import NotificationActivities
from core.settings import Settings
from core.temporal import build_worker
from models.payloads import OrderState
from models.status import OrderStatus
from tests.activities.test_notifications import inbox  # noqa: F401  (fixture)
from tests.workflows.helpers import make_activities, make_order
from workflows.order import OrderWorkflow


async def test_order_emails_confirm_ship_deliver(
    time_skipping_env, sqlite_engine, task_queue, inbox  # noqa: F811
):
    env = time_skipping_env
    handler, port = inbox
    mail = NotificationActivities(
        Settings(smtp_host="127.0.0.1", smtp_port=port), sqlite_engine)
    order = make_order("mail-1").model_copy(
        update={"customer_email": "darren@example.com"})
    worker = build_worker(env.client, task_queue, make_activities(sqlite_engine),
                          extra_activities=(mail.send_notification,))
    async with worker:
        handle = await env.client.start_workflow(
            OrderWorkflow.run, order, id="order-mail-1", task_queue=task_queue)
        state: OrderState = await handle.result()

    subjects = [message["Subject"] for message in handler.messages]
    bodies = {message["Subject"]: message.get_body(("plain",)).get_content()
              for message in handler.messages}
    tracking = state.shipments[0].tracking_number
    assert state.status == OrderStatus.COMPLETED
    assert len(subjects) == 3
    assert all(rcpt == ["darren@example.com"] for rcpt in handler.recipients)
    assert any(str(state.total) in body for body in bodies.values())
    assert any(tracking in body for body in bodies.values())
    assert state.total == Decimal("28.23")


async def test_order_without_email_sends_none(
    time_skipping_env, sqlite_engine, task_queue, inbox  # noqa: F811
):
    env = time_skipping_env
    handler, port = inbox
    mail = NotificationActivities(
        Settings(smtp_host="127.0.0.1", smtp_port=port), sqlite_engine)
    worker = build_worker(env.client, task_queue, make_activities(sqlite_engine),
                          extra_activities=(mail.send_notification,))
    async with worker:
        handle = await env.client.start_workflow(
            OrderWorkflow.run, make_order("mail-2"), id="order-mail-2",
            task_queue=task_queue)
        state: OrderState = await handle.result()

    assert state.status == OrderStatus.COMPLETED
    assert handler.messages == []
