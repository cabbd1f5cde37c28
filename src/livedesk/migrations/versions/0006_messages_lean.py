"""messages: drop the business_id index

No query reads messages by business (always by conversation), and every index is one more
random page per stored message: four instead of five.

Revision ID: 0006_messages_lean
Revises: 0001_foundation
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_messages_lean"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_messages_business_id"))


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_messages_business_id"), ["business_id"], unique=False)
