"""businesses: the form of address the widget and the FAQ bot use in Dutch ("u" or "je")

Revision ID: 0015_form_of_address
Revises: 0014_privacy
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_form_of_address"
down_revision: str | Sequence[str] | None = "0014_privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch copy of businesses would cascade on SQLite (rows reference it).
    op.add_column(
        "businesses",
        sa.Column("form_of_address", sa.String(length=2), server_default="u", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("businesses", "form_of_address")  # SQLite 3.35+ drops it in place
