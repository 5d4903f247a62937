"""Status rules: time progress, completion, status per target and task, and roll-ups."""
from __future__ import annotations

import math
from datetime import date

import pandas as pd

from . import schedule
from .plan import Plan
from .schedule import time_progress
from .settings import resolve

NOT_REPORTED, COMPLETED, ON_TRACK, LAGGING, SEVERE = "not_reported", "completed", "on_track", "lagging", "severe"
STATUSES = (COMPLETED, ON_TRACK, LAGGING, SEVERE, NOT_REPORTED)
# How bad a status is, for rolling several up into one: the worst reported one wins.
SEVERITY = {COMPLETED: 0, ON_TRACK: 1, LAGGING: 2, SEVERE: 3}

NOT_STARTED, IN_PROGRESS, DONE = "not_started", "in_progress", "done"
TASK_STATES = (NOT_STARTED, IN_PROGRESS, DONE)


def completion(actual: float | None, target: float, direction: str, baseline: float | None = None) -> float | None:
    """How much of the target is reached (1.0 = reached); None when nothing is reported."""
    if actual is None or (isinstance(actual, float) and math.isnan(actual)):
        return None
    if baseline is not None and not (isinstance(baseline, float) and math.isnan(baseline)):
        gap = target - baseline
        if gap == 0:
            return 1.0
        return max(0.0, (actual - baseline) / gap)
    if direction == "lower":
        if actual <= target:
            return 1.0
        return target / actual if actual > 0 else 0.0
    if target == 0:
        return 1.0 if actual >= 0 else 0.0
    return max(0.0, actual / target)


def expected_share(kind: str, spec: str | None, start: date, deadline: date, as_of: date) -> float:
    """What completion a target should have reached by as_of: its schedule (the straight line of time
    progress unless the plan gives another) for a cumulative target; 100% all year for a level target,
    unless the plan gives it a schedule."""
    if kind == "cumulative" or schedule.parse(spec) not in (None, ("linear", ())):
        return schedule.expected(spec, start, deadline, as_of)
    return 1.0


def target_status(done: float | None, expected: float, past_deadline: bool,
                  settings: dict[str, float] | None = None) -> str:
    """Status of one target from its completion and the completion expected by now."""
    if done is None:
        return NOT_REPORTED
    if done >= 1 - 1e-9:
        return COMPLETED
    if past_deadline:
        return SEVERE
    s = resolve(settings)
    behind = expected - done
    if behind <= s["tolerance"] + 1e-9:
        return ON_TRACK
    if behind <= s["tolerance"] + s["severe_margin"] + 1e-9:
        return LAGGING
    return SEVERE


def task_state_status(state: str | None, progress: float, past_deadline: bool,
                      settings: dict[str, float] | None = None) -> str:
    """Status of a task from its own reported state (未启动 / 推进中 / 已完成)."""
    if state is None:
        return NOT_REPORTED
    if state == DONE:
        return COMPLETED
    if past_deadline:
        return SEVERE
    if state == NOT_STARTED and progress > resolve(settings)["not_started_grace"]:
        return LAGGING
    return ON_TRACK


def roll_up(statuses: list[str]) -> str:
    """One status for several: completed only when all are; else the worst reported; else not reported."""
    reported = [s for s in statuses if s != NOT_REPORTED]
    if not reported:
        return NOT_REPORTED
    if len(reported) == len(statuses) and all(s == COMPLETED for s in reported):
        return COMPLETED
    worst = max(reported, key=SEVERITY.__getitem__)
    return ON_TRACK if worst == COMPLETED else worst


def evaluate_targets(plan: Plan, latest: pd.DataFrame, as_of: date,
                     settings: dict[str, float] | None = None) -> pd.DataFrame:
    """One row per target with actual, completion, time progress and status at as_of.

    `latest` holds at most one report per target (the one in force at as_of).
    """
    frame = plan.targets.merge(latest.rename(columns={"as_of": "reported_on"}), on="target_id", how="left")
    rows = []
    for t in frame.itertuples(index=False):
        actual = None if pd.isna(t.actual) else float(t.actual)
        baseline = None if pd.isna(t.baseline) else float(t.baseline)
        done = completion(actual, t.target_value, t.direction, baseline)
        progress = time_progress(plan.start, t.deadline, as_of)
        expected = expected_share(t.kind, t.schedule, plan.start, t.deadline, as_of)
        status = target_status(done, expected, as_of > t.deadline, settings)
        rows.append((actual, done, progress, expected, status))
    out = pd.DataFrame(rows, columns=["actual", "completion", "time_progress", "expected", "status"],
                       index=frame.index)
    result = pd.concat([frame.drop(columns=["actual"]), out], axis=1)
    result["reported_on"] = result["reported_on"].astype(object).where(result["reported_on"].notna(), None)
    result["as_of"] = as_of
    result["note"] = result["note"].fillna("") if "note" in result else ""
    return result


