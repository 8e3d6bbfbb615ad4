"""case events: an agent's reply is recorded (for the first reply time; the words stay in Rasa)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

KINDS = ("note", "taken", "transferred", "handed_back", "closed", "unanswered")


def _kind(*kinds: str) -> sa.Enum:
    return sa.Enum(*kinds, name="case_event_kind", native_enum=False, create_constraint=True)


def upgrade() -> None:
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.alter_column(
            "kind", existing_type=_kind(*KINDS), type_=_kind(*KINDS, "replied"), existing_nullable=False
        )


def downgrade() -> None:
    # 0007 knows no replies: they only ever fed the first reply time.
    op.execute("DELETE FROM case_events WHERE kind = 'replied'")
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.alter_column(
            "kind", existing_type=_kind(*KINDS, "replied"), type_=_kind(*KINDS), existing_nullable=False
        )
