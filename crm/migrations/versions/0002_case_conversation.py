"""support cases remember their conversation

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable columns: existing cases (opened by import or the console) have no conversation.
    with op.batch_alter_table("support_cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("conversation_id", sa.String(length=128), nullable=True))
        batch_op.add_column(
            sa.Column(
                "channel",
                sa.Enum(
                    "web",
                    "telegram",
                    "email",
                    name="channel",
                    native_enum=False,
                    create_constraint=True,
                ),
                nullable=True,
            )
        )
        batch_op.create_index(
            batch_op.f("ix_support_cases_conversation_id"), ["conversation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("support_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_cases_conversation_id"))
        # The enum's CHECK would outlive its column in SQLite's table copy: drop it first.
        batch_op.drop_constraint(batch_op.f("ck_support_cases_channel"), type_="check")
        batch_op.drop_column("channel")
        batch_op.drop_column("conversation_id")
