"""Alembic environment of the issuer's schema."""

from common.migrations_env import run_migrations
from issuer_controller.models import Base

run_migrations(Base.metadata)
