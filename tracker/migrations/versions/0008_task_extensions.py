"""Extensions for tasks (延期申请) beside those for targets: a change request names what it is for by kind ('target'
or 'task', as evidence does) and item (a target id such as T15-1, or a task number), where it named a target only."""
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    bind.exec_driver_sql("ALTER TABLE change_requests RENAME COLUMN target_id TO item")
    bind.exec_driver_sql("ALTER TABLE change_requests ADD COLUMN kind TEXT NOT NULL DEFAULT 'target'")
