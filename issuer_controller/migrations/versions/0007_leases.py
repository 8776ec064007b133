"""leases: work one controller instance does at a time

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 20:00:00
"""

from alembic import op

from common.leases import create_table, drop_table

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_table(op)


def downgrade() -> None:
    drop_table(op)
