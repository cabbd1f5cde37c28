"""messages: retried sends are found through (conversation_id, seq), not an index of their own

The unique index on `retry_key` put one more random page into every commit (about a fifth of the
message store's cost). The writer now looks a retry up among the conversation's messages after
the seq its client last held, under the conversation's lock (realtime/writer.py), so the key and
its index go. A downgrade recomputes the keys with 0007's frozen hash.

Revision ID: 0008_messages_no_retry_index
Revises: 0007_messages_retry_key
"""

import importlib
from collections.abc import Sequence

from alembic import op

revision: str = "0008_messages_no_retry_index"
down_revision: str | Sequence[str] | None = "0007_messages_retry_key"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("uq_messages_retry_key")
        batch_op.drop_column("retry_key")


def downgrade() -> None:
    previous = importlib.import_module("livedesk.migrations.versions.0007_messages_retry_key")
    previous.add_retry_keys()
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index("uq_messages_retry_key", ["retry_key"], unique=True)
