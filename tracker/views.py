"""What each page shows, computed from a snapshot: pure functions whose results the UI may cache."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from . import charts
from .i18n import t
from .snapshot import Snapshot
from .status import overall_completion, status_counts, summarize, unit_overview
from .values import COUNTED_UNITS


def led_by(frame: pd.DataFrame, unit: str | None) -> pd.DataFrame:
    """Rows (tasks or targets) led by `unit`; all rows when unit is None."""
    return frame if unit is None else frame[frame["lead_list"].map(lambda units: unit in units)]


def chapter_titles(snapshot: Snapshot) -> dict[int, str]:
    """Chapter number -> title, in order."""
    tasks = snapshot.plan.tasks
    return dict(zip(tasks["chapter"], tasks["chapter_title"]))


def _matches(haystack: pd.Series, query: str, snapshot: Snapshot) -> pd.Series:
    """Rows containing the query or, when it names a unit, any name of that unit (区发改局 finds 区发展和改革局)."""
    found = haystack.str.contains(query, regex=False)
    canonical = snapshot.plan.canonical(query)
    for name in (n for n, unit in snapshot.plan.aliases.items() if canonical and unit == canonical and len(n) > 2):
        found |= haystack.str.contains(name, regex=False)
    return found


@dataclass
class Overview:
    tasks: int
    targets: int
    counts: dict[str, int]
    task_counts: dict[str, int]
    untargeted_chapters: list[int]
    gauge: go.Figure
    donut: go.Figure
    chapters: go.Figure | None


def overview(snapshot: Snapshot, unit: str | None, lang: str) -> Overview:
    """Headline counts and the three overview figures, for one unit or all."""
    targets, tasks = led_by(snapshot.targets, unit), led_by(snapshot.tasks, unit)
    counts = status_counts(targets)
    chapters = summarize(targets, "chapter", snapshot.settings)
    chapter_figure = None
    if not chapters.empty:
        titles = chapter_titles(snapshot)
        chapters["label"] = [f"{c}. {titles[c]}" for c in chapters["chapter"]]
        chapter_figure = charts.completion_bars(chapters, "label", snapshot.time_progress, t("by_chapter", lang), lang)
    untargeted = sorted(set(tasks["chapter"]) - set(targets["chapter"]))
    return Overview(len(tasks), len(targets), counts, status_counts(tasks), untargeted,
                    charts.overall_gauge(overall_completion(targets), snapshot.time_progress, lang),
                    charts.status_donut(counts, lang), chapter_figure)


@dataclass
class Units:
    table: pd.DataFrame
    completion: go.Figure
    statuses: go.Figure


def units(snapshot: Snapshot, lang: str) -> Units:
    """Every lead unit ranked, with the completion and status charts of those that lead targets."""
    table = unit_overview(snapshot.targets, snapshot.tasks, snapshot.plan.departments)
    with_targets = table[table["targets"] > 0]
    return Units(table,
                 charts.completion_bars(with_targets, "lead_unit", snapshot.time_progress,
                                        t("completion_by_unit", lang), lang),
                 charts.status_stack(with_targets, "lead_unit", t("status_counts_by_unit", lang), lang))


def tasks(snapshot: Snapshot, unit: str | None, query: str, chapters: tuple, statuses: tuple) -> pd.DataFrame:
    """Tasks led by `unit` whose title, text or units contain `query`, in the chapters and statuses given."""
    frame = led_by(snapshot.tasks, unit)
    if query:
        haystack = frame["title"] + frame["text"] + frame["lead_units"] + frame["participating_units"]
        frame = frame[_matches(haystack, query, snapshot)]
    if chapters:
        frame = frame[frame["chapter"].isin(chapters)]
    if statuses:
        frame = frame[frame["status"].isin(statuses)]
    return frame


def targets(snapshot: Snapshot, unit: str | None, query: str, chapters: tuple, statuses: tuple,
            order: str) -> pd.DataFrame:
    """Targets filtered like tasks(); ordered by ID or by completion, lowest (and unreported) first."""
    frame = led_by(snapshot.targets, unit)
    if query:
        frame = frame[_matches(frame["indicator"] + frame["source_text"] + frame["lead_units"], query, snapshot)]
    if chapters:
        frame = frame[frame["chapter"].isin(chapters)]
    if statuses:
        frame = frame[frame["status"].isin(statuses)]
    if order == "completion":
        frame = frame.sort_values("completion", na_position="first", kind="stable")
    return frame


def gauges(snapshot: Snapshot, unit: str | None, query: str, chapters: tuple, statuses: tuple, order: str,
           lang: str) -> list[go.Figure]:
    """The gauges of the targets chosen as in targets(), a few to a figure (see charts.GAUGES_PER_FIGURE)."""
    frame = targets(snapshot, unit, query, chapters, statuses, order)
    step = charts.GAUGES_PER_FIGURE
    return [charts.gauge_grid(frame.iloc[i:i + step], lang) for i in range(0, len(frame), step)]


def task_history(snapshot: Snapshot, task_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The reports up to the as-of date of one task's targets and of the task itself (the ledger's detail): read
    once per snapshot and task, not on every run, since a city's plan holds a long history."""
    targets = snapshot.plan.targets.loc[snapshot.plan.targets["task_id"] == task_id, "target_id"]
    history, tasks = snapshot.history, snapshot.task_history
    return (history[history["target_id"].isin(targets) & (history["as_of"] <= snapshot.as_of)],
            tasks[(tasks["task_id"] == task_id) & (tasks["as_of"] <= snapshot.as_of)])


