"""Extensions and target changes (延期/调整申请): a unit asks for a new deadline or target value of a target, or a new
deadline of a task, with a reason; once the office approves it, it counts from the approval date on, and the plan as
written keeps the old one."""
from __future__ import annotations

import dataclasses
from datetime import date, datetime

import pandas as pd
from sqlalchemy import text

from .formats import item as item_name
from .i18n import t
from .plan import Plan
from .store import Store, write_audit
from .values import parse_date

FIELDS = {"deadline": "截止日期", "target_value": "目标值"}
KINDS = ("target", "task")


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def task_deadline(plan: Plan, task_id: int) -> date:
    """A task's deadline as the plan stands: the plan's end unless an approved extension (in_force) moved it."""
    if "deadline" not in plan.tasks:
        return plan.end
    return plan.tasks.set_index("task_id").at[int(task_id), "deadline"]


def _new_deadline(plan: Plan, value: str, current: date) -> str:
    day = parse_date(value)
    if day is None or not plan.start <= day:
        raise ValueError(f"新的截止日期“{value}”应是 {plan.start} 以后的日期，形如 2024-06-30")
    if day == current:
        raise ValueError(f"新的截止日期与现在的相同（{day}）")
    return day.isoformat()


def _new_target_value(value: str, current: float, unit: str) -> str:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"新的目标值“{value}”应为数字（单位 {unit}）") from None
    if number == current:
        raise ValueError(f"新的目标值与现在的相同（{number:g}）")
    return f"{number:g}"


def _old_and_new(plan: Plan, kind: str, item: str, field: str, value: str) -> tuple[str, str]:
    """The value in force and the one asked for, as text; ValueError for an item or field the plan has not."""
    if field not in FIELDS:
        raise ValueError(f"申请的内容应为 {'、'.join(FIELDS)} 之一")
    if kind == "task":
        if not str(item).isdigit() or int(item) not in set(plan.tasks["task_id"]):
            raise ValueError(f"{item} 不是本计划的任务序号")
        if field != "deadline":
            raise ValueError(f"任务 {item} 只能申请延期（新的截止日期）；目标值的调整请对其指标申请")
        current = task_deadline(plan, int(item))
        return current.isoformat(), _new_deadline(plan, value, current)
    targets = plan.targets.set_index("target_id")
    if item not in targets.index:
        raise ValueError(f"{item} 不是本计划的指标编号")
    target = targets.loc[item]
    if field == "deadline":
        return target["deadline"].isoformat(), _new_deadline(plan, value, target["deadline"])
    current = float(target["target_value"])
    return f"{current:g}", _new_target_value(value, current, target["unit"])


def request(store: Store, plan: Plan, item: str | int, field: str, value: str, reason: str, by: str | None,
            unit: str | None = None, kind: str = "target") -> int:
    """Ask for a new deadline or target value of a target, or a new deadline of a task (kind "task", item its
    number), with a reason; returns the request's number. ValueError for an unknown target, task or field, a value
    that is no date or number, or no reason."""
    if kind not in KINDS:
        raise ValueError(f"申请的对象应为 {'、'.join(KINDS)} 之一")
    item = str(item).strip()
    old, new = _old_and_new(plan, kind, item, field, value)
    if not reason.strip():
        raise ValueError("申请须写明理由")
    with store.transaction() as conn:
        number = conn.execute(text(
            "INSERT INTO change_requests (plan_id, kind, item, field, old_value, new_value, reason, unit,"
            " requested_at, requested_by) VALUES (:plan_id, :kind, :item, :field, :old, :new, :reason, :unit, :at,"
            " :by) RETURNING id"), dict(plan_id=plan.id, kind=kind, item=item, field=field, old=old, new=new,
                                        reason=reason.strip(), unit=unit, at=_now(), by=by)).scalar_one()
        write_audit(conn, by, "change_request", f"#{number} {item_name(kind, item)} {field}: {old} → {new}")
    return number


def default_effective(plan: Plan, today: date | None = None) -> date:
    """The date an approval counts from unless the office picks another: today, or the plan year's nearer end when
    today lies outside it (an approval dated after the plan's end would change nothing the board shows)."""
    return min(max(today or date.today(), plan.start), plan.end)


