"""leases: work one controller instance does at a time

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 20:00:00
"""

from alembic import op

from common.leases import create_table, drop_table

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_table(op)


def downgrade() -> None:
    drop_table(op)
