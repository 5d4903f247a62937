"""One batch that counts per plan and file: the same file imported at the same moment by two servers gives one
batch, not two (a partial unique index, the same on both databases)."""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.get_bind().exec_driver_sql("CREATE UNIQUE INDEX batches_active_file ON batches (plan_id, sha256)"
                                  " WHERE reverted_at IS NULL")
