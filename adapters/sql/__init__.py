"""SQL adapters (SQLAlchemy 2, async): the notice repository on SQLite or PostgreSQL.

This package alone knows the tables, the drivers (aiosqlite, psycopg 3) and the migrations, and
turns driver and SQLAlchemy errors into `ports.errors`.
"""
