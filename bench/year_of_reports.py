"""Fill a store with a year of monthly reports for every target and task (used by the page benchmarks)."""
from __future__ import annotations

import calendar
from datetime import date

import pandas as pd

from tracker.plan import Plan
from tracker.store import Store


def fill(plan: Plan, store: Store) -> int:
    """Twelve month-end reports per target and per task, one batch per month; returns the row count."""
    rows = 0
    for month in range(1, 13):
        as_of = date(2023, month, calendar.monthrange(2023, month)[1])
        share = month / 12
        targets = pd.DataFrame({
            "target_id": plan.targets["target_id"],
            "as_of": as_of,
            "actual": [round(v * (share if k == "cumulative" else 0.9 + 0.1 * share) * (0.8 + 0.4 * (i % 3) / 2), 2)
                       for i, (v, k) in enumerate(zip(plan.targets["target_value"], plan.targets["kind"]))],
            "note": f"{month}月进展（基准测试数据）",
        })
        tasks = pd.DataFrame({"task_id": plan.tasks["task_id"], "as_of": as_of,
                              "state": "done" if month == 12 else "in_progress", "progress": "按计划推进",
                              "problems": "", "next_steps": ""})
        store.add_batch(plan.id, f"bench-{month:02d}.csv", f"bench-{month}", targets, tasks, source="bench")
        rows += len(targets) + len(tasks)
    return rows
