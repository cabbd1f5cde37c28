"""messages: the retry check on a 64-bit key instead of (conversation_id, client_msg_id)

Every stored message added an entry of about 60 bytes at a random place in the old unique
index: with 1 KiB pages about two of the five WAL frames a message costs. A unique index on an
8-byte hash of the pair costs about 1.2 (5.0 → 4.15 frames per message). Existing rows get
their key here.

Revision ID: 0007_messages_retry_key
Revises: 0006_messages_lean
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_messages_retry_key"
down_revision: str | Sequence[str] | None = "0006_messages_lean"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL_CHUNK = 5_000


def _retry_key(conversation_id: str, client_msg_id: str) -> int:
    # Frozen here on purpose: a migration must keep computing what it computed when written.
    digest = hashlib.blake2b(f"{conversation_id}\0{client_msg_id}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def upgrade() -> None:
    add_retry_keys()
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint("uq_messages_conversation_id_client_msg_id", type_="unique")
        batch_op.create_index("uq_messages_retry_key", ["retry_key"], unique=True)


def add_retry_keys() -> None:
    """The column, filled in for every existing row (0008's downgrade uses it too)."""
    op.add_column("messages", sa.Column("retry_key", sa.BigInteger(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, conversation_id, client_msg_id FROM messages"
            " WHERE client_msg_id IS NOT NULL"
        )
    ).fetchall()
    for start in range(0, len(rows), BACKFILL_CHUNK):
        chunk = rows[start : start + BACKFILL_CHUNK]
        bind.execute(
            sa.text("UPDATE messages SET retry_key = :key WHERE id = :id"),
            [{"key": _retry_key(c, m), "id": i} for i, c, m in chunk],
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("uq_messages_retry_key")
        batch_op.create_unique_constraint(
            "uq_messages_conversation_id_client_msg_id", ["conversation_id", "client_msg_id"]
        )
        batch_op.drop_column("retry_key")
