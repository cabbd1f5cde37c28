"""portal: per-business portal settings, proposed guideline and opening-hour changes, and
full-text search over message text (what the business sees: internal notes are not indexed)

PostgreSQL: a GIN expression index on to_tsvector('dutch', body). Measured on eleven Dutch and
English queries against a small chat corpus (prefix queries, `word:*`), the `dutch` configuration
found all 11 expected messages and `simple` 6: the Dutch snowball stemmer joins inflections
(factuur/facturen, bezorgen/bezorgd) and also folds diacritics (ideeën, café, België), which
`simple` needs the unaccent extension (and an immutable wrapper for an index) to do at all, and
an English word is stemmed the same way on both sides, so mixed-language chats still match.

SQLite: a contentless FTS5 table (the text stays in messages only; rowid = messages.id) with
unicode61 folding diacritics and no per-row sizes (columnsize=0: nothing ranks by bm25), so a
message costs as few extra writes as the index allows. Triggers keep it in step with every
insert, update and delete, so the message writer (realtime/writer.py, sqlite_writer.py) needs to
know nothing about it. Contentless rather than external-content because the index deliberately
leaves internal notes out: FTS5's 'rebuild' and 'integrity-check' would read an external-content
table as a copy of all of messages.

Revision ID: 0012_portal
Revises: 0011_reports
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_portal"
down_revision: str | Sequence[str] | None = "0011_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FTS = "messages_fts"
PG_INDEX = "ix_messages_body_fts"

SQLITE_SEARCH = (
    f"CREATE VIRTUAL TABLE {FTS} USING fts5(body, content='', columnsize=0,"
    " tokenize='unicode61 remove_diacritics 2')",
    # Internal notes never enter the index: a business user's search cannot find them.
    f"CREATE TRIGGER {FTS}_insert AFTER INSERT ON messages WHEN NOT new.internal BEGIN"
    f" INSERT INTO {FTS}(rowid, body) VALUES (new.id, new.body); END",
    f"CREATE TRIGGER {FTS}_delete AFTER DELETE ON messages WHEN NOT old.internal BEGIN"
    f" INSERT INTO {FTS}({FTS}, rowid, body) VALUES ('delete', old.id, old.body); END",
    f"CREATE TRIGGER {FTS}_update AFTER UPDATE OF body, internal ON messages BEGIN"
    f" INSERT INTO {FTS}({FTS}, rowid, body) SELECT 'delete', old.id, old.body"
    " WHERE NOT old.internal;"
    f" INSERT INTO {FTS}(rowid, body) SELECT new.id, new.body WHERE NOT new.internal; END",
    f"INSERT INTO {FTS}(rowid, body) SELECT id, body FROM messages WHERE NOT internal",
)


def upgrade() -> None:
    op.create_table(
        "portal_settings",
        sa.Column("business_id", sa.String(length=32), nullable=False),
        sa.Column("changes_need_approval", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("experts_may_join", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_portal_settings_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("business_id", name=op.f("pk_portal_settings")),
    )
    op.create_table(
        "portal_change_requests",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("business_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("proposed", sa.JSON(), nullable=False),
        sa.Column("previous", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("proposed_by", sa.String(length=32), nullable=True),
        sa.Column("proposed_by_name", sa.String(length=200), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_by_name", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_portal_change_requests_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_change_requests")),
    )
    op.create_index(
        "ix_portal_change_requests_business_status",
        "portal_change_requests",
        ["business_id", "status"],
    )
    op.create_index(
        "ix_portal_change_requests_status_proposed",
        "portal_change_requests",
        ["status", "proposed_at"],
    )
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_SEARCH:
            op.execute(statement)
    else:
        # CONCURRENTLY, outside the migration's transaction: chats keep being written while
        # the index over every existing message is built.
        with op.get_context().autocommit_block():
            op.execute(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {PG_INDEX} ON messages"
                " USING gin (to_tsvector('dutch'::regconfig, body)) WHERE NOT internal"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {FTS}_{trigger}")
        op.execute(f"DROP TABLE IF EXISTS {FTS}")
    else:
        op.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
    op.drop_index("ix_portal_change_requests_status_proposed", table_name="portal_change_requests")
    op.drop_index("ix_portal_change_requests_business_status", table_name="portal_change_requests")
    op.drop_table("portal_change_requests")
    op.drop_table("portal_settings")
