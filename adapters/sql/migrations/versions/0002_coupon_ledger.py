"""The coupon ledger archive: events as offered, coupons as issued.

One coupon per user and one user per coupon number within an event: the two unique keys the
ledger worker writes against idempotently (and that expose the `naive` strategy's doubles).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coupon_events",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("strategy", sa.Text(), nullable=False),
    )
    op.create_table(
        "coupons",
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("coupon_id", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "user_id", name="coupons_pkey"),
        sa.UniqueConstraint("event_id", "coupon_id", name="coupons_event_number_key"),
    )
    op.create_index("coupons_user_claimed", "coupons", ["user_id", "claimed_at"])


def downgrade() -> None:
    op.drop_index("coupons_user_claimed", table_name="coupons")
    op.drop_table("coupons")
    op.drop_table("coupon_events")
