"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-28 23:29:37.310864
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "institutions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("identifiers", sa.JSON(), nullable=False),
        sa.Column("did", sa.String(length=200), nullable=False),
        sa.Column("api_key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("api_key_hash"),
        sa.UniqueConstraint("did"),
    )
    op.create_table(
        "status_lists",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("institution_id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("institution_id", "purpose", "generation", name="uq_status_list_gen"),
    )
    with op.batch_alter_table("status_lists", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_status_lists_institution_id"), ["institution_id"], unique=False)

    op.create_table(
        "templates",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("institution_id", sa.String(length=36), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("templates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_templates_institution_id"), ["institution_id"], unique=False)

    op.create_table(
        "bulk_jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("institution_id", sa.String(length=36), nullable=False),
        sa.Column("template_id", sa.String(length=36), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
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
        sa.UniqueConstraint("institution_id", "template_id", "file_sha256", name="uq_bulk_file"),
    )
    with op.batch_alter_table("bulk_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bulk_jobs_institution_id"), ["institution_id"], unique=False)

    op.create_table(
        "offers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("institution_id", sa.String(length=36), nullable=False),
        sa.Column("template_id", sa.String(length=36), nullable=False),
        sa.Column("credential_id", sa.String(length=64), nullable=False),
        sa.Column("learner_name", sa.String(length=300), nullable=True),
        sa.Column("learner_email", sa.String(length=320), nullable=True),
        sa.Column("learner_ref", sa.String(length=200), nullable=True),
        sa.Column("identifier_salt", sa.String(length=64), nullable=False),
        sa.Column("award", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("oob_id", sa.String(length=64), nullable=True),
        sa.Column("invitation_msg_id", sa.String(length=64), nullable=True),
        sa.Column("invitation_url", sa.Text(), nullable=True),
        sa.Column("connection_id", sa.String(length=64), nullable=True),
        sa.Column("holder_did", sa.String(length=200), nullable=True),
        sa.Column("cred_ex_id", sa.String(length=64), nullable=True),
        sa.Column("thread_id", sa.String(length=64), nullable=True),
        sa.Column("wallet_credential", sa.JSON(), nullable=True),
        sa.Column("standard_credential", sa.JSON(), nullable=True),
        sa.Column("bulk_job_id", sa.String(length=36), nullable=True),
        sa.Column("bulk_row", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["bulk_job_id"],
            ["bulk_jobs.id"],
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["templates.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("bulk_job_id", "bulk_row", name="uq_offer_bulk_row"),
        sa.UniqueConstraint("cred_ex_id"),
        sa.UniqueConstraint("credential_id"),
        sa.UniqueConstraint("invitation_msg_id"),
    )
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offers_bulk_job_id"), ["bulk_job_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_offers_connection_id"), ["connection_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_offers_institution_id"), ["institution_id"], unique=False)
        batch_op.create_index("ix_offers_state", ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_offers_template_id"), ["template_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_offers_thread_id"), ["thread_id"], unique=False)

    op.create_table(
        "offer_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("offer_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["offers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("offer_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offer_events_offer_id"), ["offer_id"], unique=False)

    op.create_table(
        "status_allocations",
        sa.Column("list_id", sa.String(length=36), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["status_lists.id"],
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["offers.id"],
        ),
        sa.PrimaryKeyConstraint("list_id", "index"),
    )
    with op.batch_alter_table("status_allocations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_status_allocations_offer_id"), ["offer_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("status_allocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_allocations_offer_id"))

    op.drop_table("status_allocations")
    with op.batch_alter_table("offer_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offer_events_offer_id"))

    op.drop_table("offer_events")
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offers_thread_id"))
        batch_op.drop_index(batch_op.f("ix_offers_template_id"))
        batch_op.drop_index("ix_offers_state")
        batch_op.drop_index(batch_op.f("ix_offers_institution_id"))
        batch_op.drop_index(batch_op.f("ix_offers_connection_id"))
        batch_op.drop_index(batch_op.f("ix_offers_bulk_job_id"))

    op.drop_table("offers")
    with op.batch_alter_table("bulk_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bulk_jobs_institution_id"))

    op.drop_table("bulk_jobs")
    with op.batch_alter_table("templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_templates_institution_id"))

    op.drop_table("templates")
    with op.batch_alter_table("status_lists", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_lists_institution_id"))

    op.drop_table("status_lists")
    op.drop_table("institutions")