def decide(store: Store, number: int, approve: bool, by: str | None, note: str = "",
           effective: date | None = None) -> None:
    """Approve (from `effective`, default today) or refuse a pending request, audited; ValueError when there is no
    such pending request, or a refusal without a reason."""
    if not approve and not note.strip():
        raise ValueError("不同意须写明理由")
    with store.transaction() as conn:
        row = conn.execute(text(
            "UPDATE change_requests SET state = :state, decided_at = :at, decided_by = :by, decision_note = :note,"
            " effective = :effective WHERE id = :id AND state = 'pending' RETURNING kind, item"),
            dict(state="approved" if approve else "refused", at=_now(), by=by, note=note.strip(), id=int(number),
                 effective=(effective or date.today()).isoformat() if approve else None)).first()
        if row is None:
            raise ValueError(f"没有编号为 {number} 的待审批申请")
        write_audit(conn, by, "change_approve" if approve else "change_refuse", f"#{number} {item_name(*row)}")


def listing(store: Store, plan_id: str, state: str | None = None) -> pd.DataFrame:
    """The requests of a plan, oldest first (all, or those in one state: pending, approved, refused)."""
    sql = "SELECT * FROM change_requests WHERE plan_id = :plan_id"
    params = {"plan_id": plan_id}
    if state is not None:
        sql += " AND state = :state"
        params["state"] = state
    return store._frame(sql + " ORDER BY id", **params)


def pending_requests(store: Store, plan_id: str, lang: str = "zh") -> pd.DataFrame:
    """The requests waiting for the office's decision, oldest first, described (see _described)."""
    return _described(listing(store, plan_id, "pending"), lang)


def unit_requests(store: Store, plan_id: str, unit: str | None, lang: str = "zh") -> pd.DataFrame:
    """A unit's requests in every state (all units' for None), newest first, described (see _described): what its
    clerk follows until the office decides, and why it refused."""
    frame = listing(store, plan_id)
    if unit is not None:
        frame = frame[frame["unit"] == unit]
    return _described(frame.iloc[::-1].reset_index(drop=True), lang)


def _described(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Requests with what each is for (what: T15-1, 任务 12) and what it asks in words (asked: 期限 2023-06-30 →
    2023-09-30, 目标 120 → 100), in `lang`."""
    return frame.assign(asked=[f"{t(f'asked_{f}', lang)} {old} → {new}"
                               for f, old, new in zip(frame["field"], frame["old_value"], frame["new_value"])],
                        what=[item_name(k, i, lang) for k, i in zip(frame["kind"], frame["item"])])


def in_force(plan: Plan, store: Store, as_of: date) -> Plan:
    """The plan as it stands at as_of: every change approved on or before that date applied (the latest per item
    and field wins), each changed target or task carrying the words that say so (change_note: 原目标 120 → 调整后
    100，2023-08-15 批准); the tasks then carry their deadline (the plan's end unless extended)."""
    approved = listing(store, plan.id, "approved")
    approved = approved[approved["effective"] <= as_of.isoformat()]
    if approved.empty:
        return plan
    targets, tasks = plan.targets.copy(), plan.tasks.copy()
    tasks["deadline"] = plan.end
    notes: dict[tuple[str, str], list[str]] = {}
    for change in approved.sort_values(["effective", "id"]).itertuples(index=False):
        if change.kind == "task":
            tasks.loc[tasks["task_id"] == int(change.item), "deadline"] = date.fromisoformat(change.new_value)
        else:
            at = targets.index[targets["target_id"] == change.item]
            if change.field == "deadline":
                targets.loc[at, "deadline"] = date.fromisoformat(change.new_value)
            else:
                targets.loc[at, "target_value"] = float(change.new_value)
        notes.setdefault((change.kind, str(change.item)), []).append(shown(change))
    targets["change_note"] = targets["target_id"].map(lambda t: "；".join(notes.get(("target", t), [])))
    tasks["change_note"] = tasks["task_id"].map(lambda t: "；".join(notes.get(("task", str(t)), [])))
    return dataclasses.replace(plan, targets=targets, tasks=tasks)


def shown(change) -> str:
    """A change in words: 原目标 120 → 调整后 100，2023-08-15 批准 (or 原截止日期 …)."""
    name = "目标" if change.field == "target_value" else "截止日期"
    return f"原{name} {change.old_value} → 调整后 {change.new_value}，{change.effective} 批准"
