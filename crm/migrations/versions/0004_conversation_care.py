"""care beyond the first answers: case products and reasons, agents taking chats, conversation
context that outlives a session, identification attempts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OLD_KINDS = ("question", "complaint", "handoff")
NEW_KINDS = (*OLD_KINDS, "return", "delivery", "billing")
OLD_STATUSES = ("open", "waiting_agent", "closed")
NEW_STATUSES = ("open", "waiting_agent", "with_agent", "closed", "withdrawn")
REASONS = (
    "customer_asked",
    "misunderstood",
    "complaint",
    "proactive",
    "low_rating",
    "identification",
    "other_language",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    with op.batch_alter_table("support_cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("product_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "reason",
                sa.Enum(*REASONS, name="handoff_reason", native_enum=False, create_constraint=True),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("taken_by", sa.String(length=80), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_support_cases_product_id_products"), "products", ["product_id"], ["id"]
        )
        # The enums' CHECK constraints list their values: widen them.
        batch_op.drop_constraint(batch_op.f("ck_support_cases_case_kind"), type_="check")
        batch_op.create_check_constraint("case_kind", _in("kind", NEW_KINDS))
        batch_op.drop_constraint(batch_op.f("ck_support_cases_case_status"), type_="check")
        batch_op.create_check_constraint("case_status", _in("status", NEW_STATUSES))

    op.create_table(
        "conversation_contexts",
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("proactive", sa.Text(), nullable=True),
        sa.Column("proactive_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_conversation_contexts_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_conversation_contexts")),
    )
    with op.batch_alter_table("conversation_contexts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversation_contexts_customer_id"), ["customer_id"], unique=False
        )

    op.create_table(
        "identification_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "key",
            sa.Enum(
                "email", "order", "client", name="identification_key", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("value_hash", sa.String(length=64), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identification_attempts")),
    )
    with op.batch_alter_table("identification_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_identification_attempts_key", ["key", "value_hash", "attempted_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("identification_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_identification_attempts_key")
    op.drop_table("identification_attempts")
    with op.batch_alter_table("conversation_contexts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_contexts_customer_id"))
    op.drop_table("conversation_contexts")

    # Rows the old schema cannot express: new kinds go, new statuses fold into the old ones.
    op.execute(f"DELETE FROM support_cases WHERE kind NOT IN {OLD_KINDS!r}")
    op.execute("UPDATE support_cases SET status = 'waiting_agent' WHERE status = 'with_agent'")
    op.execute("UPDATE support_cases SET status = 'closed' WHERE status = 'withdrawn'")
    with op.batch_alter_table("support_cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_support_cases_case_status"), type_="check")
        batch_op.create_check_constraint("case_status", _in("status", OLD_STATUSES))
        batch_op.drop_constraint(batch_op.f("ck_support_cases_case_kind"), type_="check")
        batch_op.create_check_constraint("case_kind", _in("kind", OLD_KINDS))
        batch_op.drop_constraint(batch_op.f("fk_support_cases_product_id_products"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("ck_support_cases_handoff_reason"), type_="check")
        batch_op.drop_column("taken_by")
        batch_op.drop_column("taken_at")
        batch_op.drop_column("reason")
        batch_op.drop_column("product_id")
