"""Command line: python -m tracker import|status|sample ..."""
from __future__ import annotations

import argparse
import getpass
import json
import sys
import traceback
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy.exc import OperationalError

from .accounts import ROLES
from .db import database_url, is_sqlite, shown
from .plan import DATA_DIR, load_plan
from .store import Store
from .validation import ProblemsError
from .values import parse_date

# Each command imports what only it uses (readers and openpyxl, Alembic, python-pptx, psycopg's errors, ...) inside
# its function: `status --json` run from cron or a script would otherwise spend most of its time importing them.


def _date(text: str) -> date:
    parsed = parse_date(text)
    if parsed is None:
        raise argparse.ArgumentTypeError(f"日期应形如 2023-09-30：{text}")
    return parsed


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="progress database: SQLite file path or sqlite:/// URL, or a postgresql:// URL "
                                     "(default $TRACKER_DB or data/progress.db)")
    common.add_argument("--debug", action="store_true", help="on an unexpected error, print its traceback too")
    common.add_argument("--plan", default=str(DATA_DIR), help="plan directory (default data/)")
    acting = argparse.ArgumentParser(add_help=False)
    acting.add_argument("--by", help="who acts, for the audit log (default: cli:OS-USER, the system account "
                                     "running the command)")
    parser = argparse.ArgumentParser(prog="python -m tracker", description="督办看板 command line")
    sub = parser.add_subparsers(dest="command", required=True)

    imp = sub.add_parser("import", parents=[common, acting], help="validate and store a progress file (CSV or XLSX)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--unit", help="the uploading unit: rows for items it does not lead are rejected")
    imp.add_argument("--user", dest="by", help="the same as --by: who is importing (recorded with the batch)")
    imp.add_argument("--dry-run", action="store_true", help="validate only, store nothing")
    imp.add_argument("--strict", action="store_true", help="treat warnings as errors")
    imp.add_argument("--evidence", type=Path, metavar="DIR",
                     help="a folder of evidence files, each named after the target it backs (T15-1_照片.jpg)")
    imp.add_argument("--approve", action="store_true",
                     help="while review is on: the office's own figures, approved on import (recorded as such); "
                          "without it the rows wait for review (待审核)")

    st = sub.add_parser("status", parents=[common], help="status of every target (or task) at a date")
    st.add_argument("--as-of", type=_date)
    st.add_argument("--json", action="store_true", help="print a JSON array")
    st.add_argument("--tasks", action="store_true", help="one object per task instead of per target")

    rank = sub.add_parser("rank", parents=[common], help="unit scores with the parts they were computed from")
    rank.add_argument("--as-of", type=_date)
    rank.add_argument("--json", action="store_true", help="print a JSON array")

    export = sub.add_parser("export", parents=[common], help="the meeting pack: Excel ledger or PowerPoint deck")
    export.add_argument("--format", choices=["xlsx", "pptx"], required=True)
    export.add_argument("--as-of", type=_date)
    export.add_argument("--since", type=_date, help="date of the last review meeting (pptx: a slide of changes)")
    export.add_argument("--per-unit", action="store_true", help="xlsx: one sheet per lead unit too")
    export.add_argument("--office", help="the author named in the file's properties (default: plan.toml's "
                                         "office_name, else its issuer, else 督办室)")
    export.add_argument("--include-unreviewed", action="store_true",
                        help="count the rows still waiting for review too (含未审核数据): every slide and sheet says so")
    export.add_argument("--out", type=Path, required=True)

    ext = sub.add_parser("extract", help="turn a notice (.txt, .html, .docx, .doc, .pdf) into plan files for a person to check")
    ext.add_argument("notice", type=Path)
    ext.add_argument("--out", type=Path, required=True, help="directory for tasks.csv, targets.csv, departments.csv")
    ext.add_argument("--departments", type=Path, default=DATA_DIR / "departments.csv",
                     help="known units and their short names, merged into the result (default data/departments.csv)")
    ext.add_argument("--id", help="plan id written to plan.toml (default: the notice's file name)")
    ext.add_argument("--debug", action="store_true", help="on an unexpected error, print its traceback too")

    tpl = sub.add_parser("template", parents=[common], help="write a reporting template (XLSX or CSV)")
    tpl.add_argument("--unit", help="the unit whose targets and tasks the template lists (default: all)")
    tpl.add_argument("--out", type=Path, required=True, help="FILE.xlsx or FILE.csv")
    tpl.add_argument("--as-of", type=_date, help="date pre-filled in 截至日期 (default: today within the plan)")

    user = sub.add_parser("user", help="accounts: add, list, disable, enable, passwd")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser("add", parents=[common, acting], help="create an account")
    add.add_argument("name")
    add.add_argument("--role", choices=list(ROLES), required=True)
    add.add_argument("--unit", help="the unit a reporter reports for")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    user_sub.add_parser("list", parents=[common], help="list accounts")
    for name, text in (("disable", "stop an account from logging in"), ("enable", "let an account log in again")):
        one = user_sub.add_parser(name, parents=[common, acting], help=text)
        one.add_argument("name")
    passwd = user_sub.add_parser("passwd", parents=[common, acting], help="set a new password")
    passwd.add_argument("name")
    passwd.add_argument("--password-stdin", action="store_true")

    rev = sub.add_parser("review", help="review reported rows: list what waits, approve, return (退回)")
    rev_sub = rev.add_subparsers(dest="review_command", required=True)
    rev_list = rev_sub.add_parser("list", parents=[common], help="rows waiting for review, oldest first")
    rev_list.add_argument("--returned", action="store_true", help="returned rows not yet corrected instead")
    rev_list.add_argument("--unit", help="only this unit's rows")
    rev_list.add_argument("--json", action="store_true", help="print a JSON array")
    for name, text in (("approve", "approve rows (审核通过)"), ("return", "return rows to their unit (退回)")):
        one = rev_sub.add_parser(name, parents=[common, acting], help=text)
        one.add_argument("--row", action="append", default=[], help="a row as review list shows it (target:12)")
        one.add_argument("--batch", type=int, action="append", default=[], help="every waiting row of a batch")
        if name == "return":
            one.add_argument("--reason", required=True, help="why: the unit sees it and corrects the row")

    ev = sub.add_parser("evidence", help="evidence files (佐证材料): add, list, get")
    ev_sub = ev.add_subparsers(dest="evidence_command", required=True)
    ev_add = ev_sub.add_parser("add", parents=[common, acting], help="store files as evidence of a target or task")
    ev_add.add_argument("files", type=Path, nargs="+")
    ev_list = ev_sub.add_parser("list", parents=[common], help="the evidence held, oldest first")
    ev_list.add_argument("--json", action="store_true", help="print a JSON array")
    for one in (ev_add, ev_list):
        which = one.add_mutually_exclusive_group(required=one is ev_add)
        which.add_argument("--target", help="a target id (T15-1)")
        which.add_argument("--task", type=int, help="a task number")
        which.add_argument("--batch", type=int, help="a batch's number: a file covering every row of it")
    ev_get = ev_sub.add_parser("get", parents=[common], help="write one evidence file out")
    ev_get.add_argument("id", type=int)
    ev_get.add_argument("--out", type=Path, required=True)

    ch = sub.add_parser("change", help="extensions and target changes (延期/调整申请): request, approve, refuse, list")
    ch_sub = ch.add_subparsers(dest="change_command", required=True)
    ch_req = ch_sub.add_parser("request", parents=[common, acting],
                               help="ask for a new deadline or target value of a target, or a new deadline of a task")
    ch_req.add_argument("target", nargs="?", help="the target id (T15-1)")
    ch_req.add_argument("--task", type=int, help="a task number instead of a target: an extension (--deadline) only")
    what = ch_req.add_mutually_exclusive_group(required=True)
    what.add_argument("--deadline", help="the new deadline (2024-06-30)")
    what.add_argument("--value", help="the new target value, in the target's unit")
    ch_req.add_argument("--reason", required=True)
    ch_req.add_argument("--unit", help="the unit asking (default: none, the office on its behalf)")
    ch_ok = ch_sub.add_parser("approve", parents=[common, acting], help="approve a request, from a date on")
    ch_ok.add_argument("id", type=int)
    ch_ok.add_argument("--from", dest="effective", type=_date,
                       help="the date it counts from (default today, within the plan year)")
    ch_no = ch_sub.add_parser("refuse", parents=[common, acting], help="refuse a request, saying why")
    ch_no.add_argument("id", type=int)
    ch_no.add_argument("--reason", required=True)
    ch_list = ch_sub.add_parser("list", parents=[common], help="the requests, oldest first")
    ch_list.add_argument("--state", choices=["pending", "approved", "refused"])
    ch_list.add_argument("--json", action="store_true", help="print a JSON array")

    sub.add_parser("migrate", parents=[common], help="create the store's tables, or bring them up to this version")
    copy = sub.add_parser("copy-store", parents=[acting],
                          help="copy every row of one store into another, empty one (e.g. SQLite to PostgreSQL)")
    copy.add_argument("--from", dest="source", required=True, help="the store to copy: file path or URL")
    copy.add_argument("--to", dest="target", required=True, help="the new, empty store: file path or URL")
    copy.add_argument("--debug", action="store_true", help="on an unexpected error, print its traceback too")
    backup = sub.add_parser("backup", parents=[common, acting],
                            help="a consistent copy of the database as a SQLite file (safe while running)")
    backup.add_argument("--out", type=Path, required=True)
    restore = sub.add_parser("restore", parents=[common, acting], help="replace the database with a checked backup")
    restore.add_argument("file", type=Path)

    sample = sub.add_parser("sample", parents=[common, acting], help="load or remove the sample data (示例数据)")
    sample.add_argument("action", choices=["load", "remove"])
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit code: 0 done, 1 refused or failed (a message, never a traceback), 2 usage."""
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except BrokenPipeError:
        raise  # the reader went away: __main__ ends quietly
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except Exception as exc:
        from .errors import user_message

        print(user_message(exc), file=sys.stderr)
        if args.debug:
            traceback.print_exception(exc, file=sys.stderr)
        else:
            print("（加 --debug 可显示详细的出错信息）", file=sys.stderr)
        return 1


def _run(args) -> int:
    if args.command == "extract":
        return _extract(args)
    if args.command == "copy-store":
        return _copy_store(args)
    try:
        plan = load_plan(args.plan)
    except ProblemsError as exc:
        print("计划文件有误：", file=sys.stderr)
        for problem in exc.problems:
            print(problem.message(), file=sys.stderr)
        return 1
    as_of = getattr(args, "as_of", None)
    if as_of is not None and not plan.start <= as_of <= plan.end:
        print(f"--as-of {as_of} 不在计划期 {plan.start} 至 {plan.end} 之内", file=sys.stderr)
        return 2
    try:
        store = Store(args.db)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    commands = {"import": _import, "status": _status, "rank": _rank, "export": _export, "template": _template,
                "sample": _sample, "user": _user, "backup": _backup, "restore": _restore, "migrate": _migrate,
                "review": _review, "evidence": _evidence, "change": _change}
    return commands[args.command](args, plan, store)


def _by(args) -> str:
    if args.by:
        return args.by
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no name in the environment nor in the password database
        return "cli"


def _unit(plan, name: str | None) -> tuple[bool, str | None]:
    if not name:
        return True, None
    unit = plan.canonical(name)
    if unit is None:
        print(f"--unit：“{name}”不是本计划中的单位（见 data/departments.csv）", file=sys.stderr)
        return False, None
    return True, unit


def _import(args, plan, store) -> int:
    from . import evidence, review
    from .ingest import MAX_FILE_BYTES, ingest
    from .snapshot import plan_in_force

    if not args.file.is_file():
        print(f"{args.file}：文件不存在" if not args.file.exists() else f"{args.file}：是一个目录，应为文件",
              file=sys.stderr)
        return 1
    known, unit = _unit(plan, args.unit)
    if not known:
        return 1
    if args.file.stat().st_size > MAX_FILE_BYTES:  # refuse before reading it into memory
        print(f"{args.file.name}，文件过大（{args.file.stat().st_size / 2**20:.1f} MB），上限 {MAX_FILE_BYTES // 2**20} MB")
        print("未导入：数据库未作任何改动。")
        return 1
    result = ingest(plan, args.file.read_bytes(), args.file.name, unit=unit,
                    previous=store.latest_target_reports(plan.id, review=review.WITH_UNREVIEWED))
    for problem in result.errors:
        print(problem.message())
    for problem in result.warnings:
        print("警告：" + problem.message())
    if result.errors or (args.strict and result.warnings):
        print(f"未导入：发现 {len(result.errors)} 个错误、{len(result.warnings)} 个警告，数据库未作任何改动。")
        return 1
    summary = f"{len(result.targets)} 条指标上报、{len(result.tasks)} 条任务上报"
    files: dict[str, list[tuple[str, bytes]]] = {}
    if args.evidence is not None:
        files, problems = _evidence_dir(args.evidence, set(result.targets["target_id"]))
        if problems:
            for problem in problems:
                print(problem)
            print(f"未导入：佐证材料有 {len(problems)} 处问题，数据库未作任何改动。")
            return 1
        summary += f"、{sum(len(f) for f in files.values())} 份佐证材料"
    # The command line is the operator's, an administrator's, tool: it may approve the office's own figures.
    state = review.arrival(review.active(store), "admin", args.approve)
    if state == review.APPROVED:
        try:
            review.check_approval_on_import(plan_in_force(plan, store), store, result.targets, result.tasks, "--approve",
                                            frozenset(("target", t) for t in files))
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 1
    if args.dry_run:
        print(f"检查通过（试运行，未写入）：{summary}。")
        return 0
    batch = store.add_batch(plan.id, args.file.name, result.sha256, result.targets, result.tasks,
                            unit=unit, by=_by(args), source="cli", review=state)
    for target, named in files.items():
        if not batch.duplicate:
            evidence.add(store, plan.id, "target", target, named, _by(args), batch.batch_id)
    if batch.duplicate:
        print(f"该文件已于批次 {batch.batch_id} 导入过，未作改动。")
    else:
        print(f"已导入为批次 {batch.batch_id}：{summary}。"
              + {"pending": "待审核，审核通过后计入。", "approved": "导入时已审核通过。"}.get(state, ""))
    return 0


REVIEW_JSON_FIELDS = ["row", "kind", "item", "batch_id", "unit", "user", "created_at", "file_name", "as_of",
                      "actual", "state", "note", "review", "reason", "decided_at", "decided_by"]


def _review(args, plan, store) -> int:
    from . import review
    from .snapshot import default_board_date, plan_in_force

    if args.review_command == "list":
        known, unit = _unit(plan, args.unit)
        if not known:
            return 1
        if args.returned:
            rows = review.returned(store, plan.id, unit)
            rows["row"] = [review.row_ref(k, i) for k, i in zip(rows["kind"], rows["report_id"])]
            fields = REVIEW_JSON_FIELDS
        else:
            rows = review.queue(plan, store, default_board_date(plan, store))
            rows = rows[rows["unit"] == unit] if unit else rows
            fields = REVIEW_JSON_FIELDS + ["previous", "change", "status_now", "status_after", "waiting_days",
                                           "overdue"]
        records = [{key: _plain(value) for key, value in record.items()}
                   for record in rows[fields].to_dict("records")]
        _emit(records, args.json, lambda r: f"{r['row']}\t{r['unit'] or ''}\t{r['item']}\t{r['as_of']}\t"
                                            f"{r['actual'] if r['kind'] == 'target' else r['state']}\t"
                                            f"{r.get('reason') or ''}")
        if not args.json:
            print(f"{'已退回未改正' if args.returned else '待审核'} {len(records)} 条。")
        return 0
    try:
        rows = [review.parse_row(ref) for ref in args.row]
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    for batch_id in args.batch:
        rows += review.batch_rows(store, plan.id, batch_id)
    if not args.row and not args.batch:
        print("请用 --row 或 --batch 指明要审核的行", file=sys.stderr)
        return 1
    try:
        if args.review_command == "approve":
            count = review.approve(plan_in_force(plan, store), store, rows, _by(args))
        else:
            count = review.send_back(store, rows, args.reason, _by(args))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    if count == 0:
        print("没有待审核的行可处理（行号有误，或已审核过）；未作改动。", file=sys.stderr)
        return 1
    print(f"已{'审核通过' if args.review_command == 'approve' else '退回'} {count} 行；"
          f"尚有 {review.pending(store, plan.id)} 行待审核。")
    return 0


def _evidence_dir(folder: Path, targets: set[str]) -> tuple[dict[str, list[tuple[str, bytes]]], list[str]]:
    """The evidence folder's files by the target each backs, and every problem with them (checked before anything
    is stored)."""
    from . import evidence

    if not folder.is_dir():
        return {}, [f"--evidence {folder}：不是一个目录"]
    paths = {p.name: p for p in folder.iterdir() if p.is_file()}
    matched, problems = evidence.match_targets(list(paths), targets)
    files = {target: [(name, paths[name].read_bytes()) for name in names] for target, names in matched.items()}
    problems += evidence.check([f for named in files.values() for f in named])
    return files, problems


def _evidence(args, plan, store) -> int:
    from . import evidence

    # get names a file by its number
    target, task, batch = (getattr(args, name, None) for name in ("target", "task", "batch"))
    kind, item = (("target", target) if target else ("task", task) if task else ("batch", batch) if batch
                  else (None, None))
    if args.evidence_command == "add":
        missing = [str(p) for p in args.files if not p.is_file()]
        if missing:
            print(f"文件不存在：{'、'.join(missing)}", file=sys.stderr)
            return 1
        if kind == "target" and item not in set(plan.targets["target_id"]):
            print(f"--target：{item} 不是本计划的指标编号", file=sys.stderr)
            return 1
        try:
            ids = evidence.add(store, plan.id, kind, str(item), [(p.name, p.read_bytes()) for p in args.files],
                               _by(args))
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 1
        print(f"已保存 {len(ids)} 份佐证材料（编号 {'、'.join(map(str, ids))}）。")
    elif args.evidence_command == "list":
        frame = evidence.listing(store, plan.id, kind, None if item is None else str(item))
        records = [{key: _plain(value) for key, value in r.items()} for r in frame.to_dict("records")]
        _emit(records, args.json, lambda r: f"{r['id']}\t{r['kind']} {r['item']}\t{r['file_name']}\t"
                                            f"{r['media_type']}\t{r['size']}\t{r['uploaded_by'] or ''}\t"
                                            f"{r['uploaded_at']}")
    else:
        try:
            name, _, data = evidence.get(store, args.id)
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 1
        args.out.write_bytes(data)
        print(f"已写出 {args.out}（{name}，{len(data) / 1024:.0f} KB）。")
    return 0


def _change(args, plan, store) -> int:
    from . import changes
    from .formats import item as item_name
    from .snapshot import plan_in_force

    try:
        if args.change_command == "request":
            known, unit = _unit(plan, args.unit)
            if not known:
                return 1
            if (args.target is None) == (args.task is None):
                raise ValueError("请指明申请的对象：指标编号（如 T15-1）或 --task 任务序号，二者选一")
            field, value = ("deadline", args.deadline) if args.deadline else ("target_value", args.value)
            kind, item = ("target", args.target) if args.task is None else ("task", args.task)
            standing = plan_in_force(plan, store)  # what the request changes
            number = changes.request(store, standing, item, field, value, args.reason, _by(args), unit, kind)
            print(f"已登记申请 {number}，待督办室审批。")
        elif args.change_command == "approve":
            effective = args.effective or changes.default_effective(plan)
            changes.decide(store, args.id, True, _by(args), effective=effective)
            print(f"已批准申请 {args.id}，自 {effective} 起计。")
        elif args.change_command == "refuse":
            changes.decide(store, args.id, False, _by(args), args.reason)
            print(f"已不同意申请 {args.id}。")
        else:
            frame = changes.listing(store, plan.id, args.state)
            records = [{key: _plain(value) for key, value in r.items()} for r in frame.to_dict("records")]
            _emit(records, args.json, lambda r: f"{r['id']}\t{item_name(r['kind'], r['item'])}\t{r['field']}\t"
                                                f"{r['old_value']} → "
                                                f"{r['new_value']}\t{r['state']}\t{r['reason']}")
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def _plain(value):
    """A value as JSON holds it: dates as text, NaN as null, numpy numbers as Python's."""
    if isinstance(value, date):
        return value.isoformat()
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _emit(records: list[dict], as_json: bool, line) -> None:
    """Print records as one JSON array (never Infinity or NaN, which JSON has not) or one line each."""
    if as_json:
        json.dump(records, sys.stdout, ensure_ascii=False, indent=1, allow_nan=False)
        print()
    else:
        for record in records:
            print(line(record))


