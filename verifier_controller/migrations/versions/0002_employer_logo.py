"""employers' logo, for wallets

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("employers") as batch:
        batch.add_column(sa.Column("logo_url", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("employers") as batch:
        batch.drop_column("logo_url")
