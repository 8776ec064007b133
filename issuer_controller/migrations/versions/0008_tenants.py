"""institutions as tenants of their agent shard: shard, tenant wallet and its sealed token

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:00:00
"""

from alembic import op

from common.agents import add_columns, drop_columns

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_columns(op, "institutions")


def downgrade() -> None:
    drop_columns(op, "institutions")
