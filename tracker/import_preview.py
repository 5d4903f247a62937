"""What an import would change: each reported row beside the value it replaces and the status it gives."""
from __future__ import annotations

import pandas as pd

from .changes import task_deadline
from .ingest import Ingested
from .plan import Plan
from .settings import resolve
from .status import NOT_REPORTED, completion, expected_share, target_status, task_state_status, time_progress

PREVIEW_COLUMNS = ["kind", "id", "name", "previous", "previous_on", "new", "new_on", "completion", "status", "row"]


def preview(plan: Plan, ingested: Ingested, latest_targets: pd.DataFrame, latest_tasks: pd.DataFrame,
            settings: dict[str, float] | None = None) -> pd.DataFrame:
    """One row per reported target or task: previous value and date, new value and date, and the new status."""
    settings = resolve(settings)
    targets = plan.targets.set_index("target_id")
    titles = dict(zip(plan.tasks["task_id"], plan.tasks["title"]))
    before_t = latest_targets.set_index("target_id")
    before_k = latest_tasks.set_index("task_id")
    rows = []
    for r in ingested.targets.itertuples(index=False):
        t = targets.loc[r.target_id]
        baseline = None if pd.isna(t["baseline"]) else t["baseline"]
        done = completion(r.actual, t["target_value"], t["direction"], baseline)
        expected = expected_share(t["kind"], t["schedule"], plan.start, t["deadline"], r.as_of)
        known = r.target_id in before_t.index
        rows.append(("target", r.target_id, t["indicator"], before_t.at[r.target_id, "actual"] if known else None,
                     before_t.at[r.target_id, "as_of"] if known else None, f"{r.actual:g}{t['unit']}", r.as_of,
                     done, target_status(done, expected, r.as_of > t["deadline"], settings),
                     r.excel_row))
    for r in ingested.tasks.itertuples(index=False):
        known = r.task_id in before_k.index
        deadline = task_deadline(plan, r.task_id)  # the plan's end unless an extension in force moved it
        status = task_state_status(r.state, time_progress(plan.start, deadline, r.as_of), r.as_of > deadline,
                                   settings) if r.state else NOT_REPORTED
        rows.append(("task", str(r.task_id), titles[r.task_id], before_k.at[r.task_id, "state"] if known else None,
                     before_k.at[r.task_id, "as_of"] if known else None, r.state, r.as_of, None, status,
                     r.excel_row))
    return pd.DataFrame(rows, columns=PREVIEW_COLUMNS)
