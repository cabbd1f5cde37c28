"""knowledge: the evidence the FAQ learns from (a visitor's choice among the bot's offered
entries, an operator's reply with an entry) and the bot's open offer per conversation

Revision ID: 0018_faq_evidence
Revises: 0017_search_indexer, 0002_knowledge
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_faq_evidence"
# The FAQ's own branch joins the main line here: the new table references faq_entries.
down_revision: str | Sequence[str] | None = ("0017_search_indexer", "0002_knowledge")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch copy of faq_bot_states is not needed.
    op.add_column("faq_bot_states", sa.Column("offer", sa.JSON(), nullable=True))
    op.create_table(
        "faq_evidence",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("business_id", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("entry_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_faq_evidence_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_faq_evidence_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["faq_entries.id"],
            name=op.f("fk_faq_evidence_entry_id_faq_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_evidence")),
    )
    op.create_index(
        "ix_faq_evidence_business_at", "faq_evidence", ["business_id", "created_at"], unique=False
    )
    op.create_index("ix_faq_evidence_entry", "faq_evidence", ["entry_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_faq_evidence_entry", table_name="faq_evidence")
    op.drop_index("ix_faq_evidence_business_at", table_name="faq_evidence")
    op.drop_table("faq_evidence")
    op.drop_column("faq_bot_states", "offer")
