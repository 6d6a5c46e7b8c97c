"""Structured logging: JSON in production, readable lines in development.

Every line carries `order_id`, `workflow_id` and `activity` (None where
they do not apply), so one order's story can be read with one filter.
"""

import logging
import sys

import structlog

_ID_KEYS = ("order_id", "workflow_id", "activity")
_SECRET_KEYS = ("authorization", "api_key", "payment_token", "password")


def _add_id_keys(_logger, _method, event_dict: dict) -> dict:
    for key in _ID_KEYS:
        event_dict.setdefault(key, None)
    return event_dict


def _redact_secrets(_logger, _method, event_dict: dict) -> dict:
    for key in _SECRET_KEYS:
        if key in event_dict:
            event_dict[key] = "[redacted]"
    return event_dict


def configure_logging(environment: str = "development") -> None:
    """Route structlog and stdlib logging through one processor chain."""
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_id_keys,
        _redact_secrets,
    ]
    if environment == "production":
        renderer = structlog.processors.JSONRenderer()
        shared.append(structlog.processors.format_exc_info)
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())

    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    for noisy in ("uvicorn.access", "httpx", "temporalio.activity"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
