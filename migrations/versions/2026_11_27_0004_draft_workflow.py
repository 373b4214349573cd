"""Draft and published revisions; schemes hidden until first published.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 21:30:02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scheme_revisions") as batch_op:
        batch_op.add_column(
            sa.Column("state", sa.String(length=20), server_default="published", nullable=False)
        )
    with op.batch_alter_table("schemes") as batch_op:
        batch_op.add_column(
            sa.Column("published", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("schemes") as batch_op:
        batch_op.drop_column("published")
    with op.batch_alter_table("scheme_revisions") as batch_op:
        batch_op.drop_column("state")
