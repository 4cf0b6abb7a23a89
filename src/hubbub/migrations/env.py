"""Alembic's entry point: migrate the connection the caller opened (see store/migrate.py)."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
