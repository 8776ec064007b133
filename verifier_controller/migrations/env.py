"""Alembic environment of the verifier's schema."""

from common.migrations_env import run_migrations
from verifier_controller.models import Base

run_migrations(Base.metadata)
