"""canned_responses: a shortcut is unique per business and among the shared responses, in the
database too, so two admins saving the same shortcut at once cannot both succeed

Two partial unique indexes, because a plain unique index on (business_id, shortcut) lets any
number of shared rows (business_id NULL) share a shortcut. Duplicates that slipped past the
application's check before get a numbered shortcut first (`groet`, `groet-2`), oldest kept.

Revision ID: 0021_canned_shortcut_unique
Revises: 0020_conversation_version
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_canned_shortcut_unique"
down_revision: str | Sequence[str] | None = "0020_conversation_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

canned = sa.table(
    "canned_responses",
    sa.column("id", sa.String),
    sa.column("business_id", sa.String),
    sa.column("shortcut", sa.String),
    sa.column("created_at", sa.DateTime),
)


def _renumber_duplicates() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(canned.c.id, canned.c.business_id, canned.c.shortcut).order_by(
            canned.c.created_at, canned.c.id
        )
    ).all()
    taken = {(row.business_id, row.shortcut) for row in rows}
    seen: set[tuple[str | None, str]] = set()
    for row in rows:
        key = (row.business_id, row.shortcut)
        if key not in seen:
            seen.add(key)
            continue
        number = 2
        while (row.business_id, f"{row.shortcut[:36]}-{number}") in taken:
            number += 1
        new = (row.business_id, f"{row.shortcut[:36]}-{number}")
        taken.add(new)
        seen.add(new)
        bind.execute(canned.update().where(canned.c.id == row.id).values(shortcut=new[1]))


def upgrade() -> None:
    _renumber_duplicates()
    op.drop_index("ix_canned_responses_business_shortcut", table_name="canned_responses")
    op.create_index(
        "uq_canned_responses_business_shortcut",
        "canned_responses",
        ["business_id", "shortcut"],
        unique=True,
        sqlite_where=sa.text("business_id IS NOT NULL"),
        postgresql_where=sa.text("business_id IS NOT NULL"),
    )
    op.create_index(
        "uq_canned_responses_shared_shortcut",
        "canned_responses",
        ["shortcut"],
        unique=True,
        sqlite_where=sa.text("business_id IS NULL"),
        postgresql_where=sa.text("business_id IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_canned_responses_shared_shortcut", table_name="canned_responses")
    op.drop_index("uq_canned_responses_business_shortcut", table_name="canned_responses")
    op.create_index(
        "ix_canned_responses_business_shortcut", "canned_responses", ["business_id", "shortcut"]
    )
