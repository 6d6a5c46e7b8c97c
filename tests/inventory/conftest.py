"""Engines for inventory tests: a SQLite file and a fresh PostgreSQL
database per test, created in the server at `OMS_TEST_POSTGRES_URL`."""

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from core.db import create_tables, make_engine

POSTGRES_URL = os.environ.get(
    "OMS_TEST_POSTGRES_URL",
    "postgresql+psycopg://postgres@127.0.0.1:5432/test",
)


@pytest.fixture
def empty_sqlite_engine(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'inventory.db'}")
    create_tables(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_engine():
    """Create a uniquely named database, yield an engine on it, drop it."""
    admin_url = make_url(POSTGRES_URL)
    name = f"oms_inventory_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        pytest.skip(f"PostgreSQL at {admin_url.host}:{admin_url.port} "
                    f"is not reachable: {error.orig}")

    engine = make_engine(admin_url.set(database=name).render_as_string(
        hide_password=False
    ))
    create_tables(engine)
    yield engine

    engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_engine(request):
    """The same test on SQLite and on PostgreSQL."""
    name = "empty_sqlite_engine" if request.param == "sqlite" else "postgres_engine"
    return request.getfixturevalue(name)