def history_figure(snapshot: Snapshot, target_id: str, lang: str) -> go.Figure | None:
    """The reported history of one target as a line with its target, or None before any report."""
    history = snapshot.history
    rows = history[(history["target_id"] == target_id) & (history["as_of"] <= snapshot.as_of)]
    if rows.empty:
        return None
    target = snapshot.plan.targets.set_index("target_id").loc[target_id]
    return charts.history_line(rows, target["target_value"], target["unit"], lang)


def behind(snapshot: Snapshot, unit: str | None) -> pd.DataFrame:
    """Targets lagging or severely behind, the furthest behind their schedule first, with the gaps in their units.

    due: the value the schedule expects by now (rounded up for things counted whole); short_of_due /
    short_of_target: how much is still missing (for a lower-is-better target, how much must still come off).
    """
    frame = led_by(snapshot.targets, unit)
    frame = frame[frame["status"].isin(["lagging", "severe"])].copy()
    frame["behind"] = frame["expected"] - frame["completion"]
    higher = frame["direction"] == "higher"
    due = frame["target_value"] * frame["expected"].where(higher, 1.0)
    counted = frame["unit"].isin(COUNTED_UNITS)
    frame["due"] = due.where(~counted, np.ceil(due - 1e-9))
    frame["short_of_due"] = (frame["due"] - frame["actual"]).where(higher, frame["actual"] - frame["due"])
    frame["short_of_target"] = (frame["target_value"] - frame["actual"]).where(higher,
                                                                               frame["actual"] - frame["target_value"])
    return frame.sort_values("behind", ascending=False)


def tasks_behind(snapshot: Snapshot, unit: str | None) -> pd.DataFrame:
    """Tasks whose rolled-up status is lagging or severe, severe first."""
    frame = led_by(snapshot.tasks, unit)
    frame = frame[frame["status"].isin(["lagging", "severe"])]
    return frame.sort_values(["status", "task_id"], ascending=[False, True])


def problems(snapshot: Snapshot, unit: str | None = None, task_id: int | None = None) -> pd.DataFrame:
    """Problems with their task, lead units, age at the as-of date and whether they are overdue."""
    from .problem_list import OPEN_PROBLEM_STATES
    from .settings import resolve

    frame = snapshot.problems.copy()
    tasks = snapshot.plan.tasks.set_index("task_id")
    frame["title"] = frame["task_id"].map(tasks["title"])
    frame["lead_units"] = frame["task_id"].map(tasks["lead_units"])
    frame["lead_list"] = frame["task_id"].map(tasks["lead_list"])
    frame["open"] = frame["state"].isin(OPEN_PROBLEM_STATES)
    frame["age"] = [(snapshot.as_of - d).days for d in frame["raised_on"]]
    frame["overdue"] = frame["open"] & (frame["age"] > resolve(snapshot.settings)["problem_overdue_days"])
    frame = frame[frame["raised_on"] <= snapshot.as_of]
    if task_id is not None:
        frame = frame[frame["task_id"] == task_id]
    if unit is not None:
        frame = frame[frame["lead_list"].map(lambda units: unit in units) | (frame["unit"] == unit)]
    return frame


def trend(snapshot: Snapshot, target_id: str, lang: str) -> go.Figure:
    """One target's reports with its target, its schedule and the projection to the deadline."""
    from . import schedule

    target = snapshot.targets.set_index("target_id").loc[target_id]
    rows = snapshot.history[(snapshot.history["target_id"] == target_id) & (snapshot.history["as_of"] <= snapshot.as_of)]
    start, deadline = snapshot.plan.start, target["deadline"]
    days = pd.date_range(start, deadline, freq="7D").date.tolist() + [deadline]
    due = [(d, target["target_value"] * schedule.expected(target["schedule"], start, deadline, d)) for d in days] \
        if target["kind"] == "cumulative" and target["direction"] == "higher" else []
    projection = None
    if not pd.isna(target["projected"]) and target["reported_on"] is not None:
        projection = (target["reported_on"], target["actual"], deadline, target["projected"])
    return charts.trend_line(rows, target["target_value"], target["unit"], due, projection,
                             schedule.label(target["schedule"], lang), lang, span=(start, deadline))
