"""employers as tenants of their agent shard: shard, tenant wallet and its sealed token

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:00:00
"""

from alembic import op

from common.agents import add_columns, drop_columns

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_columns(op, "employers")


def downgrade() -> None:
    drop_columns(op, "employers")
