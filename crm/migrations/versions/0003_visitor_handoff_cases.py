"""support cases may have no customer: a visitor's request for a person

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("support_cases", schema=None) as batch_op:
        batch_op.alter_column("customer_id", existing_type=sa.INTEGER(), nullable=True)


def downgrade() -> None:
    # Cases without a customer exist only since this revision; the old schema cannot hold them.
    op.execute("DELETE FROM support_cases WHERE customer_id IS NULL")
    with op.batch_alter_table("support_cases", schema=None) as batch_op:
        batch_op.alter_column("customer_id", existing_type=sa.INTEGER(), nullable=False)
