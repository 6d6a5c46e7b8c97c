"""The main command, end to end: `python -m scripts.run` starts Temporal,
two worker processes and the API, imports orders over HTTP, prints the
summary and stops everything on Ctrl-C."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.api.conftest import free_port

pytestmark = pytest.mark.integration
PROJECT = Path(__file__).resolve().parent.parent
IMPORTED = 12


def read_until(process: subprocess.Popen, marker: str, seconds: float) -> str:
    seen = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if marker in line:
            return "".join(seen)
    raise AssertionError(f"never printed {marker!r}; output:\n{''.join(seen)}")


def test_run_with_two_workers(tmp_path):
    env = {
        **os.environ,
        "OMS_DATA_DIR": str(tmp_path / "data"),
        "OMS_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "OMS_TEMPORAL_UI_PORT": str(free_port()),
        "OMS_API_PORT": str(free_port()),
        "OMS_IMPORT_LIMIT": str(IMPORTED),
        "OMS_WORKER_PROCESSES": "2",
        "OMS_PICK_DELAY_SECONDS": "0", "OMS_PACK_DELAY_SECONDS": "0",
        "OMS_CARRIER_TRANSIT_SECONDS": "0.2", "OMS_FEEDBACK_DELAY_SECONDS": "0",
    }
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "scripts.run"], cwd=PROJECT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    try:
        output = read_until(process, "running; press Ctrl-C to stop", 240)
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=90)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    logs = tmp_path / "data"
    settled = sum(int(count) for status, count in re.findall(
        r"^\s+(delivered|completed)\s+(\d+)$", output, flags=re.MULTILINE))
    assert process.returncode == 0
    assert f"{IMPORTED} created" in output, output
    assert settled == IMPORTED, output
    for name in ("worker-1", "worker-2"):
        text = (logs / f"{name}.log").read_text()
        assert "worker_started" in text, name
        assert "worker_stopped" in text, name
    # Each order was captured once, by one worker or the other.
    captures = [(logs / f"{name}.log").read_text().count("activity=capture_order")
                for name in ("worker-1", "worker-2")]
    assert sum(captures) == IMPORTED, captures
