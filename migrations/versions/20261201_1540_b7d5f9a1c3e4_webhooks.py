"""Webhook subscriptions, deliveries and their attempts (issue H, items 2, 3, 7).

Revision ID: b7d5f9a1c3e4
Revises: a6c4e8f0b2d3
Create Date: 2026-12-01 15:40:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7d5f9a1c3e4"
down_revision: str | None = "a6c4e8f0b2d3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


STATES = ("pending", "delivering", "delivered", "dead")


def upgrade() -> None:
    op.create_table(
        "webhook_subscriptions",
        sa.Column("public_id", sa.String(length=40), nullable=False),
        sa.Column("reseller_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_reason", sa.String(length=500), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("draining_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("drain_recheck_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"],
                                name=op.f("fk_webhook_subscriptions_company_id_companies")),
        sa.ForeignKeyConstraint(["created_by_id"], ["hosts.id"], ondelete="SET NULL",
                                name=op.f("fk_webhook_subscriptions_created_by_id_hosts")),
        sa.ForeignKeyConstraint(["reseller_id"], ["resellers.id"],
                                name=op.f("fk_webhook_subscriptions_reseller_id_resellers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
        sa.UniqueConstraint("public_id", name=op.f("uq_webhook_subscriptions_public_id")),
    )
    op.create_index(op.f("ix_webhook_subscriptions_company_id"), "webhook_subscriptions",
                    ["company_id"], unique=False)
    op.create_index(op.f("ix_webhook_subscriptions_reseller_id"), "webhook_subscriptions",
                    ["reseller_id"], unique=False)
    op.create_table(
        "webhook_deliveries",
        sa.Column("public_id", sa.String(length=40), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("event_created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.Enum(*STATES, name="webhook_delivery_state", native_enum=False,
                                   create_constraint=True, length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE",
                                name=op.f("fk_webhook_deliveries_event_id_events")),
        sa.ForeignKeyConstraint(
            ["subscription_id"], ["webhook_subscriptions.id"], ondelete="CASCADE",
            name=op.f("fk_webhook_deliveries_subscription_id_webhook_subscriptions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint("public_id", name=op.f("uq_webhook_deliveries_public_id")),
    )
    op.create_index(op.f("ix_webhook_deliveries_event_id"), "webhook_deliveries",
                    ["event_id"], unique=False)
    op.create_index("ix_webhook_deliveries_order", "webhook_deliveries",
                    ["subscription_id", "state", "event_created_at"], unique=False)
    op.create_table(
        "webhook_delivery_attempts",
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("response", sa.String(length=1024), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"], ["webhook_deliveries.id"], ondelete="CASCADE",
            name=op.f("fk_webhook_delivery_attempts_delivery_id_webhook_deliveries")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_delivery_attempts")),
    )
    op.create_index(op.f("ix_webhook_delivery_attempts_at"), "webhook_delivery_attempts",
                    ["at"], unique=False)
    op.create_index(op.f("ix_webhook_delivery_attempts_delivery_id"),
                    "webhook_delivery_attempts", ["delivery_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_webhook_delivery_attempts_delivery_id"),
                  table_name="webhook_delivery_attempts")
    op.drop_index(op.f("ix_webhook_delivery_attempts_at"), table_name="webhook_delivery_attempts")
    op.drop_table("webhook_delivery_attempts")
    op.drop_index("ix_webhook_deliveries_order", table_name="webhook_deliveries")
    op.drop_index(op.f("ix_webhook_deliveries_event_id"), table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_index(op.f("ix_webhook_subscriptions_reseller_id"),
                  table_name="webhook_subscriptions")
    op.drop_index(op.f("ix_webhook_subscriptions_company_id"),
                  table_name="webhook_subscriptions")
    op.drop_table("webhook_subscriptions")
