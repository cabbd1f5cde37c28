"""portal: on SQLite new messages reach the search index from a background indexer instead of an
insert trigger, which took ~26 µs of the loop's CPU per message inside the chat's commit
(docs/benchmarks.md, message store)

`messages_search_state.last_id` divides `messages`: every message that is not an internal note
with an id up to it is in `messages_fts` exactly once, none above it is. The indexer
(portal/indexer.py) moves it forward batch by batch, reading it and inserting in one write
transaction. The update and delete triggers stay (erasure, purge) but touch the index only for
rows at or below it; the delete trigger also lowers it when the newest messages go, since SQLite
then hands their ids out again. PostgreSQL is untouched: its GIN index keeps a pending list.

Revision ID: 0017_search_indexer
Revises: 0016_api_tokens
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017_search_indexer"
down_revision: str | Sequence[str] | None = "0016_api_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FTS = "messages_fts"
STATE = "messages_search_state"
INDEXED = f"(SELECT last_id FROM {STATE})"
NEWEST = "(SELECT coalesce(max(id), 0) FROM messages)"

UPGRADE = (
    f"CREATE TABLE {STATE} (id INTEGER PRIMARY KEY CHECK (id = 1), last_id INTEGER NOT NULL)",
    # The insert trigger kept everything so far in the index.
    f"INSERT INTO {STATE} (id, last_id) VALUES (1, {NEWEST})",
    f"DROP TRIGGER {FTS}_insert",
    f"DROP TRIGGER {FTS}_delete",
    f"DROP TRIGGER {FTS}_update",
    # A contentless table's 'delete' must name an indexed row with its indexed text: for any
    # other it would corrupt the index, hence the bound on every statement.
    f"CREATE TRIGGER {FTS}_delete AFTER DELETE ON messages BEGIN"
    f" INSERT INTO {FTS}({FTS}, rowid, body) SELECT 'delete', old.id, old.body"
    f" WHERE NOT old.internal AND old.id <= {INDEXED};"
    f" UPDATE {STATE} SET last_id = {NEWEST} WHERE last_id > {NEWEST}; END",
    f"CREATE TRIGGER {FTS}_update AFTER UPDATE OF body, internal ON messages BEGIN"
    f" INSERT INTO {FTS}({FTS}, rowid, body) SELECT 'delete', old.id, old.body"
    f" WHERE NOT old.internal AND old.id <= {INDEXED};"
    f" INSERT INTO {FTS}(rowid, body) SELECT new.id, new.body"
    f" WHERE NOT new.internal AND new.id <= {INDEXED}; END",
)

DOWNGRADE = (
    f"INSERT INTO {FTS}(rowid, body) SELECT id, body FROM messages"
    f" WHERE NOT internal AND id > {INDEXED}",
    f"DROP TRIGGER {FTS}_delete",
    f"DROP TRIGGER {FTS}_update",
    f"DROP TABLE {STATE}",
    # As migration 0012 made them.
    f"CREATE TRIGGER {FTS}_insert AFTER INSERT ON messages WHEN NOT new.internal BEGIN"
    f" INSERT INTO {FTS}(rowid, body) VALUES (new.id, new.body); END",
    f"CREATE TRIGGER {FTS}_delete AFTER DELETE ON messages WHEN NOT old.internal BEGIN"
    f" INSERT INTO {FTS}({FTS}, rowid, body) VALUES ('delete', old.id, old.body); END",
    f"CREATE TRIGGER {FTS}_update AFTER UPDATE OF body, internal ON messages BEGIN"
    f" INSERT INTO {FTS}({FTS}, rowid, body) SELECT 'delete', old.id, old.body"
    " WHERE NOT old.internal;"
    f" INSERT INTO {FTS}(rowid, body) SELECT new.id, new.body WHERE NOT new.internal; END",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in DOWNGRADE:
            op.execute(statement)