def _status(args, plan, store) -> int:
    from .snapshot import status_records, take

    snapshot = take(plan, store, args.as_of)
    if args.tasks:
        records = [{"task_id": int(r.task_id), "chapter": int(r.chapter), "title": r.title,
                    "lead_units": r.lead_list, "targets": int(r.targets), "state": r.state,
                    "reported_on": r.reported_on.isoformat() if r.reported_on else None,
                    "as_of": snapshot.as_of.isoformat(), "status": r.status, "late": bool(r.late)}
                   for r in snapshot.tasks.itertuples(index=False)]
    else:
        records = status_records(snapshot)
    if not args.json:
        print(f"统计截至 {snapshot.as_of}")
    _emit(records, args.json, lambda r: f"{r.get('target_id') or r['task_id']}\t{r['status']}\t"
                                        f"{r.get('completion', '')}" + ("\t未按期上报" if r["late"] else ""))
    return 0


def _rank(args, plan, store) -> int:
    from .ranking import items, scores, weights
    from .snapshot import take

    snapshot = take(plan, store, args.as_of)
    table = scores(snapshot)
    parts = items(snapshot)
    used = weights(snapshot.settings)
    records = []
    for r in table.itertuples(index=False):
        mine = parts[parts["unit"] == r.unit]
        records.append({
            "unit": r.unit, "kind": r.kind, "as_of": snapshot.as_of.isoformat(),
            "rank": None if pd.isna(r.rank) else int(r.rank),
            "rank_in_kind": None if pd.isna(r.rank_in_kind) else int(r.rank_in_kind),
            "score": None if pd.isna(r.score) else round(r.score, 2),
            "group": r.group if isinstance(r.group, str) else None, "items": int(r.items),
            "measured_items": int(r.measured_items),
            "completion_part": None if pd.isna(r.completion_part) else round(r.completion_part, 4),
            "timeliness_part": None if pd.isna(r.timeliness_part) else round(float(r.timeliness_part), 4),
            "severe_share": None if pd.isna(r.severe_share) else round(float(r.severe_share), 4),
            "participating_score": None if pd.isna(r.participating_score) else round(r.participating_score, 2),
            "participating_items": int(r.participating_items),
            "weights": used,
            "parts": [{"role": p.role, "item": p.item, "measure": p.measure, "status": p.status,
                       "completion_part": round(p.completion_part, 4),
                       "punctuality": None if pd.isna(p.punctuality) else round(float(p.punctuality), 4),
                       "severe": bool(p.severe)} for p in mine.itertuples(index=False)],
        })
    _emit(records, args.json, lambda r: f"{r['rank'] or '-'}\t{r['unit']}\t{r['score']}")
    return 0


