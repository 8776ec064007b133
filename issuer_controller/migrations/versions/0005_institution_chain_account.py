"""institutions' own chain accounts

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("institutions") as batch:
        batch.add_column(sa.Column("chain_account", sa.String(length=42), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("institutions") as batch:
        batch.drop_column("chain_account")
