"""Order e-mails sent to a local aiosmtpd server."""

import email
import email.policy
import socket
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session, select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.notifications import NotificationActivities
from core.db import create_tables, make_engine
from core.settings import Settings
from models.notifications import NotificationRecord
from models.payloads import NotificationKind, NotificationRequest


class Inbox:
    """aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


@pytest.fixture
def engine(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'oms.db'}")
    create_tables(engine)
    yield engine
    engine.dispose()


def make_activities(engine, port: int) -> NotificationActivities:
    settings = Settings(smtp_host="127.0.0.1", smtp_port=port,
                        mail_from="orders@shop.example", smtp_timeout_seconds=5)
    return NotificationActivities(settings, engine=engine)


def request(kind: NotificationKind, key: str = "", **context) -> NotificationRequest:
    return NotificationRequest(
        kind=kind, order_id="US-2019-103800", to_email="darren@example.com",
        context={"customer_name": "Darren Powers", **context},
        idempotency_key=key or f"order-US-2019-103800/notify/{kind.value}",
    )


def bodies(message) -> tuple[str, str]:
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def send(activities, notification) -> bool:
    return ActivityEnvironment().run(activities.send_notification, notification)


def test_send_notification_order_confirmed(inbox, engine):
    handler, port = inbox

    sent = send(make_activities(engine, port), request(
        NotificationKind.ORDER_CONFIRMED, total="28.23", currency="USD"))

    message = handler.messages[0]
    text, html = bodies(message)
    assert sent is True
    assert message["Subject"] == "Order US-2019-103800 confirmed"
    assert message["To"] == "darren@example.com"
    assert message["From"] == "orders@shop.example"
    assert handler.recipients[0] == ["darren@example.com"]
    assert "US-2019-103800" in text
    assert "28.23 USD" in text
    assert "Hello Darren Powers" in text
    assert "<strong>28.23 USD</strong>" in html


def test_send_notification_order_shipped_has_tracking_link(inbox, engine):
    handler, port = inbox

    send(make_activities(engine, port), request(
        NotificationKind.ORDER_SHIPPED, carrier="simcarrier", service="ground",
        tracking_number="SIM0123ABCDEF"))

    message = handler.messages[0]
    text, html = bodies(message)
    link = "https://tracking.example.com/simcarrier/SIM0123ABCDEF"
    assert message["Subject"] == "Order US-2019-103800 has shipped"
    assert "Tracking number: SIM0123ABCDEF" in text
    assert link in text
    assert f'<a href="{link}">SIM0123ABCDEF</a>' in html
    assert "US-2019-103800" in html


def test_send_notification_order_delivered(inbox, engine):
    handler, port = inbox

    send(make_activities(engine, port), request(
        NotificationKind.ORDER_DELIVERED, tracking_number="SIM0123ABCDEF",
        delivered_at="2019-01-08"))

    message = handler.messages[0]
    text, _ = bodies(message)
    assert message["Subject"] == "Order US-2019-103800 was delivered"
    assert "was delivered on 2019-01-08" in text
    assert "SIM0123ABCDEF" in text


def test_send_notification_return_received(inbox, engine):
    handler, port = inbox

    send(make_activities(engine, port), request(
        NotificationKind.RETURN_RECEIVED, return_id="return-US-2019-103800-1",
        refund_amount="16.45", currency="USD"))

    message = handler.messages[0]
    text, html = bodies(message)
    assert message["Subject"] == "We received your return for order US-2019-103800"
    assert "return-US-2019-103800-1" in text
    assert "16.45 USD" in text
    assert "16.45 USD" in html


def test_send_notification_refund_issued(inbox, engine):
    handler, port = inbox

    send(make_activities(engine, port), request(
        NotificationKind.REFUND_ISSUED, amount="11.79", currency="USD",
        reason="damaged box"))

    message = handler.messages[0]
    text, _ = bodies(message)
    assert message["Subject"] == "Refund of 11.79 USD for order US-2019-103800"
    assert "We refunded 11.79 USD for order US-2019-103800" in text
    assert "Reason: damaged box" in text


def test_send_notification_html_escapes_context(inbox, engine):
    handler, port = inbox

    send(make_activities(engine, port), request(
        NotificationKind.REFUND_ISSUED, amount="1.00", currency="USD",
        reason="<b>late</b> & lost"))

    text, html = bodies(handler.messages[0])
    assert "Reason: <b>late</b> & lost" in text
    assert "&lt;b&gt;late&lt;/b&gt; &amp; lost" in html


def test_send_notification_same_key_sends_once(inbox, engine):
    handler, port = inbox
    activities = make_activities(engine, port)
    notification = request(NotificationKind.ORDER_CONFIRMED, total="28.23",
                           currency="USD")

    first = send(activities, notification)
    second = send(activities, notification)

    with Session(engine) as session:
        records = session.exec(select(NotificationRecord)).all()
    assert first is True
    assert second is True
    assert len(handler.messages) == 1
    assert len(records) == 1
    assert records[0].sent_at is not None
    assert records[0].message_id == handler.messages[0]["Message-ID"]


def test_send_notification_empty_recipient_sends_nothing(inbox, engine):
    handler, port = inbox
    notification = request(NotificationKind.ORDER_CONFIRMED, total="1", currency="USD")
    notification.to_email = "  "

    sent = send(make_activities(engine, port), notification)

    with Session(engine) as session:
        records = session.exec(select(NotificationRecord)).all()
    assert sent is False
    assert handler.messages == []
    assert records == []


def test_send_notification_smtp_down_raises_and_retry_sends(inbox, engine):
    handler, port = inbox
    notification = request(NotificationKind.ORDER_CONFIRMED, total="28.23",
                           currency="USD")
    down = make_activities(engine, free_port())

    with pytest.raises(ConnectionRefusedError):
        send(down, notification)
    with Session(engine) as session:
        claims = session.exec(select(NotificationRecord)).all()
    retried = send(make_activities(engine, port), notification)

    assert claims == []
    assert retried is True
    assert len(handler.messages) == 1


def test_send_notification_missing_context_is_final(inbox, engine):
    handler, port = inbox

    with pytest.raises(ApplicationError) as raised:
        send(make_activities(engine, port),
             request(NotificationKind.ORDER_SHIPPED, carrier="simcarrier"))

    assert raised.value.non_retryable is True
    assert raised.value.type == "invalid_notification"
    assert "tracking_number" in raised.value.message
    assert handler.messages == []


def test_send_notification_invalid_amount_is_final(inbox, engine):
    _, port = inbox

    with pytest.raises(ApplicationError) as raised:
        send(make_activities(engine, port), request(
            NotificationKind.REFUND_ISSUED, amount="ten", currency="USD"))

    assert raised.value.non_retryable is True
    assert "amount='ten'" in raised.value.message
