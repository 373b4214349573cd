"""Schemes: an index covering (published, id, content_hash), read by every worker after a publish.

Revision ID: 20261206_published_hash
Revises: 20261205_recovery
Create Date: 2026-12-06 13:30:00
"""

from __future__ import annotations

from alembic import op

revision = "20261206_published_hash"
down_revision = "20261205_recovery"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_schemes_published_hash",
        "schemes",
        ["published", "id", "content_hash"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_schemes_published_hash", table_name="schemes")
