"""Review (审核): a reporter's rows wait (待审核) until the office approves them or returns them (退回) with a reason;
only approved rows count while review is on."""
from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
from sqlalchemy import text

from . import evidence
from .formats import item as item_name
from .plan import Plan
from .settings import resolve
from .status import COMPLETED, DONE, completion, evaluate_targets, target_status
from .store import Store, decide, pending_count, review_rows

APPROVED, PENDING, RETURNED = "approved", "pending", "returned"
COUNTED = (APPROVED,)                      # what counts while review is on
WITH_UNREVIEWED = (APPROVED, PENDING)      # review off, or a leader's "including unreviewed" view
KINDS = ("target", "task")


def active(store: Store, settings: dict[str, float] | None = None) -> bool:
    """Whether review is in force: the setting is on and the store has accounts (the local-administrator mode, with
    one person at one machine, has nobody to review for)."""
    if not resolve(settings if settings is not None else store.settings())["review"]:
        return False
    with store.connect() as conn:
        return conn.execute(text("SELECT 1 FROM users LIMIT 1")).first() is not None


def counted(is_active: bool, include_unreviewed: bool = False) -> tuple[str, ...]:
    """The review states whose rows count in a snapshot."""
    return COUNTED if is_active and not include_unreviewed else WITH_UNREVIEWED


def arrival(is_active: bool, role: str, approve: bool = False) -> str | None:
    """The review state a new batch's rows get: None when review is off, approved when an administrator imports
    figures the office collected itself and approves them on import, else pending."""
    if not is_active:
        return None
    return APPROVED if approve and role == "admin" else PENDING


def counting_note(snapshot) -> str:
    """What a deck or workbook made from a snapshot says about review: that it counts the rows still waiting
    (含未审核数据（待审核 N 条），仅供研判进展，不作考核依据), or how many wait and are left out; empty when none waits."""
    if snapshot.unreviewed:
        return f"含未审核数据（待审核 {snapshot.pending} 条），仅供研判进展，不作考核依据"
    if snapshot.pending:
        return f"待审核 {snapshot.pending} 条未计入（审核通过后计入）"
    return ""


def parse_row(ref: str) -> tuple[str, int]:
    """A row reference as the CLI and the queue show it (target:12, task:5) as (kind, report id)."""
    kind, _, number = ref.partition(":")
    if kind not in KINDS or not number.isdigit():
        raise ValueError(f"行号“{ref}”应形如 target:12 或 task:5（见 review list 的 row 列）")
    return kind, int(number)


def row_ref(kind: str, report_id: int) -> str:
    """The reference of a report row (target:12)."""
    return f"{kind}:{int(report_id)}"


def pending(store: Store, plan_id: str, unit: str | None = None) -> int:
    """How many rows wait for review (待审核 N 条), of one unit's uploads when given."""
    return pending_count(store, plan_id, unit)


def working_days(start: date, end: date) -> int:
    """Working days (Monday to Friday) from start up to end."""
    return int(np.busday_count(start, end)) if end > start else 0


