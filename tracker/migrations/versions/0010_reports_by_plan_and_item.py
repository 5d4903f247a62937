"""The plan on every report row, and indexes that lead with the plan and the item: the reports in force are found by
seeking each item's newest rows, so that they cost what one plan's latest values cost, however many times the units
uploaded the same months again (through the batches, a plan's whole history was read). Each row also says whether
its batch was reverted (the batch keeps who reverted it and when), so that those indexes leave reverted rows out: a
seek never walks through a reverted bulk import. The sample batches get an index of their own: asking whether a plan
shows sample data read every batch of the plan. A plan's newest batches are listed through (plan_id, id): PostgreSQL
otherwise walked every plan's batches backwards by number to find one plan's newest. Review decisions carry their
plan too, so that the store's version token reads the plan's newest one instead of counting them all (every row
approved on import makes one)."""
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

INDEXES = {
    "target_reports_item": "target_reports (plan_id, target_id, as_of, id) WHERE reverted = 0",
    "task_reports_item": "task_reports (plan_id, task_id, as_of, id) WHERE reverted = 0",
    "batches_sample": "batches (plan_id, reverted_at) WHERE is_sample = 1",
    "batches_plan_newest": "batches (plan_id, id)",
    "review_events_plan": "review_events (plan_id, id)",
}


def upgrade() -> None:
    bind = op.get_bind()
    for table in ("target_reports", "task_reports", "review_events"):
        bind.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN plan_id TEXT")
        bind.exec_driver_sql(f"UPDATE {table} SET plan_id = (SELECT b.plan_id FROM batches b"
                             f" WHERE b.id = {table}.batch_id)")
        if bind.dialect.name != "sqlite":  # SQLite cannot add the constraint to a column it has
            bind.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN plan_id SET NOT NULL")
    for table in ("target_reports", "task_reports"):
        bind.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN reverted SMALLINT NOT NULL DEFAULT 0")
        bind.exec_driver_sql(f"UPDATE {table} SET reverted = 1 WHERE batch_id IN"
                             " (SELECT id FROM batches WHERE reverted_at IS NOT NULL)")
    for name, columns in INDEXES.items():
        bind.exec_driver_sql(f"CREATE INDEX {name} ON {columns}")
