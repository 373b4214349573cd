"""Suggestions from the public about a scheme.

Revision ID: 20261205_suggestions
Revises: 20261205_alerts
Create Date: 2026-12-05 13:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261205_suggestions"
down_revision = "20261205_alerts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suggestions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scheme_id", sa.String(length=100), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("source_url", sa.String(length=500), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("handled_by", sa.String(length=254), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestions")),
    )
    op.create_index(op.f("ix_suggestions_scheme_id"), "suggestions", ["scheme_id"], unique=False)
    op.create_index(op.f("ix_suggestions_state"), "suggestions", ["state"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_suggestions_state"), table_name="suggestions")
    op.drop_index(op.f("ix_suggestions_scheme_id"), table_name="suggestions")
    op.drop_table("suggestions")
