"""people: users get an e-mail address (for invitations and password links), and the delivery
outbox takes system mails that belong to no business (lead_outbox.business_id may be NULL)

Revision ID: 0010_user_email
Revises: 0009_back_office, 0004_leads
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_user_email"
# Also a merge with the leads branch, whose outbox it changes.
down_revision: str | Sequence[str] | None = ("0009_back_office", "0004_leads")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OUTBOX_BUSINESS = re.compile(r'(\bbusiness_id"?\s+VARCHAR\(32\))(\s+NOT NULL)?')


def _sqlite_set_outbox_business_nullable(nullable: bool) -> None:
    """SQLite cannot ALTER a column's NOT NULL, and a batch rebuild of lead_outbox would drop
    the table, cascading to its delivery attempts. NOT NULL is checked on writes only (the file's
    format does not change), so SQLite documents editing the stored CREATE TABLE text for exactly
    this (sqlite.org/lang_altertable.html, "making other kinds of table schema changes")."""
    bind = op.get_bind()
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'lead_outbox'"
    ).scalar_one()
    matches = OUTBOX_BUSINESS.findall(sql)
    if len(matches) != 1:
        raise RuntimeError("lead_outbox.business_id not found once in its CREATE TABLE text")
    changed = OUTBOX_BUSINESS.sub(lambda m: m.group(1) + ("" if nullable else " NOT NULL"), sql)
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'lead_outbox'",
        (changed,),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")  # connections reload
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def _set_outbox_business_nullable(nullable: bool) -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_set_outbox_business_nullable(nullable)
    else:
        op.alter_column(
            "lead_outbox", "business_id", existing_type=sa.String(length=32), nullable=nullable
        )


def upgrade() -> None:
    # Plain ALTER TABLE, never batch mode on users: a batch copy drops and recreates the table,
    # which would cascade to every row that references a user.
    op.add_column("users", sa.Column("email", sa.String(length=320), nullable=True))
    _set_outbox_business_nullable(True)


def downgrade() -> None:
    op.execute("DELETE FROM lead_outbox WHERE business_id IS NULL")  # system mails only
    _set_outbox_business_nullable(False)
    op.drop_column("users", "email")  # SQLite 3.35+ drops a plain column in place
