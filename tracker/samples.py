"""Sample progress data (示例数据): invented figures a user loads on purpose and removes again."""
from __future__ import annotations

from pathlib import Path

from .ingest import ingest
from .plan import DATA_DIR, Plan
from .store import BatchResult, Store

SAMPLE_FILE = DATA_DIR / "samples" / "progress_sample.csv"
SAMPLE_PLAN = "hedong-2023"  # the sample's rows name this plan's targets and tasks


def has_sample(plan: Plan) -> bool:
    """Whether there is sample data for this plan."""
    return plan.id == SAMPLE_PLAN


def load_sample(plan: Plan, store: Store, path: Path = SAMPLE_FILE, by: str | None = None) -> BatchResult:
    """Store the sample file as a batch marked as sample, audited as done by `by`; loading it twice changes
    nothing."""
    data = path.read_bytes()
    result = ingest(plan, data, path.name)
    if not result.ok:
        raise ValueError("\n".join(p.message() for p in result.errors))
    return store.add_batch(plan.id, path.name, result.sha256, result.targets, result.tasks,
                           by=by, source="sample", is_sample=True)


def remove_sample(plan: Plan, store: Store, by: str | None = None) -> int:
    """Revert every sample batch (kept in history, no longer counted), audited as done by `by`; returns how many."""
    return store.revert_samples(plan.id, by)
