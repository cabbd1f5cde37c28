"""privacy: retention periods per business, the purge's runs and counts, and its lease

Revision ID: 0014_privacy
Revises: 0013_participants
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_privacy"
down_revision: str | Sequence[str] | None = "0013_participants"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # New tables only: nothing else is altered, so no batch copy of a referenced table.
    op.create_table(
        "privacy_retention",
        sa.Column("business_id", sa.String(length=32), nullable=False),
        sa.Column("transcripts_months", sa.Integer(), nullable=False),
        sa.Column("offline_messages_months", sa.Integer(), nullable=False),
        sa.Column("leads_months", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_privacy_retention_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("business_id", name=op.f("pk_privacy_retention")),
    )
    op.create_table(
        "privacy_purge_runs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("resumed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_purge_runs")),
    )
    op.create_table(
        "privacy_purge_counts",
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("business_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["privacy_purge_runs.id"],
            name=op.f("fk_privacy_purge_counts_run_id_privacy_purge_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "run_id", "business_id", "kind", name=op.f("pk_privacy_purge_counts")
        ),
    )
    op.create_table(
        "privacy_leases",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_privacy_leases")),
    )


def downgrade() -> None:
    op.drop_table("privacy_leases")
    op.drop_table("privacy_purge_counts")
    op.drop_table("privacy_purge_runs")
    op.drop_table("privacy_retention")
