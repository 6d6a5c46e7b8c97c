"""Production logging: one JSON object per line with the order ids."""

import json
import logging

import structlog

from core.logging import configure_logging


def read_lines(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]


def test_logging_production_json_has_ids(capsys):
    configure_logging("production")
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(order_id="O-1", workflow_id="order-O-1",
                                           activity="capture_order")

    structlog.get_logger("test").info("order_captured", total="10.00")
    logging.getLogger("stdlib").warning("plain stdlib line")
    structlog.contextvars.clear_contextvars()
    lines = read_lines(capsys)

    assert lines[0]["event"] == "order_captured"
    assert lines[0]["order_id"] == "O-1"
    assert lines[0]["workflow_id"] == "order-O-1"
    assert lines[0]["activity"] == "capture_order"
    assert lines[0]["timestamp"].endswith("Z")
    assert lines[1]["event"] == "plain stdlib line"
    assert lines[1]["order_id"] == "O-1"


def test_logging_lines_without_order_carry_null_ids(capsys):
    configure_logging("production")
    structlog.contextvars.clear_contextvars()

    structlog.get_logger("test").info("worker_started")
    line = read_lines(capsys)[0]

    assert line["order_id"] is None
    assert line["workflow_id"] is None
    assert line["activity"] is None


def test_logging_redacts_secrets(capsys):
    configure_logging("production")

    structlog.get_logger("test").info("payment_sent", payment_token="tok_secret",
                                      authorization="Bearer oms_key")
    line = read_lines(capsys)[0]

    assert line["payment_token"] == "[redacted]"
    assert line["authorization"] == "[redacted]"
    assert "tok_secret" not in json.dumps(line)


def test_logging_drops_records_below_level(capsys):
    configure_logging("production")
    logging.getLogger().setLevel(logging.WARNING)

    structlog.get_logger("test").info("too_detailed")
    structlog.get_logger("test").warning("kept")
    events = [line["event"] for line in read_lines(capsys)]
    logging.getLogger().setLevel(logging.INFO)

    assert events == ["kept"]
