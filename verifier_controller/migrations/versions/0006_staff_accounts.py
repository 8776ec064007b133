"""staff accounts, sessions, failed sign-ins and the audit trail of the console

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 02:00:00
"""

from alembic import op

from common.accounts import create_tables, drop_tables

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_tables(op, "employers")


def downgrade() -> None:
    drop_tables(op)
