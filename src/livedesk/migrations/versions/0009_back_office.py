"""back office: businesses and widgets can be deactivated, canned responses, the audit log

Revision ID: 0009_back_office
Revises: 0008_messages_no_retry_index
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_back_office"
down_revision: str | Sequence[str] | None = "0008_messages_no_retry_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE, not batch mode: on SQLite a batch copy drops and recreates the table,
    # and dropping businesses would cascade to every row that references it.
    for table in ("businesses", "widgets"):
        op.add_column(
            table, sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    op.create_table(
        "canned_responses",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("business_id", sa.String(length=32), nullable=True),
        sa.Column("shortcut", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_canned_responses_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_responses")),
    )
    op.create_index(
        "ix_canned_responses_business_shortcut",
        "canned_responses",
        ["business_id", "shortcut"],
        unique=False,
    )
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("business_id", sa.String(length=32), nullable=True),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    op.create_index("ix_audit_entries_business_at", "audit_entries", ["business_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_audit_entries_business_at", table_name="audit_entries")
    op.drop_table("audit_entries")
    op.drop_index("ix_canned_responses_business_shortcut", table_name="canned_responses")
    op.drop_table("canned_responses")
    for table in ("widgets", "businesses"):
        op.drop_column(table, "is_active")  # SQLite 3.35+ drops a plain column in place
