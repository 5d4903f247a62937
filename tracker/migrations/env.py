"""Alembic's entry: the migrations always run on the connection tracker.migrations.upgrade hands over, inside the
store's own write transaction (run `python -m tracker migrate`, not the alembic command)."""
from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run the migrations through the store: python -m tracker migrate [--db DATABASE]")
context.configure(connection=connection)
with context.begin_transaction():
    context.run_migrations()
