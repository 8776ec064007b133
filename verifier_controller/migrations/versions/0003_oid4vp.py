"""OpenID4VP proof requests, employers' signing DIDs

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 20:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("employers") as batch:
        batch.add_column(sa.Column("did", sa.String(length=200), nullable=True))
    with op.batch_alter_table("proof_requests") as batch:
        batch.add_column(sa.Column("protocol", sa.String(16), server_default="didcomm", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("proof_requests") as batch:
        batch.drop_column("protocol")
    with op.batch_alter_table("employers") as batch:
        batch.drop_column("did")
