"""The state of a plan at one date: every target and task evaluated from the store."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Callable

import pandas as pd

from . import changes, review
from .periods import board_date, late, period_of
from .plan import Plan, is_open_list
from .projection import add_projection
from .settings import fixed_board_date, resolve
from .status import COMPLETED, evaluate_targets, evaluate_tasks, time_progress
from .store import Store, review_rows


@dataclass
class Snapshot:
    plan: Plan
    as_of: date
    targets: pd.DataFrame
    tasks: pd.DataFrame
    settings: dict[str, float]
    problems: pd.DataFrame  # every problem raised, with its current state
    has_samples: bool  # invented sample data (示例数据) counts in this snapshot
    pending: int = 0  # rows waiting for review (待审核)
    unreviewed: bool = False  # review is on and this snapshot counts the rows still waiting too (含未审核)
    # The plan's report history (target reports, task reports; reverted ones flagged), loaded only when read: it grows
    # with every report, and a snapshot cached between reruns must stay the size of one plan's latest values.
    history_source: Callable[[], tuple[pd.DataFrame, pd.DataFrame]] | None = field(default=None, repr=False,
                                                                                   compare=False)

    @property
    def time_progress(self) -> float:
        return time_progress(self.plan.start, self.plan.end, self.as_of)

    @property
    def history(self) -> pd.DataFrame:
        """Every target report of the plan, reverted ones flagged, oldest first."""
        return self.history_source()[0]

    @property
    def task_history(self) -> pd.DataFrame:
        """Every task report of the plan, reverted ones flagged, oldest first."""
        return self.history_source()[1]

    @property
    def reported_any(self) -> bool:
        return bool(self.targets["completion"].notna().any() or self.tasks["state"].notna().any())


def default_board_date(plan: Plan, store: Store, today: date | None = None) -> date:
    """The board date (统计截至) the store's plan is judged at unless someone picks another."""
    fixed = fixed_board_date(resolve(store.settings())["board_date"])
    return board_date(plan, today, fixed=fixed, sample_until=store.sample_until(plan.id))


def plan_in_force(plan: Plan, store: Store, as_of: date | None = None) -> Plan:
    """The plan as a snapshot at as_of (default: the board date) judges it: approved changes applied from their dates
    on, without evaluating anything."""
    return changes.in_force(plan, store, as_of or default_board_date(plan, store))


def _flag_late(items: pd.DataFrame, plan: Plan, as_of: date, today: date | None) -> pd.DataFrame:
    # Nothing is late before the report for the board's period is due.
    due = period_of(plan, as_of).due <= (today or date.today())
    return items.assign(late=[due and late(day, as_of, plan, status == COMPLETED)
                              for day, status in zip(items["submitted_on"], items["status"])])


_NONE_WAITING = pd.DataFrame({"kind": [], "item": [], "as_of": []})


def _submitted(targets: pd.DataFrame, tasks: pd.DataFrame, waiting: pd.DataFrame,
               as_of: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each item's submitted_on: the date of its newest report that counts or waits for review. A report waiting for
    the office is the unit's report sent: neither 未按期上报 nor chased, though its figure does not count yet."""
    waiting = waiting[waiting["as_of"] <= as_of]
    newest = waiting.groupby(["kind", "item"])["as_of"].max().to_dict()

    def later(day, kind: str, item) -> date | None:
        sent = newest.get((kind, str(item)))
        return max((d for d in (day, sent) if d is not None), default=None)

    targets = targets.assign(submitted_on=[later(d, "target", t) for d, t in
                                           zip(targets["reported_on"], targets["target_id"])])
    by_task = targets.dropna(subset=["submitted_on"]).groupby("task_id")["submitted_on"].max().to_dict()
    tasks = tasks.assign(submitted_on=[max((d for d in (later(day, "task", t), by_task.get(t)) if d is not None),
                                           default=None) for day, t in zip(tasks["reported_on"], tasks["task_id"])])
    return targets, tasks.astype({"submitted_on": object})


def _canonical_units(frame: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """The unit lists under their canonical names (区投资促进服务中心 where the notice wrote 区投资促进中心), as every
    page, export and slide shows them; the plan keeps the notice's words, and so does source_text."""
    def named(text: str) -> str:
        return "、".join(plan.units_of(text)) + ("等" if is_open_list(text) else "")
    columns = [c for c in ("lead_units", "participating_units") if c in frame]
    return frame.assign(**{c: frame[c].map(named) for c in columns})


def take(plan: Plan, store: Store, as_of: date | None = None, today: date | None = None,
         include_unreviewed: bool = False) -> Snapshot:
    """Evaluate the plan at as_of (default: the board date), each item flagged when it was not reported in time.
    While review is on only approved rows count (and are in the histories), unless `include_unreviewed`.

    The projection reads what counts of each target's history; the whole history is read only when asked for.
    """
    as_of = as_of or default_board_date(plan, store, today)
    plan = changes.in_force(plan, store, as_of)  # approved extensions and target changes, from their dates on
    settings = resolve(store.settings())
    reviewing = review.active(store, settings)
    states = review.counted(reviewing, include_unreviewed)
    counted = store.counted_target_reports(plan.id, as_of, states)  # one read of the plan's reports for both
    targets = evaluate_targets(plan, store.latest_of(counted), as_of, settings)
    targets = add_projection(targets, counted, plan.start, as_of, settings)
    tasks = evaluate_tasks(plan, targets, store.latest_task_reports(plan.id, as_of, states), as_of, settings)
    pending = review.pending(store, plan.id) if reviewing else 0
    waiting = review_rows(store, plan.id, (review.PENDING,)) if pending and not include_unreviewed else _NONE_WAITING
    targets, tasks = _submitted(targets, tasks, waiting, as_of)
    targets, tasks = _flag_late(targets, plan, as_of, today), _flag_late(tasks, plan, as_of, today)
    targets, tasks = _canonical_units(targets, plan), _canonical_units(tasks, plan)
    history = cache(lambda: (store.target_history(plan.id, review=states), store.task_history(plan.id, review=states)))
    return Snapshot(plan, as_of, targets, tasks, settings, store.problems(plan.id), store.has_samples(plan.id),
                    pending, reviewing and include_unreviewed, history)


STATUS_JSON_FIELDS = ["target_id", "task_id", "indicator", "target_value", "target_max", "unit", "direction",
                      "kind", "deadline", "lead_units", "schedule", "actual", "reported_on", "as_of", "completion",
                      "time_progress", "expected", "status", "late", "projected", "projected_completion",
                      "projected_status"]


def status_records(snapshot: Snapshot) -> list[dict]:
    """The per-target status objects of `python -m tracker status --json`."""
    records = []
    for row in snapshot.targets[STATUS_JSON_FIELDS].to_dict("records"):
        for key, value in row.items():
            if isinstance(value, date):
                row[key] = value.isoformat()
            elif isinstance(value, float) and pd.isna(value):
                row[key] = None
        for key in ("completion", "time_progress", "expected", "projected_completion"):
            row[key] = None if row[key] is None else round(row[key], 4)
        row["projected"] = None if row["projected"] is None else round(row["projected"], 4)
        row["schedule"] = row["schedule"] or "linear"
        records.append(row)
    return records
