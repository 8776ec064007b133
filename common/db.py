"""Database engine, sessions and migrations for both controllers: a SQLite file by default, PostgreSQL by
URL; each controller's schema is its own Alembic history (``migrations/`` beside its models)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Select, event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm.exc import StaleDataError


def make_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            # WAL lets readers and the one writer proceed together; foreign keys are off by default.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_async_engine(url, pool_pre_ping=True)


def alembic_config(url: str, migrations: Path) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations))
    config.set_main_option("sqlalchemy.url", url)
    return config


async def migrate(engine: AsyncEngine, migrations: Path) -> None:
    """Bring the schema to the latest revision (idempotent) over the engine's own connection."""

    def upgrade(connection) -> None:
        config = alembic_config(engine.url.render_as_string(hide_password=False), migrations)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        await connection.run_sync(upgrade)


class RowMissing(LookupError):
    """A row the code had found or made is gone: rows of ours are never deleted, so the database was changed
    under the controller."""


async def existing[T](session: AsyncSession, model: type[T], key: Any) -> T:
    """The row of ``model`` with this primary key, which the caller knows exists (it found or made it
    earlier, or a foreign key points to it)."""
    found = await session.get(model, key)
    if found is None:
        raise RowMissing(f"{model.__name__} {key!r} is not in the database")
    return found


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def change_row(sessions: async_sessionmaker[AsyncSession], query: Select, apply: Callable[[Any], bool]):
    """Load the row ``query`` selects and ``apply`` a change to it in one transaction; returns the row if it
    changed, None if it is missing or ``apply`` declined. The row's version column (optimistic lock) makes
    a concurrent writer's commit fail: the loser re-reads and decides again, so each change lands once."""
    while True:
        try:
            async with sessions() as session, session.begin():
                row = await session.scalar(query)
                if row is None or not apply(row):
                    return None
                return row
        except StaleDataError:
            continue
