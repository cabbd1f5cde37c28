"""conversations.version: counts a conversation's state changes, so that a `conversation`
frame that arrives after a newer one (two processes publishing over their own Redis
connections) is recognised as older and not applied over it

Revision ID: 0020_conversation_version
Revises: 0019_attachments
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_conversation_version"
down_revision: str | Sequence[str] | None = "0019_attachments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "conversations",
        sa.Column("version", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_column("conversations", "version")  # SQLite 3.35+ drops it in place