def evaluate_tasks(plan: Plan, targets: pd.DataFrame, task_reports: pd.DataFrame, as_of: date,
                   settings: dict[str, float] | None = None) -> pd.DataFrame:
    """One row per task: its targets' statuses and its own reported state rolled up, the state judged against the
    task's deadline (the plan's end unless an approved extension moved it, changes.in_force)."""
    reports = task_reports.set_index("task_id").to_dict("index")  # plain dicts: a lookup per task
    by_task = targets.groupby("task_id")["status"].apply(list).to_dict()
    last_target_report = targets.dropna(subset=["reported_on"]).groupby("task_id")["reported_on"].max().to_dict()
    tasks = plan.tasks if "deadline" in plan.tasks else plan.tasks.assign(deadline=plan.end, change_note="")
    rows = []
    for t in tasks.itertuples(index=False):
        report = reports.get(t.task_id)
        state = None if report is None or pd.isna(report["state"]) else report["state"] or None
        statuses = list(by_task.get(t.task_id, []))
        if state is not None or not statuses:
            progress = time_progress(plan.start, t.deadline, as_of)
            statuses.append(task_state_status(state, progress, as_of > t.deadline, settings))
        rows.append({
            "task_id": t.task_id,
            "targets": len(by_task.get(t.task_id, [])),
            "state": state,
            "reported_on": max([d for d in (last_target_report.get(t.task_id),
                                            None if report is None else report["as_of"]) if d is not None],
                               default=None),
            "progress_text": "" if report is None else report["progress"],
            "problems_text": "" if report is None else report["problems"],
            "next_steps": "" if report is None else report["next_steps"],
            "status": roll_up(statuses),
        })
    result = tasks.merge(pd.DataFrame(rows), on="task_id")
    # Missing values stay None (not NaN) so that pages and JSON can test them plainly.
    return result.astype({"state": object, "reported_on": object}).where(result.notna(), None)


def capped(series: pd.Series) -> pd.Series:
    """Completion capped at 100%, so one over-achiever cannot hide the others in an average."""
    return series.clip(upper=1.0)


def status_counts(frame: pd.DataFrame) -> dict[str, int]:
    """Number of rows in each status, every status present."""
    counts = frame["status"].value_counts()
    return {s: int(counts.get(s, 0)) for s in STATUSES}


def summarize(frame: pd.DataFrame, by: str, settings: dict[str, float] | None = None) -> pd.DataFrame:
    """Per group: targets, reported, average (capped) completion, the average completion due of the reported
    ones, the status that average earns against it (for colouring a bar), and the count per status."""
    if frame.empty:
        return pd.DataFrame(columns=[by, "targets", "reported", "avg_completion", "avg_expected", "status",
                                     *STATUSES])
    grouped = frame.groupby(by, sort=False)
    reported = frame[frame["completion"].notna()].groupby(by, sort=False)
    out = pd.DataFrame({
        "targets": grouped.size(),
        "reported": grouped["completion"].count(),
        "avg_completion": reported["completion"].apply(lambda s: capped(s).mean()),
        "avg_expected": reported["expected"].mean(),
    })
    out["status"] = [NOT_REPORTED if pd.isna(done) else target_status(done, due, False, settings)
                     for done, due in zip(out["avg_completion"], out["avg_expected"])]
    counts = frame.pivot_table(index=by, columns="status", aggfunc="size", fill_value=0)
    for s in STATUSES:
        out[s] = counts[s] if s in counts else 0
    return out.reset_index()


def by_unit(frame: pd.DataFrame) -> pd.DataFrame:
    """summarize() per lead unit; a target with several lead units counts for each."""
    exploded = frame.explode("lead_list").rename(columns={"lead_list": "lead_unit"})
    return summarize(exploded.dropna(subset=["lead_unit"]), "lead_unit")


def unit_overview(targets: pd.DataFrame, tasks: pd.DataFrame, departments: pd.DataFrame) -> pd.DataFrame:
    """Every unit that leads a task: kind, tasks and targets led, average completion, status counts,
    best first (units without reported targets last)."""
    led = tasks.explode("lead_list").dropna(subset=["lead_list"])
    frame = pd.DataFrame({"lead_unit": led["lead_list"].unique()})
    frame = frame.merge(by_unit(targets), on="lead_unit", how="left")
    frame["tasks_led"] = frame["lead_unit"].map(led.groupby("lead_list").size()).astype(int)
    for column in ["targets", "reported", *STATUSES]:
        frame[column] = frame[column].fillna(0).astype(int)
    frame["kind"] = frame["lead_unit"].map(departments.set_index("unit")["kind"])
    frame["rank"] = frame["avg_completion"].astype(float).rank(ascending=False, method="min")
    return frame.sort_values(["rank", "targets"], ascending=[True, False], na_position="last").reset_index(drop=True)


def overall_completion(frame: pd.DataFrame) -> float | None:
    """Average capped completion of the reported targets, or None when none is reported."""
    reported = frame["completion"].dropna()
    return float(capped(reported).mean()) if len(reported) else None
