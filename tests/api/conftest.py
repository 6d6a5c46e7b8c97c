"""Real stack for HTTP tests: dev server, worker, uvicorn, SQLite or PostgreSQL."""

import socket
import threading
import time
import uuid
from dataclasses import dataclass

import httpx
import psycopg
import pytest
import pytest_asyncio
import uvicorn
from sqlmodel import Session
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.auth import Role, create_api_key
from core.binaries import temporal_cli
from core.db import create_tables, make_engine
from core.settings import Settings
from tests.conftest import seed_catalog
from tests.workflows.helpers import make_worker
from workflows.search_attributes import ALL_KEYS

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass
class Stack:
    url: str
    keys: dict[Role, str]
    engine: object
    client: object

    def http(self, role: Role | None = Role.BACKEND) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {self.keys[role]}"} if role else {}
        return httpx.AsyncClient(base_url=self.url, headers=headers, timeout=30)


@pytest_asyncio.fixture(scope="session")
async def dev_server():
    env = await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        dev_server_existing_path=temporal_cli(),
        search_attributes=ALL_KEYS,
        dev_server_extra_args=["--sqlite-pragma", "journal_mode=wal",
                               "--sqlite-pragma", "synchronous=normal"],
        ui=False,
    )
    yield env
    await env.shutdown()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_database() -> str:
    name = f"oms_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_postgres_database(name: str) -> None:
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest_asyncio.fixture(scope="session", params=["sqlite", "postgres"])
async def stack(request, dev_server, tmp_path_factory):
    database = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'oms.db'}"
    else:
        database = postgres_database()
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
    engine = make_engine(url)
    create_tables(engine)
    seed_catalog(engine)
    with Session(engine) as session:
        keys = {role: create_api_key(session, role, f"test-{role.value}") for role in Role}

    task_queue = f"api-{request.param}-{uuid.uuid4().hex[:6]}"
    port = free_port()
    target = dev_server.client.service_client.config.target_host
    settings = Settings(
        database_url=url, temporal_address=target, task_queue=task_queue,
        api_port=port, tracking_poll_seconds=0.2, feedback_delay_seconds=0,
        return_window_days=0,
    )
    server = uvicorn.Server(uvicorn.Config(
        create_app(settings, engine=engine), host="127.0.0.1", port=port,
        log_level="warning",
    ))
    thread = threading.Thread(target=server.run, daemon=True)
    async with make_worker(dev_server.client, task_queue, engine):
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        yield Stack(f"http://127.0.0.1:{port}", keys, engine, dev_server.client)
        server.should_exit = True
        thread.join(timeout=10)
    engine.dispose()
    if database:
        drop_postgres_database(database)
