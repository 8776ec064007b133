"""pathways and claims

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 02:13:32.942725
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pathways",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("institution_id", sa.String(length=36), nullable=False),
        sa.Column("template_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("requirements", sa.JSON(), nullable=False),
        sa.Column("policy", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["templates.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pathways", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pathways_institution_id"), ["institution_id"], unique=False)

    op.create_table(
        "claims",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("pathway_id", sa.String(length=36), nullable=False),
        sa.Column("learner_email", sa.String(length=320), nullable=True),
        sa.Column("learner_name", sa.String(length=300), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("invitation_msg_id", sa.String(length=64), nullable=True),
        sa.Column("invitation_url", sa.Text(), nullable=True),
        sa.Column("connection_id", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.JSON(), nullable=True),
        sa.Column("parts", sa.JSON(), nullable=True),
        sa.Column("offer_id", sa.String(length=36), nullable=True),
        sa.Column("affected", sa.Text(), nullable=True),
        sa.Column("affected_action", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["offers.id"],
        ),
        sa.ForeignKeyConstraint(
            ["pathway_id"],
            ["pathways.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("invitation_msg_id"),
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claims_connection_id"), ["connection_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_pathway_id"), ["pathway_id"], unique=False)

    op.create_table(
        "part_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("claim_id", sa.String(length=36), nullable=False),
        sa.Column("requirement", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=500), nullable=False),
        sa.Column("challenge", sa.String(length=64), nullable=False),
        sa.Column("pres_ex_id", sa.String(length=64), nullable=True),
        sa.Column("thread_id", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("presentation", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pres_ex_id"),
    )
    with op.batch_alter_table("part_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_part_requests_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_part_requests_thread_id"), ["thread_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("part_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_part_requests_thread_id"))
        batch_op.drop_index(batch_op.f("ix_part_requests_claim_id"))

    op.drop_table("part_requests")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claims_pathway_id"))
        batch_op.drop_index(batch_op.f("ix_claims_connection_id"))

    op.drop_table("claims")
    with op.batch_alter_table("pathways", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pathways_institution_id"))

    op.drop_table("pathways")
