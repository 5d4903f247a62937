"""Chasing units (催办): who has not reported since a date (by default the start of the board's reporting period,
so that the list is the items flagged 未按期上报), on which items, and the notice to send them."""
from __future__ import annotations

from datetime import date

import pandas as pd

from .periods import period_of
from .snapshot import Snapshot
from .status import COMPLETED


def items_led(snapshot: Snapshot) -> pd.DataFrame:
    """One row per lead unit and item still open (its targets, and its tasks without targets) with the date of the
    last report sent (counted or waiting for review); a completed item owes no more reports."""
    rows = []
    for t in snapshot.targets[snapshot.targets["status"] != COMPLETED].itertuples(index=False):
        reported = t.submitted_on
        for unit in t.lead_list:
            rows.append((unit, t.task_id, t.target_id, f"{t.indicator}（目标{t.target_value:g}{t.unit}）", reported))
    open_tasks = snapshot.tasks[(snapshot.tasks["targets"] == 0) & (snapshot.tasks["status"] != COMPLETED)]
    for k in open_tasks.itertuples(index=False):
        for unit in k.lead_list:
            rows.append((unit, k.task_id, "", k.title, k.submitted_on))
    return pd.DataFrame(rows, columns=["unit", "task_id", "target_id", "name", "reported_on"])


def period_start(snapshot: Snapshot) -> date:
    """The first day of the board's reporting period: a report since then is on time."""
    return period_of(snapshot.plan, snapshot.as_of).start


def overdue(snapshot: Snapshot, since: date) -> pd.DataFrame:
    """Items not reported since `since`, per lead unit (never reported first, then the stalest)."""
    frame = items_led(snapshot)
    late = frame[frame["reported_on"].map(lambda d: d is None or d < since)]
    return late.sort_values(["unit", "reported_on"], key=lambda s: s.map(
        lambda d: date.min if d is None else d) if s.name == "reported_on" else s).reset_index(drop=True)


def units(snapshot: Snapshot, since: date) -> pd.DataFrame:
    """Per lead unit: items led, items not reported since `since`, the last report, and whether it is silent."""
    frame = items_led(snapshot)
    late = frame["reported_on"].map(lambda d: d is None or d < since)
    table = frame.assign(late=late).groupby("unit").agg(
        items=("name", "size"), overdue=("late", "sum"),
        last_report=("reported_on", lambda s: max((d for d in s if d is not None), default=None)))
    table["silent"] = table["last_report"].map(lambda d: d is None or d < since)
    table = table[table["overdue"] > 0].reset_index()
    return table.sort_values(["silent", "overdue"], ascending=[False, False]).reset_index(drop=True)


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"  # as official documents write dates: 10月1日, not 10月01日


def notice(snapshot: Snapshot, unit: str, since: date, report_by: date, issued: date | None = None) -> str:
    """A ready-to-send 督办通知 draft for one unit, listing its overdue items and the date to report by."""
    plan = snapshot.plan
    late = overdue(snapshot, since)
    late = late[late["unit"] == unit]
    lines = [
        "督办通知",
        "",
        f"{unit}：",
        f"根据《{plan.title}》（{plan.meta.get('document_number', '')}）关于建立工作台账、定期调度推进的要求，"
        f"截至{_day(snapshot.as_of)}，你单位牵头的以下{len(late)}项工作自{_day(since)}以来未报送进展情况：",
    ]
    for i, r in enumerate(late.itertuples(index=False), start=1):
        item = f"任务{r.task_id}" + (f" 指标{r.target_id} " if r.target_id else " ") + r.name
        last = "从未报送" if r.reported_on is None else f"最近报送：{r.reported_on:%Y-%m-%d}"
        lines.append(f"{i}. {item}（{last}）")
    lines += [
        "",
        f"请于{_day(report_by)}前通过督办看板报送上述工作的最新进展（完成值或任务状态、进展情况、存在问题及下步计划）。"
        "逾期未报的，将在调度会上通报。",
        "",
        f"{plan.meta.get('issuer', '')}督办室",
        _day(issued or date.today()),
    ]
    return "\n".join(lines)