def queue(plan: Plan, store: Store, as_of: date, today: date | None = None) -> pd.DataFrame:
    """The rows waiting for review, oldest first, each with the value that counts now (previous), the change, the
    target's status now and once approved (at as_of), its age in working days and whether it is overdue, how many
    evidence files back it (its own and its batch's) and whether it lacks the evidence a completion needs
    (完成需佐证)."""
    settings = resolve(store.settings())
    rows = in_plan_order(plan, review_rows(store, plan.id, (PENDING,)))
    now = evaluate_targets(plan, store.latest_target_reports(plan.id, as_of, COUNTED), as_of, settings)
    after = evaluate_targets(plan, store.latest_target_reports(plan.id, as_of, WITH_UNREVIEWED), as_of, settings)
    now, after = now.set_index("target_id"), after.set_index("target_id")
    is_target = rows["kind"] == "target"
    targets = rows["item"].where(is_target)
    rows["row"] = [row_ref(k, i) for k, i in zip(rows["kind"], rows["report_id"])]
    rows["previous"] = targets.map(now["actual"]).where(is_target)
    rows["change"] = rows["actual"] - rows["previous"]
    rows["status_now"] = targets.map(now["status"]).where(is_target)
    rows["status_after"] = targets.map(after["status"]).where(is_target)
    today = today or date.today()
    rows["waiting_days"] = [working_days(datetime.fromisoformat(at).date(), today) for at in rows["created_at"]]
    rows["overdue"] = rows["waiting_days"] >= settings["review_overdue_days"]
    held = evidence.counts(store, plan.id)
    # a batch's own files (a signed table covering the upload) back every row of it
    rows["evidence"] = [held.get((k, str(i)), 0) + held.get(("batch", str(b)), 0)
                        for k, i, b in zip(rows["kind"], rows["item"], rows["batch_id"])]
    rows["lacks_evidence"] = unbacked(plan, rows, held, settings)
    return rows


def in_plan_order(plan: Plan, rows: pd.DataFrame) -> pd.DataFrame:
    """Report rows (kind, item, as_of, created_at, batch_id) oldest batch first, and within a batch by the plan's own
    order of its targets and tasks, then by date: stored in text order, T10-1 would come before T2-1."""
    order = {target: n for n, target in enumerate(plan.targets["target_id"])}
    position = [order.get(item, len(order)) if kind == "target" else int(item)
                for kind, item in zip(rows["kind"], rows["item"])]
    return (rows.assign(_position=position)
            .sort_values(["created_at", "batch_id", "kind", "_position", "as_of"], kind="stable")
            .drop(columns="_position").reset_index(drop=True))


def says_completed(targets: pd.DataFrame, kind: str, item: str, actual, state) -> bool:
    """Whether a report row says its item is done: a value reaching its target (`targets`: the plan's, indexed by
    target_id, as the plan stands), or a task reported 已完成."""
    if kind == "task":
        return state == DONE
    if item not in targets.index:  # a row of a target the plan no longer has: nothing to complete
        return False
    target = targets.loc[item]
    baseline = target.get("baseline")
    done = completion(None if pd.isna(actual) else float(actual), float(target["target_value"]), target["direction"],
                      None if baseline is None or pd.isna(baseline) else float(baseline))
    return target_status(done, 1.0, False) == COMPLETED


def unbacked(plan: Plan, rows: pd.DataFrame, held: dict[tuple[str, str], int], settings: dict[str, float],
             backed: frozenset[tuple[str, str]] = frozenset()) -> pd.Series:
    """For report rows (kind, item, actual, state, and batch_id once stored): whether each says its item is
    completed while no evidence is held for the item or for the row's batch (`held`: evidence.counts; `backed`: items
    whose files come with the rows), with 完成需佐证 on."""
    if not settings["evidence_required"] or rows.empty:
        return pd.Series(False, index=rows.index, dtype=bool)
    targets = plan.targets.set_index("target_id")
    batches = rows["batch_id"] if "batch_id" in rows else pd.Series(None, index=rows.index, dtype=object)
    return pd.Series([not held.get((k, str(i))) and (k, str(i)) not in backed
                      and (pd.isna(b) or not held.get(("batch", str(int(b)))))
                      and says_completed(targets, k, str(i), a, s)
                      for k, i, a, s, b in zip(rows["kind"], rows["item"], rows["actual"], rows["state"], batches)],
                     index=rows.index, dtype=bool)


def _blocking(plan: Plan, store: Store, rows: pd.DataFrame, backed=frozenset()) -> list[str]:
    lacking = rows[unbacked(plan, rows, evidence.counts(store, plan.id), resolve(store.settings()), backed)]
    return list(dict.fromkeys(item_name(k, i) for k, i in zip(lacking["kind"], lacking["item"])))


