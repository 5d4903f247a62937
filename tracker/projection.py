"""Year-end projection of each target from its reports so far.

Method: for a cumulative target on the straight-line schedule, a least-squares straight line through the reports
up to the as-of date (the newest report of each date), extended to the deadline; with a single report, its average
rate since plan start (from the baseline, or from zero). For a cumulative target with another schedule (quarterly
milestones, a named curve) the reports are measured against the schedule's pace instead: the year-end value is the
one for which the reports would have kept exactly to the schedule (a least-squares fit of progress = k × pace),
so a target that is on schedule is projected to complete. While the schedule expects nothing yet there is no
projection. A level target (a rate or share) is projected at its latest value.
The projected completion is then judged: 将完成 at 100% or more, 有风险 within the risk margin below it,
难完成 further below.
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from . import schedule
from .settings import resolve
from .status import completion

WILL_COMPLETE, AT_RISK, UNLIKELY = "will_complete", "at_risk", "unlikely"


def counted_history(history: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Reports that count at as_of: not reverted, on or before as_of, the newest of each target and date."""
    rows = history[~history["reverted"].astype(bool) & (history["as_of"] <= as_of)]
    return rows.drop_duplicates(["target_id", "as_of"], keep="last")


def project_value(points: list[tuple[date, float]], kind: str, start: date, deadline: date,
                  baseline: float | None = None, spec: str | None = None) -> float | None:
    """The value expected at the deadline from (date, value) reports under schedule `spec`, or None without
    reports."""
    if not points:
        return None
    points = sorted(points)
    if kind != "cumulative":
        return points[-1][1]
    if (schedule.parse(spec) or ("linear",))[0] != "linear":
        base = baseline or 0.0
        paces = [schedule.pace(spec, start, deadline, d) for d, _ in points]
        if not any(paces):
            return None
        return base + sum(p * (v - base) for p, (_, v) in zip(paces, points)) / sum(p * p for p in paces)
    days = [(d - start).days + 1 for d, _ in points]
    values = [v for _, v in points]
    horizon = (deadline - start).days + 1
    if len(points) == 1 or len(set(days)) == 1:
        base = baseline or 0.0
        return base + (values[-1] - base) * horizon / max(days[-1], 1)
    n = len(points)
    mean_x, mean_y = sum(days) / n, sum(values) / n
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(days, values)) / sum((x - mean_x) ** 2 for x in days)
    return mean_y + slope * (horizon - mean_x)


def projected_status(done: float | None, settings: dict[str, float] | None = None) -> str | None:
    """将完成 / 有风险 / 难完成 for a projected completion; None without one."""
    if done is None:
        return None
    if done >= 1 - 1e-9:
        return WILL_COMPLETE
    return AT_RISK if done >= 1 - resolve(settings)["projection_risk"] else UNLIKELY


def _decimals(target_value: float) -> int:
    """Decimals of a target value as written (85 -> 0, 8.5 -> 1, 1.28 -> 2): an estimate is no more precise."""
    text = f"{target_value:.2f}".rstrip("0")
    return len(text) - text.index(".") - 1


def add_projection(targets: pd.DataFrame, history: pd.DataFrame, start: date, as_of: date,
                   settings: dict[str, float] | None = None) -> pd.DataFrame:
    """targets with `projected` (value at the deadline, to the precision of the target value),
    `projected_completion` and `projected_status`."""
    counted = counted_history(history, as_of)
    by_target = {tid: list(zip(rows["as_of"], rows["actual"])) for tid, rows in counted.groupby("target_id")}
    values, dones, statuses = [], [], []
    for t in targets.itertuples(index=False):
        baseline = None if pd.isna(t.baseline) else float(t.baseline)
        value = project_value(by_target.get(t.target_id, []), t.kind, start, t.deadline, baseline, t.schedule)
        done = None if value is None else completion(value, t.target_value, t.direction, baseline)
        values.append(None if value is None else round(value, _decimals(t.target_value)))
        dones.append(done)
        statuses.append(projected_status(done, settings))
    return targets.assign(projected=values, projected_completion=dones, projected_status=statuses)
