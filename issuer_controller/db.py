"""The issuer's schema is its own Alembic history (engine, sessions and migrating: ``common.db``)."""

from pathlib import Path

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
