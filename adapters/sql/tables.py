"""The tables, as SQLAlchemy Core sees them (the migrations create them)."""

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

notices = Table(
    "notices",
    metadata,
    # BIGINT identity on PostgreSQL; on SQLite an INTEGER PRIMARY KEY is the rowid alias.
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

coupon_events = Table(
    "coupon_events",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("strategy", Text, nullable=False),
)

coupons = Table(
    "coupons",
    metadata,
    Column("event_id", BigInteger, nullable=False),
    Column("user_id", Text, nullable=False),
    Column("coupon_id", Integer, nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("event_id", "user_id", name="coupons_pkey"),
    UniqueConstraint("event_id", "coupon_id", name="coupons_event_number_key"),
)
"""One coupon per user and one user per number within an event."""