def _extract(args) -> int:
    from .extract import extract, write

    if not args.notice.exists():
        print(f"{args.notice}：文件不存在", file=sys.stderr)
        return 1
    known = pd.read_csv(args.departments, dtype=str, keep_default_na=False) if args.departments.exists() else None
    try:
        result = extract(args.notice.read_bytes(), args.notice.name, known)
    except (ValueError, KeyError, zipfile.BadZipFile) as exc:
        print(f"{args.notice.name}：无法读取（{exc}）", file=sys.stderr)
        return 1
    write(result, args.out, args.id or args.notice.stem)
    for warning in result.warnings:
        print(f"警告：{warning}", file=sys.stderr)
    print(f"已写出 {args.out}：{len(result.tasks)} 项任务、{len(result.targets)} 个指标、{len(result.departments)} 个单位；"
          f"{len(result.warnings)} 条待确认。")
    return 0


def _export(args, plan, store) -> int:
    from . import review
    from .deck import build as build_deck
    from .exports import ledger_xlsx
    from .pptx import to_pptx
    from .snapshot import take

    snapshot = take(plan, store, args.as_of, include_unreviewed=args.include_unreviewed)
    if args.format == "xlsx":
        data = ledger_xlsx(snapshot, store.batches(plan.id), per_unit=args.per_unit, author=args.office)
    else:
        since = args.since or max(plan.start, snapshot.as_of - timedelta(days=30))
        before = take(plan, store, since, include_unreviewed=args.include_unreviewed)
        data = to_pptx(plan, build_deck(snapshot, before), snapshot.as_of, author=args.office)
    args.out.write_bytes(data)
    note = review.counting_note(snapshot)
    print(f"已写出 {args.out}（统计截至 {snapshot.as_of}，{len(data) / 1024:.0f} KB）。" + (f"{note}。" if note else ""))
    return 0


