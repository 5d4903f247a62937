"""Assessment: a score per unit from the items it leads (and, apart, the tasks it takes part in), item by item.

A unit's lead score, 0–100, is
    100 × (weight_completion × C + weight_timeliness × T + weight_severe × (1 − S))
over the targets it leads and the tasks it leads that have no numeric target, where
- C is the mean, over those items, of each item's credit:
  a target (a measured item): completion ÷ expected completion, capped at 1, and 0 while no figure is reported;
  a task tracked only by the state its unit declares (no figure): declared_share × (1 when completed or on track,
  0.5 when lagging, 0 when severely behind or not reported), so a declaration earns at most that share of what a
  measured item earns;
- T is punctuality: the mean, over those items, of the share of the reporting periods so far (through the board's
  period) in which the item had a report dated inside the period; a completed item owes none after completion;
- S is the share of those items severely behind.
Units that lead no measured item (only tasks they declare about themselves) are ranked in a group of their own,
placed after the units that lead targets, so no unit tops the ranking without a figure.
The participating score is 100 × the mean status credit of the tasks the unit takes part in, shown beside
the lead score and not mixed into it.
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from .periods import periods
from .settings import resolve
from .snapshot import Snapshot
from .status import COMPLETED, LAGGING, ON_TRACK, SEVERE

STATUS_CREDIT = {COMPLETED: 1.0, ON_TRACK: 1.0, LAGGING: 0.5}
MEASURED, DECLARED = "measured", "declared"
ITEM_COLUMNS = ["unit", "role", "item", "name", "measure", "status", "completion", "expected", "reported_on",
                "completion_part", "punctuality", "severe"]


def _credit(done, due, status) -> float:
    if done is None or pd.isna(done):
        return 0.0
    if due is None or pd.isna(due) or due <= 0:
        return 1.0
    return min(1.0, done / due)


def _report_dates(history: pd.DataFrame, key: str, as_of: date) -> dict:
    counted = history[~history["reverted"].astype(bool) & (history["as_of"] <= as_of)] if len(history) else history
    return counted.groupby(key)["as_of"].apply(list).to_dict() if len(counted) else {}


def _punctuality(days: list[date], spans: list[tuple[date, date]], done: bool) -> float:
    """Share of the periods with a report dated inside them; once completed, the later periods count as kept."""
    kept = 0
    for start, end in spans:
        if any(start <= d <= end for d in days) or (done and days and max(days) < start):
            kept += 1
    return kept / len(spans) if spans else 1.0


def items(snapshot: Snapshot) -> pd.DataFrame:
    """Every item each unit is scored on, with what it contributes."""
    share = resolve(snapshot.settings)["declared_share"]
    as_of = snapshot.as_of
    spans = [(p.start, min(p.end, as_of)) for p in periods(snapshot.plan) if p.start <= as_of]
    target_days = _report_dates(snapshot.history, "target_id", as_of)
    task_days = _report_dates(snapshot.task_history, "task_id", as_of)
    rows = []
    for t in snapshot.targets.itertuples(index=False):
        kept = _punctuality(target_days.get(t.target_id, []), spans, t.status == COMPLETED)
        for unit in t.lead_list:
            rows.append((unit, "lead", t.target_id, t.indicator, MEASURED, t.status, t.completion, t.expected,
                         t.reported_on, _credit(t.completion, t.expected, t.status), kept, t.status == SEVERE))
    for k in snapshot.tasks.itertuples(index=False):
        credit = STATUS_CREDIT.get(k.status, 0.0)
        if k.targets == 0:
            kept = _punctuality(task_days.get(k.task_id, []), spans, k.status == COMPLETED)
            for unit in k.lead_list:
                rows.append((unit, "lead", str(k.task_id), k.title, DECLARED, k.status, None, None, k.reported_on,
                             share * credit, kept, k.status == SEVERE))
        for unit in k.participating_list:
            rows.append((unit, "participating", str(k.task_id), k.title, DECLARED, k.status, None, None,
                         k.reported_on, credit, None, k.status == SEVERE))
    return pd.DataFrame(rows, columns=ITEM_COLUMNS)


def scores(snapshot: Snapshot) -> pd.DataFrame:
    """One row per unit: lead score and its parts, participating score, its group, and its rank overall and within
    its kind (units that lead no measured item ranked after the others)."""
    s = resolve(snapshot.settings)
    frame = items(snapshot)
    lead_items = frame[frame["role"] == "lead"].assign(measured=lambda f: f["measure"] == MEASURED)
    lead = lead_items.groupby("unit").agg(
        items=("item", "size"), measured_items=("measured", "sum"), completion_part=("completion_part", "mean"),
        timeliness_part=("punctuality", "mean"), severe_share=("severe", "mean"))
    lead["score"] = 100 * (s["weight_completion"] * lead["completion_part"]
                           + s["weight_timeliness"] * lead["timeliness_part"]
                           + s["weight_severe"] * (1 - lead["severe_share"]))
    part = frame[frame["role"] == "participating"].groupby("unit").agg(
        participating_items=("item", "size"), participating_score=("completion_part", "mean"))
    part["participating_score"] *= 100
    table = lead.join(part, how="outer").reset_index().rename(columns={"index": "unit"})
    kinds = snapshot.plan.departments.set_index("unit")["kind"]
    table["kind"] = table["unit"].map(kinds)
    for column in ("items", "measured_items", "participating_items"):
        table[column] = table[column].fillna(0).astype(int)
    table["group"] = [MEASURED if n else DECLARED if i else None
                      for n, i in zip(table["measured_items"], table["items"])]
    # Rank by group first (measured before declared), then by score: a key that keeps the groups apart.
    key = table["score"] - table["group"].map({MEASURED: 0, DECLARED: 1000})
    table["rank"] = key.rank(ascending=False, method="min")
    table["rank_in_kind"] = key.groupby(table["kind"]).rank(ascending=False, method="min")
    return table.sort_values(["rank", "unit"], na_position="last").reset_index(drop=True)


def movement(now: pd.DataFrame, before: pd.DataFrame) -> pd.Series:
    """Places gained since `before` per row of `now` (positive is up), None where a unit had no rank."""
    previous = before.set_index("unit")["rank"]
    return pd.Series([None if pd.isna(r) or pd.isna(previous.get(u)) else int(previous.get(u) - r)
                      for u, r in zip(now["unit"], now["rank"])], index=now.index, dtype=object)


def weights(settings: dict[str, float]) -> dict[str, float]:
    """The weights in force, for showing beside the scores."""
    s = resolve(settings)
    return {k: s[k] for k in ("weight_completion", "weight_timeliness", "weight_severe", "declared_share")}
