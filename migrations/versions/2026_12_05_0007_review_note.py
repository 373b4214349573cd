"""Drafts sent back after review carry the administrator's note.

Revision ID: 20261205_review
Revises: 20261205_suggestions
Create Date: 2026-12-05 13:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261205_review"
down_revision = "20261205_suggestions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scheme_revisions") as batch_op:
        batch_op.add_column(sa.Column("review_note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scheme_revisions") as batch_op:
        batch_op.drop_column("review_note")