def _template(args, plan, store) -> int:
    from .template import default_report_date, template_csv, template_frame, template_title, template_xlsx

    known, unit = _unit(plan, args.unit)
    if not known:
        return 1
    suffix = args.out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        print("--out 应以 .xlsx 或 .csv 结尾", file=sys.stderr)
        return 1
    frame = template_frame(plan, store.latest_target_reports(plan.id), store.latest_task_reports(plan.id), unit,
                           args.as_of or default_report_date(plan))
    data = template_xlsx(frame, template_title(plan, unit)) if suffix == ".xlsx" else template_csv(frame)
    args.out.write_bytes(data)
    print(f"已写出 {args.out}：{(frame['指标编号'].notna()).sum()} 个指标、{frame['指标编号'].isna().sum()} 项任务。")
    return 0


def _password(args, confirm: bool = True) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("密码：")
    if confirm and getpass.getpass("再输一遍：") != first:
        raise ValueError("两次输入的密码不一致")
    return first


def _user(args, plan, store) -> int:
    from .accounts import Accounts

    accounts = Accounts(store)
    try:
        if args.user_command == "add":
            unit = None
            if args.unit:
                unit = plan.canonical(args.unit)
                if unit is None:
                    raise ValueError(f"“{args.unit}”不是本计划中的单位")
            name = accounts.add(args.name, args.role, _password(args), unit, by=_by(args))
            print(f"已创建账户 {name}（{args.role}{'，' + unit if unit else ''}）。")
        elif args.user_command == "list":
            table = accounts.list()
            for r in table.itertuples(index=False):
                state = "停用" if r.disabled else ("锁定至 " + r.locked_until if r.locked_until else "正常")
                print(f"{r.name}\t{r.role}\t{r.unit if isinstance(r.unit, str) else ''}\t{state}")
            if table.empty:
                print("尚无账户：应用以单机管理员模式运行，只在本机可访问。")
        elif args.user_command == "disable":
            accounts.disable(args.name, by=_by(args))
            print(f"已停用账户 {args.name}。")
        elif args.user_command == "enable":
            accounts.enable(args.name, by=_by(args))
            print(f"已启用账户 {args.name}。")
        else:
            accounts.set_password(args.name, _password(args), by=_by(args))
            print(f"已为 {args.name} 设置新密码。")
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def _backup(args, plan, store) -> int:
    try:
        store.backup(args.out, by=_by(args))
    except ValueError as exc:
        print(f"未备份：{exc}", file=sys.stderr)
        return 1
    except OperationalError as exc:  # a read-only or full store can still be backed up
        if not args.out.is_file():
            raise
        from .errors import user_message

        print(f"警告：备份已写出，但未能在审计日志中记下这次备份。{user_message(exc)}", file=sys.stderr)
    print(f"已备份到 {args.out}（{args.out.stat().st_size / 1024:.0f} KB）。")
    return 0


