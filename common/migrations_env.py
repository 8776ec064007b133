"""The body of each controller's Alembic ``env.py``: runs on the connection the controller hands over
(``common.db.migrate``), or on the configured URL for offline tooling (``alembic revision``)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import MetaData, create_engine, pool


def run_migrations(target_metadata: MetaData) -> None:
    def run_on(connection) -> None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()

    config = context.config
    if (connection := config.attributes.get("connection")) is not None:
        run_on(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("migrations need a connection or sqlalchemy.url (common.db.alembic_config)")
    url = url.replace("+aiosqlite", "").replace("+asyncpg", "")
    with create_engine(url, poolclass=pool.NullPool).connect() as sync_connection:
        run_on(sync_connection)
