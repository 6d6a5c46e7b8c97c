"""Order e-mails: render the kind's Jinja2 templates and send over SMTP.

Each message is claimed in the `notifications` table under its
idempotency key before the SMTP call and marked sent after it, so a
retried activity finds the mark and sends nothing. A failed SMTP call
drops the claim and raises, so Temporal retries it.
"""

import hashlib
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.logging import bind_activity_context
from core.db import make_engine
from core.settings import Settings
from models.notifications import NotificationRecord
from models.payloads import NotificationKind, NotificationRequest

# NOTE: `pip install .` does not copy templates/, so the processes must
# import this module from the source tree, as the Docker image does.
TEMPLATE_DIRECTORY = Path(__file__).resolve().parent.parent / "templates" / "email"


@dataclass(frozen=True)
class EmailTemplate:
    subject: str
    """Jinja2 source of the subject line."""
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    money: tuple[str, ...] = ()
    """Context keys that must parse as a decimal amount."""


TEMPLATES = {
    NotificationKind.ORDER_CONFIRMED: EmailTemplate(
        "Order {{ order_id }} confirmed",
        required=("total", "currency"), optional=("customer_name",),
        money=("total",),
    ),
    NotificationKind.ORDER_SHIPPED: EmailTemplate(
        "Order {{ order_id }} has shipped",
        required=("carrier", "tracking_number"),
        optional=("customer_name", "service", "eta", "tracking_url"),
    ),
    NotificationKind.ORDER_DELIVERED: EmailTemplate(
        "Order {{ order_id }} was delivered",
        required=(),
        optional=("customer_name", "tracking_number", "delivered_at"),
    ),
    NotificationKind.RETURN_RECEIVED: EmailTemplate(
        "We received your return for order {{ order_id }}",
        required=("return_id",),
        optional=("customer_name", "refund_amount", "currency"),
        money=("refund_amount",),
    ),
    NotificationKind.REFUND_ISSUED: EmailTemplate(
        "Refund of {{ amount }} {{ currency }} for order {{ order_id }}",
        required=("amount", "currency"), optional=("customer_name", "reason"),
        money=("amount",),
    ),
}