def arriving(targets: pd.DataFrame, tasks: pd.DataFrame | None) -> pd.DataFrame:
    """The rows of an import as review sees them: kind, item, actual, state."""
    tasks = tasks if tasks is not None else pd.DataFrame(columns=["task_id", "state"])
    return pd.concat([pd.DataFrame({"kind": "target", "item": targets["target_id"].astype(str),
                                    "actual": targets["actual"], "state": None}),
                      pd.DataFrame({"kind": "task", "item": tasks["task_id"].astype(int).astype(str), "actual": None,
                                    "state": tasks["state"]})], ignore_index=True)


def check_approval_on_import(plan: Plan, store: Store, targets: pd.DataFrame, tasks: pd.DataFrame | None,
                             switch: str, backed: frozenset[tuple[str, str]] = frozenset()) -> None:
    """ValueError naming the rows of an import that say completed without evidence while 完成需佐证 is on: they
    cannot be approved on import (`switch`: how the user asked for it, 导入时直接审核通过 or --approve)."""
    blocked = _blocking(plan, store, arriving(targets, tasks), backed)
    if blocked:
        raise ValueError(f"{'、'.join(blocked)} 已完成但没有佐证材料，不能在导入时审核通过；请先上传佐证材料，"
                         f"或不用“{switch}”导入（导入后待审核）。未导入任何数据")


def returned(store: Store, plan_id: str, unit: str | None = None) -> pd.DataFrame:
    """Returned rows not yet corrected (no later row for the same item from a batch that counts), with the reason:
    what a unit's clerk must fix."""
    rows = review_rows(store, plan_id, (RETURNED,))
    if unit is not None:
        rows = rows[rows["unit"] == unit]
    if rows.empty:  # the usual case, and the rows that count are the plan's whole history: not read for nothing
        return rows.reset_index(drop=True)
    later = review_rows(store, plan_id, (APPROVED, PENDING))
    newest = later.groupby(["kind", "item"])["report_id"].max() if len(later) else pd.Series(dtype=float)
    fixed = [(k, i) in newest.index and newest[(k, i)] > r for k, i, r in
             zip(rows["kind"], rows["item"], rows["report_id"])]
    return rows[[not f for f in fixed]].reset_index(drop=True)


def approve(plan: Plan, store: Store, rows: list[tuple[str, int]], by: str | None) -> int:
    """Approve pending rows (审核通过), all or none; returns how many. ValueError naming the rows that say completed
    without evidence while 完成需佐证 is on: those must be returned or backed first, and nothing is approved."""
    chosen = {(kind, int(report_id)) for kind, report_id in rows}
    waiting = review_rows(store, plan.id, (PENDING,))
    waiting = waiting[[(k, int(i)) in chosen for k, i in zip(waiting["kind"], waiting["report_id"])]]
    blocked = _blocking(plan, store, waiting)
    if blocked:
        raise ValueError(f"{'、'.join(blocked)} 已完成但没有佐证材料，不能审核通过；请退回或待单位补充佐证"
                         + ("（本次未审核通过任何一行）" if len(waiting) > 1 else ""))
    return decide(store, rows, APPROVED, "", by)


def send_back(store: Store, rows: list[tuple[str, int]], reason: str, by: str | None) -> int:
    """Return pending rows to their unit (退回) with a reason; ValueError without one."""
    if not reason.strip():
        raise ValueError("退回须写明理由，单位据此修改后重新上报")
    return decide(store, rows, RETURNED, reason.strip(), by)


def batch_rows(store: Store, plan_id: str, batch_id: int) -> list[tuple[str, int]]:
    """The pending rows of one batch, as (kind, report id)."""
    rows = review_rows(store, plan_id, (PENDING,))
    rows = rows[rows["batch_id"] == int(batch_id)]
    return list(zip(rows["kind"], rows["report_id"].astype(int)))
