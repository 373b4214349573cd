"""TOTP hardening: the last accepted time step (a code is accepted once), and the secret being
enrolled kept on the server until confirmed or expired (never in the session cookie).

Revision ID: 20261205_totp
Revises: 20261205_review
Create Date: 2026-12-05 14:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261205_totp"
down_revision = "20261205_review"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("totp_pending_secret", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("totp_pending_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("totp_pending_at")
        batch_op.drop_column("totp_pending_secret")
        batch_op.drop_column("totp_last_step")
