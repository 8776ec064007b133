"""Alembic environment: runs on the connection the controller hands over, or on the configured URL."""

from alembic import context
from sqlalchemy import create_engine, pool

from issuer_controller.models import Base

config = context.config
target_metadata = Base.metadata


def run_on(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if (connection := config.attributes.get("connection")) is not None:
    run_on(connection)
else:
    # Offline tooling (`alembic revision --autogenerate`): a synchronous driver on the same database.
    url = config.get_main_option("sqlalchemy.url").replace("+aiosqlite", "").replace("+asyncpg", "")
    with create_engine(url, poolclass=pool.NullPool).connect() as sync_connection:
        run_on(sync_connection)
