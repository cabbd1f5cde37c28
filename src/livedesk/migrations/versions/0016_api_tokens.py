"""accounts: API tokens record when they were last used, and the ones made before tokens expired
get the default lifetime (90 days from this migration) instead of none

Revision ID: 0016_api_tokens
Revises: 0015_form_of_address
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0016_api_tokens"
down_revision: str | Sequence[str] | None = "0015_form_of_address"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_LIFETIME = timedelta(days=90)  # accounts/views.py: TokenIn.expires_in_days


def upgrade() -> None:
    # A plain ADD COLUMN, as for every table: no batch copy.
    op.add_column(
        "auth_tokens", sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True)
    )
    tokens = sa.table(
        "auth_tokens", sa.column("kind"), sa.column("expires_at", sa.DateTime(timezone=True))
    )
    until = datetime.now(UTC) + DEFAULT_LIFETIME
    if op.get_bind().dialect.name == "sqlite":
        until = until.replace(tzinfo=None)  # naive UTC there, as UTCDateTime stores it
    op.execute(
        tokens.update()
        .where(tokens.c.kind == "api", tokens.c.expires_at.is_(None))
        .values(expires_at=until)
    )


def downgrade() -> None:
    op.drop_column("auth_tokens", "last_used_at")  # SQLite 3.35+ drops it in place
