"""invitations by e-mail: the outbox, a cohort's e-mail language, the institution's contact address

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 02:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "emails",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("offer_id", sa.String(36), sa.ForeignKey("offers.id"), index=True),
        sa.Column("claim_id", sa.String(36), sa.ForeignKey("claims.id"), index=True),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("images", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_emails_state", "emails", ["state"])
    with op.batch_alter_table("bulk_jobs") as batch:
        batch.add_column(sa.Column("email_language", sa.String(8)))
    with op.batch_alter_table("institutions") as batch:
        batch.add_column(sa.Column("contact_email", sa.String(320)))


def downgrade() -> None:
    with op.batch_alter_table("institutions") as batch:
        batch.drop_column("contact_email")
    with op.batch_alter_table("bulk_jobs") as batch:
        batch.drop_column("email_language")
    op.drop_index("ix_emails_state", "emails")
    op.drop_table("emails")
