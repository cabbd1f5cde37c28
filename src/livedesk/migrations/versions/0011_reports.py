"""reports: which business-months' monthly reports went out (one row each, unique)

Revision ID: 0011_reports
Revises: 0010_user_email
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_reports"
down_revision: str | Sequence[str] | None = "0010_user_email"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A new table only: nothing else is altered, so no batch copy of a referenced table.
    op.create_table(
        "report_monthly_sent",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("business_id", sa.String(length=32), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_report_monthly_sent_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_monthly_sent")),
        sa.UniqueConstraint(
            "business_id", "month", name=op.f("uq_report_monthly_sent_business_id_month")
        ),
    )


def downgrade() -> None:
    op.drop_table("report_monthly_sent")