def _restore(args, plan, store) -> int:
    try:
        store.restore(args.file, by=_by(args))
    except ValueError as exc:
        print(f"{args.file}：{exc}；数据库未作任何改动。", file=sys.stderr)
        return 1
    print(f"已从 {args.file} 恢复。")
    return 0


def _sample(args, plan, store) -> int:
    from .samples import load_sample, remove_sample

    if args.action == "load":
        batch = load_sample(plan, store, by=_by(args))
        print("示例数据已载入过，未作改动。" if batch.duplicate else f"示例数据已载入为批次 {batch.batch_id}。")
    else:
        print(f"已撤销 {remove_sample(plan, store, by=_by(args))} 个示例数据批次（记录保留）。")
    return 0


def _migrate(args, plan, store) -> int:
    print(f"数据库 {shown(store.url)} 的结构为第 {store.schema_version()} 版（本程序的最新版）。")
    return 0


def _copy_store(args) -> int:
    from .store import copy_store

    try:
        url = database_url(args.source)
        if is_sqlite(url) and not Path(url.database).is_file():
            raise ValueError(f"{url.database}：文件不存在")
        source, target = Store(args.source), Store(args.target)
        if source.url == target.url:
            raise ValueError("--from 与 --to 是同一个数据库")
        counts = copy_store(source, target, by=_by(args))
    except ValueError as exc:
        print(f"未复制：{exc}", file=sys.stderr)
        return 1
    print(f"已将 {shown(source.url)} 复制到 {shown(target.url)}："
          + "、".join(f"{name} {count} 行" for name, count in counts.items()) + "。")
    return 0
