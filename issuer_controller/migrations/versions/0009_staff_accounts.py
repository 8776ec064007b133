"""staff accounts, sessions, failed sign-ins and the audit trail of the console

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 01:30:00
"""

from alembic import op

from common.accounts import create_tables, drop_tables

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_tables(op, "institutions")


def downgrade() -> None:
    drop_tables(op)
