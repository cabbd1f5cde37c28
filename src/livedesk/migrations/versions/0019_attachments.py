"""attachments: files sent in a chat (their metadata; the bytes live in the storage directory),
and the message that carries one names it in `messages.attachment`

A plain ADD COLUMN on messages (nullable, no default), so no row is rewritten and the message
writer's text-only inserts stay as they were.

Revision ID: 0019_attachments
Revises: 0018_faq_evidence
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_attachments"
down_revision: str | Sequence[str] | None = "0018_faq_evidence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column(
            "conversation_id",
            sa.String(32),
            sa.ForeignKey(
                "conversations.id",
                ondelete="CASCADE",
                name="fk_attachments_conversation_id_conversations",
            ),
            nullable=False,
        ),
        sa.Column(
            "business_id",
            sa.String(32),
            sa.ForeignKey(
                "businesses.id", ondelete="CASCADE", name="fk_attachments_business_id_businesses"
            ),
            nullable=False,
        ),
        sa.Column("uploader_kind", sa.String(16), nullable=False),
        sa.Column("uploader_id", sa.String(32), nullable=False),
        sa.Column("content_type", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("thumbnail_type", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_attachments"),
    )
    op.create_index("ix_attachments_conversation_id", "attachments", ["conversation_id"])
    op.create_index("ix_attachments_business_id", "attachments", ["business_id"])
    op.add_column("messages", sa.Column("attachment", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("messages", "attachment")  # SQLite 3.35+ drops it in place
    op.drop_index("ix_attachments_business_id", "attachments")
    op.drop_index("ix_attachments_conversation_id", "attachments")
    op.drop_table("attachments")
