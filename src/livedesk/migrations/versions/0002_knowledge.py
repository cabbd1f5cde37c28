"""knowledge: FAQ entries, revisions, proposals, suggestion log, settings, bot state

Revision ID: 0002_knowledge
Revises: 0001_foundation
Create Date: 2026-11-27 16:15:16.587936
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_knowledge"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("knowledge",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "faq_business_settings",
        sa.Column("business_id", sa.String(length=32), nullable=False),
        sa.Column("bot_enabled", sa.Boolean(), nullable=False),
        sa.Column("supervisors_may_approve", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_faq_business_settings_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("business_id", name=op.f("pk_faq_business_settings")),
    )
    op.create_table(
        "faq_entries",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("business_id", sa.String(length=32), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("alternatives", sa.JSON(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.Column("embedding_model", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.Column("updated_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_faq_entries_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_entries")),
    )
    with op.batch_alter_table("faq_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_faq_entries_business_status", ["business_id", "status"], unique=False
        )

    op.create_table(
        "faq_revisions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("entry_id", sa.String(length=32), nullable=False),
        sa.Column("business_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("alternatives", sa.JSON(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("changed_fields", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.String(length=32), nullable=True),
        sa.Column("changed_by_name", sa.String(length=200), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_faq_revisions_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["faq_entries.id"],
            name=op.f("fk_faq_revisions_entry_id_faq_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_revisions")),
        sa.UniqueConstraint("entry_id", "version", name=op.f("uq_faq_revisions_entry_id_version")),
    )
    with op.batch_alter_table("faq_revisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_faq_revisions_business_id"), ["business_id"], unique=False
        )

    op.create_table(
        "faq_bot_states",
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("business_id", sa.String(length=32), nullable=False),
        sa.Column("human_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("fallback_sent", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_faq_bot_states_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_faq_bot_states_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_faq_bot_states")),
    )
    with op.batch_alter_table("faq_bot_states", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_faq_bot_states_business_id"), ["business_id"], unique=False
        )

    op.create_table(
        "faq_proposals",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("business_id", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=True),
        sa.Column("entry_id", sa.String(length=32), nullable=True),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("alternatives", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("source", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("proposed_by", sa.String(length=32), nullable=True),
        sa.Column("proposed_by_name", sa.String(length=200), nullable=True),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_by_name", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("result_entry_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_faq_proposals_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_faq_proposals_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["faq_entries.id"],
            name=op.f("fk_faq_proposals_entry_id_faq_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_proposals")),
    )
    with op.batch_alter_table("faq_proposals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_faq_proposals_business_status", ["business_id", "status"], unique=False
        )

    op.create_table(
        "faq_suggestion_logs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("business_id", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("bot_faq_id", sa.String(length=32), nullable=True),
        sa.Column("used_recorded", sa.Boolean(), nullable=False),
        sa.Column("used_faq_id", sa.String(length=32), nullable=True),
        sa.Column("used_by", sa.String(length=32), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_faq_suggestion_logs_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_faq_suggestion_logs_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_suggestion_logs")),
        sa.UniqueConstraint(
            "conversation_id", "seq", name=op.f("uq_faq_suggestion_logs_conversation_id_seq")
        ),
    )
    with op.batch_alter_table("faq_suggestion_logs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_faq_suggestion_logs_business_at", ["business_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("faq_suggestion_logs", schema=None) as batch_op:
        batch_op.drop_index("ix_faq_suggestion_logs_business_at")

    op.drop_table("faq_suggestion_logs")
    with op.batch_alter_table("faq_proposals", schema=None) as batch_op:
        batch_op.drop_index("ix_faq_proposals_business_status")

    op.drop_table("faq_proposals")
    with op.batch_alter_table("faq_bot_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_faq_bot_states_business_id"))

    op.drop_table("faq_bot_states")
    with op.batch_alter_table("faq_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_faq_revisions_business_id"))

    op.drop_table("faq_revisions")
    with op.batch_alter_table("faq_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_faq_entries_business_status")

    op.drop_table("faq_entries")
    op.drop_table("faq_business_settings")
