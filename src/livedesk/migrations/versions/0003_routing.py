"""routing: operator presence, offer state, handle-time means, presence log

Revision ID: 0003_routing
Revises: 0001_foundation
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_routing"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("routing",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "routing_operators",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("presence", sa.String(length=16), nullable=False),
        sa.Column("last_heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consecutive_expired", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            ondelete="CASCADE",
            name=op.f("fk_routing_operators_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_routing_operators")),
    )
    op.create_table(
        "routing_conversations",
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("offer_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("held_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requeued", sa.Boolean(), nullable=False),
        sa.Column("declined_by", sa.JSON(), nullable=False),
        sa.Column("was_offered", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            ondelete="CASCADE",
            name=op.f("fk_routing_conversations_conversation_id_conversations"),
        ),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_routing_conversations")),
    )
    op.create_table(
        "routing_stats",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("mean", sa.Float(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_routing_stats")),
    )
    op.create_table(
        "routing_presence_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("operator_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("old", sa.String(length=16), nullable=False),
        sa.Column("new", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["users.id"],
            ondelete="CASCADE",
            name=op.f("fk_routing_presence_log_operator_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_presence_log")),
    )
    op.create_index(
        "ix_routing_presence_log_operator_at", "routing_presence_log", ["operator_id", "at"]
    )


def downgrade() -> None:
    op.drop_index("ix_routing_presence_log_operator_at", table_name="routing_presence_log")
    op.drop_table("routing_presence_log")
    op.drop_table("routing_stats")
    op.drop_table("routing_conversations")
    op.drop_table("routing_operators")
