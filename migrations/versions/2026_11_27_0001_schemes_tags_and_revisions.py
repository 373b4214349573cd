"""Schemes, their facet tags and their revisions.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 20:42:16.917991
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "schemes",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("funder", sa.String(length=50), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("lifecycle", sa.String(length=20), nullable=False),
        sa.Column("parent_id", sa.String(length=100), nullable=True),
        sa.Column("replaced_by_id", sa.String(length=100), nullable=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schemes")),
    )
    with op.batch_alter_table("schemes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_schemes_funder"), ["funder"], unique=False)
        batch_op.create_index(batch_op.f("ix_schemes_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_schemes_lifecycle"), ["lifecycle"], unique=False)

    op.create_table(
        "scheme_revisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scheme_id", sa.String(length=100), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["schemes.id"],
            name=op.f("fk_scheme_revisions_scheme_id_schemes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheme_revisions")),
        sa.UniqueConstraint("scheme_id", "number", name=op.f("uq_scheme_revisions_scheme_id")),
    )
    with op.batch_alter_table("scheme_revisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scheme_revisions_scheme_id"), ["scheme_id"], unique=False
        )

    op.create_table(
        "scheme_tags",
        sa.Column("scheme_id", sa.String(length=100), nullable=False),
        sa.Column("facet", sa.String(length=30), nullable=False),
        sa.Column("value", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["schemes.id"],
            name=op.f("fk_scheme_tags_scheme_id_schemes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("scheme_id", "facet", "value", name=op.f("pk_scheme_tags")),
    )
    with op.batch_alter_table("scheme_tags", schema=None) as batch_op:
        batch_op.create_index("ix_scheme_tags_facet_value", ["facet", "value"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scheme_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_scheme_tags_facet_value")

    op.drop_table("scheme_tags")
    with op.batch_alter_table("scheme_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheme_revisions_scheme_id"))

    op.drop_table("scheme_revisions")
    with op.batch_alter_table("schemes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schemes_lifecycle"))
        batch_op.drop_index(batch_op.f("ix_schemes_kind"))
        batch_op.drop_index(batch_op.f("ix_schemes_funder"))

    op.drop_table("schemes")
