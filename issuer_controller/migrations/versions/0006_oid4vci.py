"""OpenID4VCI offers (one by one and in bulk), nonces and token status lists

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 19:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

OFFER_COLUMNS = (
    sa.Column("protocol", sa.String(length=16), server_default="didcomm", nullable=False),
    sa.Column("pre_authorized_code", sa.String(length=64), nullable=True),
    sa.Column("tx_code_hash", sa.String(length=64), nullable=True),
    sa.Column("tx_code_failures", sa.Integer(), server_default="0", nullable=False),
    sa.Column("access_token_hash", sa.String(length=64), nullable=True),
    sa.Column("token_expires_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("holder_jwk", sa.JSON(), nullable=True),
    sa.Column("sd_jwt", sa.Text(), nullable=True),
)


def upgrade() -> None:
    with op.batch_alter_table("offers") as batch:
        for column in OFFER_COLUMNS:
            batch.add_column(column)
        batch.create_unique_constraint("uq_offers_pre_authorized_code", ["pre_authorized_code"])
        batch.create_unique_constraint("uq_offers_access_token_hash", ["access_token_hash"])
    with op.batch_alter_table("status_lists") as batch:
        batch.add_column(sa.Column("token", sa.Text(), nullable=True))
    with op.batch_alter_table("bulk_jobs") as batch:
        batch.add_column(
            sa.Column("protocol", sa.String(length=16), server_default="didcomm", nullable=False)
        )
    op.create_table(
        "oid4vci_nonces",
        sa.Column("value", sa.String(length=64), primary_key=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_oid4vci_nonces_expires_at", "oid4vci_nonces", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_oid4vci_nonces_expires_at", table_name="oid4vci_nonces")
    op.drop_table("oid4vci_nonces")
    with op.batch_alter_table("bulk_jobs") as batch:
        batch.drop_column("protocol")
    with op.batch_alter_table("status_lists") as batch:
        batch.drop_column("token")
    with op.batch_alter_table("offers") as batch:
        batch.drop_constraint("uq_offers_access_token_hash", type_="unique")
        batch.drop_constraint("uq_offers_pre_authorized_code", type_="unique")
        for column in reversed(OFFER_COLUMNS):
            batch.drop_column(column.name)
