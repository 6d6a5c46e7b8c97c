"""Engine creation for SQLite and PostgreSQL."""

from functools import lru_cache

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, create_engine

import models.catalog  # noqa: F401  (registers the tables on SQLModel.metadata)
import models.feedback  # noqa: F401
import models.inventory  # noqa: F401
import models.notifications  # noqa: F401
import models.postsale  # noqa: F401
import models.shipping  # noqa: F401
import models.support  # noqa: F401
import models.tables  # noqa: F401
from core.settings import get_settings


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # Up to 80 connections: more than the worker's 64 activity threads,
        # which then wait in SQLite's busy timeout instead of the pool.
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=16, max_overflow=64,
        )
        event.listen(engine, "connect", _tune_sqlite)
        return engine
    return create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True)


def _tune_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    if settings.resolved_database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return make_engine(settings.resolved_database_url)


def create_tables(engine: Engine) -> None:
    SQLModel.metadata.create_all(engine)
