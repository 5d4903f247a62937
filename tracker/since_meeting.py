"""What changed since the last review meeting (调度会): each item's status then and now, sorted into kinds."""
from __future__ import annotations

import pandas as pd

from .snapshot import Snapshot
from .status import COMPLETED, NOT_REPORTED, SEVERITY

BECAME_COMPLETED, FELL_BEHIND, RECOVERED, SILENT, STEADY = "completed", "fell_behind", "recovered", "silent", "steady"
CHANGES = (BECAME_COMPLETED, FELL_BEHIND, RECOVERED, SILENT, STEADY)


def _kind(before: str, now: str, reported_since: bool) -> str:
    if now == COMPLETED and before != COMPLETED:
        return BECAME_COMPLETED
    if not reported_since and now != COMPLETED:
        return SILENT
    rank = lambda s: SEVERITY.get(s, 1)  # noqa: E731 - not reported sits with on track: nothing known against it
    if rank(now) > rank(before):
        return FELL_BEHIND
    if rank(now) < rank(before) or (before == NOT_REPORTED and now != NOT_REPORTED):
        return RECOVERED
    return STEADY


def compare(now: Snapshot, before: Snapshot) -> pd.DataFrame:
    """One row per lead unit and item (targets, and tasks without targets): status then and now, and the change."""
    rows = []
    old_targets = before.targets.set_index("target_id")
    for t in now.targets.itertuples(index=False):
        since = t.reported_on is not None and t.reported_on > before.as_of
        was = old_targets.at[t.target_id, "status"]
        for unit in t.lead_list:
            rows.append((unit, t.target_id, t.indicator, was, t.status, t.reported_on, _kind(was, t.status, since)))
    old_tasks = before.tasks.set_index("task_id")
    for k in now.tasks[now.tasks["targets"] == 0].itertuples(index=False):
        since = k.reported_on is not None and k.reported_on > before.as_of
        was = old_tasks.at[k.task_id, "status"]
        for unit in k.lead_list:
            rows.append((unit, str(k.task_id), k.title, was, k.status, k.reported_on, _kind(was, k.status, since)))
    return pd.DataFrame(rows, columns=["unit", "item", "name", "before", "now", "reported_on", "change"])


def by_unit(changes: pd.DataFrame) -> pd.DataFrame:
    """Count of each kind of change per unit, units with the most news first."""
    counts = changes.pivot_table(index="unit", columns="change", aggfunc="size", fill_value=0)
    for kind in CHANGES:
        if kind not in counts:
            counts[kind] = 0
    counts = counts[list(CHANGES)]
    return counts.sort_values([BECAME_COMPLETED, FELL_BEHIND, RECOVERED], ascending=False).reset_index()
