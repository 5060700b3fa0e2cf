"""The tables, as SQLAlchemy Core sees them (the migrations create them)."""

from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, Table, Text

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
