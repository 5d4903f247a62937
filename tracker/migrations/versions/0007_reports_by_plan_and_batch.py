"""Indexes that lead with the plan and the batch: target ids such as T03-1 repeat across plans, so the latest
reports of one plan are found through its batches and each batch's rows, never by scanning every plan's reports."""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

INDEXES = {
    "batches_plan_counted": "batches (plan_id, reverted_at, id)",
    "target_reports_batch": "target_reports (batch_id, target_id, as_of)",
    "task_reports_batch": "task_reports (batch_id, task_id, as_of)",
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.get_bind().exec_driver_sql(f"CREATE INDEX {name} ON {columns}")

