"""Extensions and target changes (延期/调整申请): a unit asks for a new deadline or target value with a reason; once
the office approves it, it counts from the approval date on, and the plan as written keeps the old one."""
from __future__ import annotations

import dataclasses
from datetime import date, datetime

import pandas as pd
from sqlalchemy import text

from .plan import Plan
from .store import Store, write_audit
from .values import parse_date

FIELDS = {"deadline": "截止日期", "target_value": "目标值"}


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def _new_value(plan: Plan, target: pd.Series, field: str, value: str) -> str:
    if field == "deadline":
        day = parse_date(value)
        if day is None or not plan.start <= day:
            raise ValueError(f"新的截止日期“{value}”应是 {plan.start} 以后的日期，形如 2024-06-30")
        if day == target["deadline"]:
            raise ValueError(f"新的截止日期与现在的相同（{day}）")
        return day.isoformat()
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"新的目标值“{value}”应为数字（单位 {target['unit']}）") from None
    if number == float(target["target_value"]):
        raise ValueError(f"新的目标值与现在的相同（{number:g}）")
    return f"{number:g}"


def request(store: Store, plan: Plan, target_id: str, field: str, value: str, reason: str, by: str | None,
            unit: str | None = None) -> int:
    """Ask for a new deadline or target value of a target, with a reason; returns the request's number. ValueError
    for an unknown target or field, a value that is no date or number, or no reason."""
    targets = plan.targets.set_index("target_id")
    if target_id not in targets.index:
        raise ValueError(f"{target_id} 不是本计划的指标编号")
    if field not in FIELDS:
        raise ValueError(f"申请的内容应为 {'、'.join(FIELDS)} 之一")
    if not reason.strip():
        raise ValueError("申请须写明理由")
    target = targets.loc[target_id]
    old = target["deadline"].isoformat() if field == "deadline" else f"{float(target['target_value']):g}"
    new = _new_value(plan, target, field, value)
    with store.transaction() as conn:
        number = conn.execute(text(
            "INSERT INTO change_requests (plan_id, target_id, field, old_value, new_value, reason, unit,"
            " requested_at, requested_by) VALUES (:plan_id, :target_id, :field, :old, :new, :reason, :unit, :at, :by)"
            " RETURNING id"), dict(plan_id=plan.id, target_id=target_id, field=field, old=old, new=new,
                                   reason=reason.strip(), unit=unit, at=_now(), by=by)).scalar_one()
        write_audit(conn, by, "change_request", f"#{number} {target_id} {field}: {old} → {new}")
    return number


def decide(store: Store, number: int, approve: bool, by: str | None, note: str = "",
           effective: date | None = None) -> None:
    """Approve (from `effective`, default today) or refuse a pending request, audited; ValueError when there is no
    such pending request, or a refusal without a reason."""
    if not approve and not note.strip():
        raise ValueError("不同意须写明理由")
    with store.transaction() as conn:
        row = conn.execute(text(
            "UPDATE change_requests SET state = :state, decided_at = :at, decided_by = :by, decision_note = :note,"
            " effective = :effective WHERE id = :id AND state = 'pending' RETURNING target_id"),
            dict(state="approved" if approve else "refused", at=_now(), by=by, note=note.strip(), id=int(number),
                 effective=(effective or date.today()).isoformat() if approve else None)).first()
        if row is None:
            raise ValueError(f"没有编号为 {number} 的待审批申请")
        write_audit(conn, by, "change_approve" if approve else "change_refuse", f"#{number} {row[0]}")


def listing(store: Store, plan_id: str, state: str | None = None) -> pd.DataFrame:
    """The requests of a plan, oldest first (all, or those in one state: pending, approved, refused)."""
    sql = "SELECT * FROM change_requests WHERE plan_id = :plan_id"
    params = {"plan_id": plan_id}
    if state is not None:
        sql += " AND state = :state"
        params["state"] = state
    return store._frame(sql + " ORDER BY id", **params)


def pending_requests(store: Store, plan_id: str) -> pd.DataFrame:
    """The requests waiting for the office's decision, oldest first, each with what it asks in words
    (期限 2023-06-30 → 2023-09-30, 目标 120 → 100)."""
    frame = listing(store, plan_id, "pending")
    words = {"deadline": "期限", "target_value": "目标"}
    return frame.assign(asked=[f"{words.get(f, f)} {old} → {new}"
                               for f, old, new in zip(frame["field"], frame["old_value"], frame["new_value"])])


def in_force(plan: Plan, store: Store, as_of: date) -> Plan:
    """The plan as it stands at as_of: every change approved on or before that date applied (the latest per target
    and field wins), each changed target carrying the words that say so (原目标 120 → 调整后 100，2023-08-15 批准)."""
    approved = listing(store, plan.id, "approved")
    approved = approved[approved["effective"] <= as_of.isoformat()]
    if approved.empty:
        return plan
    targets = plan.targets.copy()
    notes: dict[str, list[str]] = {}
    for change in approved.sort_values(["effective", "id"]).itertuples(index=False):
        at = targets.index[targets["target_id"] == change.target_id]
        if change.field == "deadline":
            targets.loc[at, "deadline"] = date.fromisoformat(change.new_value)
        else:
            targets.loc[at, "target_value"] = float(change.new_value)
        notes.setdefault(change.target_id, []).append(shown(change))
    targets["change_note"] = targets["target_id"].map(lambda t: "；".join(notes.get(t, [])))
    return dataclasses.replace(plan, targets=targets)


def shown(change) -> str:
    """A change in words: 原目标 120 → 调整后 100，2023-08-15 批准 (or 原截止日期 …)."""
    name = "目标" if change.field == "target_value" else "截止日期"
    return f"原{name} {change.old_value} → 调整后 {change.new_value}，{change.effective} 批准"
