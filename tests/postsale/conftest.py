"""Engines for refund ledger tests: a SQLite file, and a uniquely named
schema in the PostgreSQL server at `OMS_TEST_POSTGRES_URL`."""

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import SQLModel

from core.db import make_engine
from models.postsale import PaymentBalance, RefundEntry

POSTGRES_URL = os.environ.get(
    "OMS_TEST_POSTGRES_URL",
    "postgresql+psycopg://postgres@127.0.0.1:5432/test",
)
LEDGER_TABLES = [PaymentBalance.__table__, RefundEntry.__table__]


@pytest.fixture
def sqlite_ledger_engine(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    SQLModel.metadata.create_all(engine, tables=LEDGER_TABLES)
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_ledger_engine():
    """Create a uniquely named schema, yield an engine bound to it, drop it."""
    url = make_url(POSTGRES_URL)
    schema = f"oms_refunds_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as error:
        admin.dispose()
        pytest.skip(f"PostgreSQL at {url.host}:{url.port} is not reachable: {error}")

    engine = create_engine(
        url,
        pool_size=12,
        connect_args={"options": f"-csearch_path={schema}"},
    )
    SQLModel.metadata.create_all(engine, tables=LEDGER_TABLES)
    yield engine

    engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ledger_engine(request):
    """The same test on SQLite and on PostgreSQL."""
    name = f"{request.param}_ledger_engine"
    return request.getfixturevalue(name)
