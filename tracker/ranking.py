"""Assessment: a score per unit from the items it leads (and, apart, the tasks it takes part in), item by item.

A unit's lead score, 0–100, is
    100 × (weight_completion × C + weight_timeliness × T + weight_severe × (1 − S))
over the targets it leads and the tasks it leads that have no numeric target, where
- C is the mean, over those items, of the completion against the schedule, capped at 1 per item
  (a target: completion ÷ expected completion; a task tracked by its state: 1 when completed or on track,
  0.5 when lagging, 0 when severely behind or not reported);
- T is the share of those items reported within report_window_days before the as-of date;
- S is the share of those items severely behind.
The participating score is 100 × the mean status credit of the tasks the unit takes part in, shown beside
the lead score and not mixed into it.
"""
from __future__ import annotations

import pandas as pd

from .settings import resolve
from .snapshot import Snapshot
from .status import COMPLETED, LAGGING, ON_TRACK, SEVERE

STATUS_CREDIT = {COMPLETED: 1.0, ON_TRACK: 1.0, LAGGING: 0.5}
ITEM_COLUMNS = ["unit", "role", "item", "name", "status", "completion", "expected", "reported_on",
                "completion_part", "timely", "severe"]


def _credit(done, due, status) -> float:
    if done is None or pd.isna(done):
        return 0.0
    if due is None or pd.isna(due) or due <= 0:
        return 1.0
    return min(1.0, done / due)


def items(snapshot: Snapshot) -> pd.DataFrame:
    """Every item each unit is scored on, with what it contributes."""
    window = resolve(snapshot.settings)["report_window_days"]
    as_of = snapshot.as_of

    def timely(day) -> bool:
        return day is not None and not pd.isna(day) and 0 <= (as_of - day).days <= window

    rows = []
    for t in snapshot.targets.itertuples(index=False):
        for unit in t.lead_list:
            rows.append((unit, "lead", t.target_id, t.indicator, t.status, t.completion, t.expected, t.reported_on,
                         _credit(t.completion, t.expected, t.status), timely(t.reported_on), t.status == SEVERE))
    for k in snapshot.tasks.itertuples(index=False):
        credit = STATUS_CREDIT.get(k.status, 0.0)
        if k.targets == 0:
            for unit in k.lead_list:
                rows.append((unit, "lead", str(k.task_id), k.title, k.status, None, None, k.reported_on, credit,
                             timely(k.reported_on), k.status == SEVERE))
        for unit in k.participating_list:
            rows.append((unit, "participating", str(k.task_id), k.title, k.status, None, None, k.reported_on,
                         credit, timely(k.reported_on), k.status == SEVERE))
    return pd.DataFrame(rows, columns=ITEM_COLUMNS)


def scores(snapshot: Snapshot) -> pd.DataFrame:
    """One row per unit: lead score and its parts, participating score, overall rank and rank within its kind."""
    s = resolve(snapshot.settings)
    frame = items(snapshot)
    lead = frame[frame["role"] == "lead"].groupby("unit").agg(
        items=("item", "size"), completion_part=("completion_part", "mean"), timeliness_part=("timely", "mean"),
        severe_share=("severe", "mean"))
    lead["score"] = 100 * (s["weight_completion"] * lead["completion_part"]
                           + s["weight_timeliness"] * lead["timeliness_part"]
                           + s["weight_severe"] * (1 - lead["severe_share"]))
    part = frame[frame["role"] == "participating"].groupby("unit").agg(
        participating_items=("item", "size"), participating_score=("completion_part", "mean"))
    part["participating_score"] *= 100
    table = lead.join(part, how="outer").reset_index().rename(columns={"index": "unit"})
    kinds = snapshot.plan.departments.set_index("unit")["kind"]
    table["kind"] = table["unit"].map(kinds)
    table["items"] = table["items"].fillna(0).astype(int)
    table["participating_items"] = table["participating_items"].fillna(0).astype(int)
    table["rank"] = table["score"].rank(ascending=False, method="min")
    table["rank_in_kind"] = table.groupby("kind")["score"].rank(ascending=False, method="min")
    return table.sort_values(["rank", "unit"], na_position="last").reset_index(drop=True)


def movement(now: pd.DataFrame, before: pd.DataFrame) -> pd.Series:
    """Places gained since `before` per row of `now` (positive is up), None where a unit had no rank."""
    previous = before.set_index("unit")["rank"]
    return pd.Series([None if pd.isna(r) or pd.isna(previous.get(u)) else int(previous.get(u) - r)
                      for u, r in zip(now["unit"], now["rank"])], index=now.index, dtype=object)


def weights(settings: dict[str, float]) -> dict[str, float]:
    """The weights in force, for showing beside the scores."""
    s = resolve(settings)
    return {k: s[k] for k in ("weight_completion", "weight_timeliness", "weight_severe", "report_window_days")}
