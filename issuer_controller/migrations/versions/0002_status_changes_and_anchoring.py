"""status changes and anchoring

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 01:35:34.914937
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "status_batches",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("list_id", sa.String(length=36), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("set_indexes", sa.JSON(), nullable=False),
        sa.Column("cleared_indexes", sa.JSON(), nullable=False),
        sa.Column("commitment", sa.String(length=66), nullable=False),
        sa.Column("encoded_list", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("tx_hash", sa.String(length=66), nullable=True),
        sa.Column("block_number", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["status_lists.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("status_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_status_batches_list_id"), ["list_id"], unique=False)

    op.create_table(
        "status_changes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("offer_id", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("list_id", sa.String(length=36), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("anchored_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["status_batches.id"],
        ),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["status_lists.id"],
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["offers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("status_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_status_changes_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_status_changes_list_id"), ["list_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_status_changes_offer_id"), ["offer_id"], unique=False)
        batch_op.create_index("ix_status_changes_state", ["state"], unique=False)

    with op.batch_alter_table("status_lists", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain_block", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("encoded_list", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("credential", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("signed_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("status_lists", schema=None) as batch_op:
        batch_op.drop_column("signed_version")
        batch_op.drop_column("credential")
        batch_op.drop_column("encoded_list")
        batch_op.drop_column("version")
        batch_op.drop_column("chain_block")

    with op.batch_alter_table("status_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_status_changes_state")
        batch_op.drop_index(batch_op.f("ix_status_changes_offer_id"))
        batch_op.drop_index(batch_op.f("ix_status_changes_list_id"))
        batch_op.drop_index(batch_op.f("ix_status_changes_batch_id"))

    op.drop_table("status_changes")
    with op.batch_alter_table("status_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_batches_list_id"))

    op.drop_table("status_batches")
