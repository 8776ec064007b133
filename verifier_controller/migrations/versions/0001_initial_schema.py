"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-29 02:05:03.501562
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "employers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("api_key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("api_key_hash"),
    )
    op.create_table(
        "proof_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("employer_id", sa.String(length=36), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("challenge", sa.String(length=64), nullable=False),
        sa.Column("domain", sa.String(length=300), nullable=False),
        sa.Column("invitation_msg_id", sa.String(length=64), nullable=True),
        sa.Column("invitation_url", sa.Text(), nullable=True),
        sa.Column("connection_id", sa.String(length=64), nullable=True),
        sa.Column("pres_ex_id", sa.String(length=64), nullable=True),
        sa.Column("thread_id", sa.String(length=64), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=True),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("presentation", sa.JSON(), nullable=True),
        sa.Column("callback_url", sa.String(length=2000), nullable=True),
        sa.Column("callback_state", sa.String(length=16), nullable=True),
        sa.Column("callback_attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("challenge"),
        sa.UniqueConstraint("invitation_msg_id"),
        sa.UniqueConstraint("pres_ex_id"),
    )
    with op.batch_alter_table("proof_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proof_requests_connection_id"), ["connection_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_proof_requests_employer_id"), ["employer_id"], unique=False)
        batch_op.create_index("ix_proof_requests_state", ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_proof_requests_thread_id"), ["thread_id"], unique=False)

    op.create_table(
        "verifications",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("employer_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("verifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_verifications_employer_id"), ["employer_id"], unique=False)

    op.create_table(
        "proof_request_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["proof_requests.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("proof_request_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proof_request_events_request_id"), ["request_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("proof_request_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proof_request_events_request_id"))

    op.drop_table("proof_request_events")
    with op.batch_alter_table("verifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verifications_employer_id"))

    op.drop_table("verifications")
    with op.batch_alter_table("proof_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proof_requests_thread_id"))
        batch_op.drop_index("ix_proof_requests_state")
        batch_op.drop_index(batch_op.f("ix_proof_requests_employer_id"))
        batch_op.drop_index(batch_op.f("ix_proof_requests_connection_id"))

    op.drop_table("proof_requests")
    op.drop_table("employers")