class NotificationActivities:
    def __init__(self, settings: Settings, engine: Engine | None = None):
        self.settings = settings
        self.engine = engine or make_engine(settings.resolved_database_url)
        # Autoescape HTML only: the text part must keep `&` and `<` as typed.
        self.templates = Environment(
            loader=FileSystemLoader(TEMPLATE_DIRECTORY),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )
        # A claim older than this belongs to an attempt that stopped
        # between the SMTP call and the update, so a retry may take it.
        self.claim_lease = timedelta(seconds=2 * settings.smtp_timeout_seconds)

    @activity.defn
    def send_notification(self, request: NotificationRequest) -> bool:
        """Send one order e-mail, once per idempotency key.

        Returns False without sending when `to_email` is empty, and True
        when the message was sent by this call or an earlier one.
        """
        log = bind_activity_context(request.order_id).bind(
            kind=request.kind.value, idempotency_key=request.idempotency_key
        )
        if not request.to_email.strip():
            log.info("notification_skipped", reason="no recipient")
            return False

        message = self.build_message(request)
        if not self._claim(request, message):
            log.info("notification_already_sent")
            return True

        try:
            self._send(message)
        except (smtplib.SMTPException, OSError) as error:
            self._release_claim(request.idempotency_key)
            log.warning("notification_send_failed", error=str(error),
                        smtp_host=self.settings.smtp_host,
                        smtp_port=self.settings.smtp_port)
            raise

        self._mark_sent(request.idempotency_key)
        log.info("notification_sent", to_email=request.to_email)
        return True

    def build_message(self, request: NotificationRequest) -> EmailMessage:
        """Render the subject, text and HTML parts of the request's e-mail."""
        context = self._context(request)
        subject = self.templates.from_string(TEMPLATES[request.kind].subject)
        context["subject"] = subject.render(context).strip()
        name = request.kind.value
        text = self.templates.get_template(f"{name}.txt").render(context)
        html = self.templates.get_template(f"{name}.html").render(context)

        message = EmailMessage()
        message["Subject"] = context["subject"]
        message["From"] = self.settings.mail_from
        message["To"] = request.to_email.strip()
        message["Date"] = format_datetime(datetime.now(timezone.utc))
        message["Message-ID"] = self._message_id(request.idempotency_key)
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        return message

    def _context(self, request: NotificationRequest) -> dict[str, str]:
        template = TEMPLATES[request.kind]
        missing = [key for key in template.required if not request.context.get(key)]
        if missing:
            # Retrying sends the same context, so fail the activity for good.
            raise ApplicationError(
                f"{request.kind.value} e-mail for order {request.order_id} "
                f"needs context keys: {', '.join(missing)}",
                type="invalid_notification", non_retryable=True,
            )
        for key in template.money:
            _check_amount(request, key)

        context = {key: "" for key in template.optional}
        context.update(request.context)
        context["order_id"] = request.order_id
        shipped = request.kind == NotificationKind.ORDER_SHIPPED
        if shipped and not context["tracking_url"]:
            context["tracking_url"] = self.settings.tracking_url_template.format(
                carrier=context["carrier"],
                tracking_number=context["tracking_number"],
            )
        return context

    def _message_id(self, idempotency_key: str) -> str:
        # Derived from the key, so a message resent after a lost claim
        # carries the same id and mail systems can drop the copy.
        digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
        domain = self.settings.mail_from.rpartition("@")[2] or "localhost"
        return f"<{digest}@{domain}>"

    def _send(self, message: EmailMessage) -> None:
        # TODO: no STARTTLS or login yet, so the SMTP server must accept
        # mail from this host without them.
        with smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port,
                          timeout=self.settings.smtp_timeout_seconds) as smtp:
            smtp.send_message(message)

    def _claim(self, request: NotificationRequest, message: EmailMessage) -> bool:
        """Claim the key for this attempt; return False if already sent.

        Raises a retryable error while another attempt has a fresh claim.
        """
        now = datetime.now(timezone.utc)
        with Session(self.engine) as session:
            record = session.get(NotificationRecord, request.idempotency_key,
                                 with_for_update=True)
            if record is not None and record.sent_at is not None:
                return False
            fresh = now - self.claim_lease
            if record is not None and _aware(record.claimed_at) > fresh:
                raise RuntimeError(
                    f"notification {request.idempotency_key} is being sent by "
                    f"another attempt since {record.claimed_at.isoformat()}; "
                    "retry later"
                )
            if record is None:
                record = NotificationRecord(
                    idempotency_key=request.idempotency_key,
                    order_id=request.order_id, kind=request.kind.value,
                    to_email=request.to_email.strip(),
                    subject=str(message["Subject"]),
                    message_id=str(message["Message-ID"]),
                )
            record.claimed_at = now
            session.add(record)
            try:
                session.commit()
            except IntegrityError as error:
                raise RuntimeError(
                    f"notification {request.idempotency_key} was claimed by "
                    "another attempt at the same time; retry later"
                ) from error
        return True

    def _release_claim(self, idempotency_key: str) -> None:
        with Session(self.engine) as session:
            record = session.get(NotificationRecord, idempotency_key)
            if record is not None and record.sent_at is None:
                session.delete(record)
                session.commit()

    def _mark_sent(self, idempotency_key: str) -> None:
        # NOTE: a process that stops before this commit leaves the claim
        # unmarked, and the retry after the lease sends the e-mail again.
        with Session(self.engine) as session:
            record = session.get(NotificationRecord, idempotency_key)
            record.sent_at = datetime.now(timezone.utc)
            session.add(record)
            session.commit()


def _check_amount(request: NotificationRequest, key: str) -> None:
    value = request.context.get(key, "")
    if not value:
        return
    try:
        valid = Decimal(value).is_finite()
    except InvalidOperation:
        valid = False
    if not valid:
        raise ApplicationError(
            f"context key {key}={value!r} of order {request.order_id} is not "
            "a decimal amount; send it like 28.23",
            type="invalid_notification", non_retryable=True,
        )


def _aware(moment: datetime) -> datetime:
    """Attach UTC to timestamps that SQLite returns without a zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
