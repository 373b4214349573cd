"""Schemes: an index covering (published, revision, updated_at): the catalogue's version, read by
every request, comes from the index alone.

Revision ID: 20261206_published_version
Revises: 20261206_published_hash
Create Date: 2026-12-06 23:15:00
"""

from __future__ import annotations

from alembic import op

revision = "20261206_published_version"
down_revision = "20261206_published_hash"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_schemes_published_version",
        "schemes",
        ["published", "revision", "updated_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_schemes_published_version", table_name="schemes")
