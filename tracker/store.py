"""The progress store: batches of reports in SQLite or PostgreSQL, appended and never overwritten."""
from __future__ import annotations

import os
import re
import sqlite3
import tempfile
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

import pandas as pd
from sqlalchemy import Connection, text

from . import db, migrations
from .migrations import legacy
from .problem_list import OPEN_PROBLEM_STATES, check_move
from .settings import DEFAULTS, SETTINGS, resolve, validate

DEFAULT_DB = db.DEFAULT_DB
SCHEMA_VERSION = int(migrations.HEAD)  # revisions are numbered on from the earlier migrations (baseline 0004)
SETTING_LABELS = {s.name: s.label() for s in SETTINGS}  # settings by their names on the form, for the audit log
# Review (审核): the states a report row can be in, and the table behind each kind of row.
REVIEW_ANY = ("approved", "pending", "returned")
REPORT_TABLES = {"target": "target_reports", "task": "task_reports"}
APPROVED_ON_IMPORT = "导入时批准"


@dataclass(frozen=True)
class BatchResult:
    batch_id: int
    duplicate: bool  # the same file was already stored and not reverted: nothing changed


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


class Store:
    """Progress store in one database (a SQLite file or a PostgreSQL URL); every method opens its own short
    connection, and every method that changes something writes its audit row in the same transaction, naming the
    acting user (`by`)."""

    def __init__(self, spec: str | os.PathLike | None = None):
        self.url = db.database_url(spec)
        self.sqlite = db.is_sqlite(self.url)
        self.path = Path(self.url.database) if self.sqlite else None  # the file, for SQLite
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.engine = db.engine_for(self.url)
        self.migrate()

    def __repr__(self) -> str:
        return f"Store({db.shown(self.url)!r})"

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection for reading (one snapshot for its queries); closed, and anything left open rolled back, at
        the end."""
        with db.reading(self.engine) as conn:
            yield conn

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction: all of it lands or none of it."""
        with db.writing(self.engine) as conn:
            yield conn

    def close(self) -> None:
        """Let go of the pooled connections (PostgreSQL)."""
        self.engine.dispose()

    def migrate(self) -> None:
        """Apply every migration the database lacks, an earlier version's SQLite store upgraded in place with its
        data (a store that is up to date is only read, so that a read-only store can still be looked at); servers
        starting together migrate one after another."""
        with self.connect() as conn:
            if migrations.current(conn) == migrations.HEAD:
                return
        with self.transaction() as conn:
            db.lock(conn, "migrate")
            if migrations.current(conn) != migrations.HEAD:  # another server may have done it meanwhile
                migrations.upgrade(conn)

    def schema_version(self) -> int:
        """The newest migration applied."""
        with self.connect() as conn:
            return int(migrations.current(conn) or 0)

    def add_batch(self, plan_id: str, file_name: str, sha256: str, target_rows: pd.DataFrame,
                  task_rows: pd.DataFrame | None = None, *, unit: str | None = None, by: str | None = None,
                  source: str = "upload", is_sample: bool = False, review: str | None = None) -> BatchResult:
        """Store one batch of reports in one transaction, with its audit row; the same file twice changes nothing,
        even when two servers store it at the same moment. `review`: None when review is not in use (the rows
        count on arrival), "pending" (待审核) or "approved" (approved on import, recorded as such)."""
        task_rows = task_rows if task_rows is not None else pd.DataFrame(columns=["task_id"])
        rows = len(target_rows) + len(task_rows)
        with self.transaction() as conn:
            # Imports of one plan queue here, so that a batch's rows are numbered together and a later batch
            # always supersedes an earlier one; the unique index on the active (plan_id, sha256) backs it.
            db.lock(conn, "import", plan_id)
            existing = _active_batch(conn, plan_id, sha256)
            if existing is not None:
                return BatchResult(existing, True)
            batch_id = conn.execute(text(
                'INSERT INTO batches (plan_id, file_name, sha256, created_at, unit, "user", source, is_sample,'
                " row_count) VALUES (:plan_id, :file_name, :sha256, :at, :unit, :by, :source, :is_sample, :rows)"
                " RETURNING id"), dict(plan_id=plan_id, file_name=file_name, sha256=sha256, at=_now(), unit=unit,
                                       by=by, source=source, is_sample=int(is_sample), rows=rows)).scalar_one()
            write_audit(conn, by, *(("load_sample", f"{plan_id}: batch {batch_id}") if is_sample else
                                    ("upload", f"batch {batch_id}: {file_name} ({rows} rows)")))
            state = "pending" if review == "pending" else "approved"
            # Rows go in by item and date, as the indexes that find the reports in force hold them: a file in date
            # order would put each row in another place of those indexes (a bulk file was stored 2.4 times slower).
            # A stable sort, so that of one item and date twice in a file the later row still supersedes.
            by_item = itemgetter(2, 3)
            if count := len(target_rows):
                notes = target_rows["note"].tolist() if "note" in target_rows else [""] * count
                db.insert_rows(conn, "target_reports", ("plan_id", "batch_id", "target_id", "as_of", "actual", "note",
                                                        "review"),
                               sorted(zip([plan_id] * count, [batch_id] * count, target_rows["target_id"].tolist(),
                                          map(_iso, target_rows["as_of"].tolist()),
                                          map(float, target_rows["actual"].tolist()), [str(n or "") for n in notes],
                                          [state] * count), key=by_item))
            db.insert_rows(conn, "task_reports", ("plan_id", "batch_id", "task_id", "as_of", "state", "progress",
                                                  "problems", "next_steps", "review"),
                           sorted(((plan_id, batch_id, int(r.task_id), _iso(r.as_of), r.state or None,
                                    r.progress or "", r.problems or "", r.next_steps or "", state)
                                   for r in task_rows.itertuples(index=False)), key=by_item))
            if review == "approved":
                for kind, table in REPORT_TABLES.items():
                    conn.execute(text(
                        f"INSERT INTO review_events (kind, report_id, batch_id, plan_id, decision, reason, at, by)"
                        f" SELECT '{kind}', id, batch_id, plan_id, 'approved', :reason, :at, :by FROM {table}"
                        f" WHERE batch_id = :batch_id"), dict(reason=APPROVED_ON_IMPORT, at=_now(), by=by,
                                                              batch_id=batch_id))
                write_audit(conn, by, "review_approve", f"batch {batch_id}: {APPROVED_ON_IMPORT}")
            for r in task_rows.itertuples(index=False):
                if (getattr(r, "problems", "") or "").strip():
                    self._raise_problem(conn, plan_id, int(r.task_id), unit, r.problems.strip(), _iso(r.as_of),
                                        None, by, batch_id)
        return BatchResult(batch_id, False)

    def _raise_problem(self, conn, plan_id, task_id, unit, text_, raised_on, owner, by, batch_id=None) -> int | None:
        states = {f"s{n}": state for n, state in enumerate(OPEN_PROBLEM_STATES)}
        open_same = conn.execute(text(
            "SELECT p.id FROM problems p WHERE p.plan_id = :plan_id AND p.task_id = :task_id AND p.text = :text"
            " AND (SELECT e.state FROM problem_events e WHERE e.problem_id = p.id ORDER BY e.id DESC LIMIT 1)"
            f" IN ({', '.join(':' + name for name in states)})"),
            dict(plan_id=plan_id, task_id=task_id, text=text_, **states)).first()
        if open_same:
            return None  # reported again while still open: the same problem
        problem_id = conn.execute(text(
            "INSERT INTO problems (plan_id, task_id, unit, text, raised_on, owner, source_batch, created_at)"
            " VALUES (:plan_id, :task_id, :unit, :text, :raised_on, :owner, :batch_id, :at) RETURNING id"),
            dict(plan_id=plan_id, task_id=task_id, unit=unit, text=text_, raised_on=raised_on, owner=owner,
                 batch_id=batch_id, at=_now())).scalar_one()
        conn.execute(text("INSERT INTO problem_events (problem_id, at, state, by, note)"
                          " VALUES (:problem_id, :at, 'found', :by, '')"),
                     dict(problem_id=problem_id, at=_now(), by=by))
        return problem_id

    def add_problem(self, plan_id: str, task_id: int, text: str, raised_on: date, *, unit: str | None = None,
                    owner: str | None = None, by: str | None = None, shown_as: str | None = None) -> int | None:
        """Raise a problem on a task (state 发现); None when the same problem is already open. `by` is the acting
        user for the audit log, `shown_as` the name its history shows (default `by`)."""
        with self.transaction() as conn:
            db.lock(conn, "problem", plan_id)  # the same problem raised twice at once is one problem
            problem_id = self._raise_problem(conn, plan_id, task_id, unit, text.strip(), _iso(raised_on), owner,
                                             shown_as or by)
            if problem_id is not None:
                write_audit(conn, by, "problem_add", f"#{problem_id} task {task_id}")
            return problem_id

    def change_problem(self, problem_id: int, state: str, *, by: str | None = None, note: str = "",
                       owner: str | None = None, shown_as: str | None = None) -> None:
        """Move a problem along the problem list's flow, recording when, by whom (`shown_as`, default `by`) and why;
        the history is kept, and the acting user `by` is written to the audit log."""
        with self.transaction() as conn:
            db.lock(conn, "problem_move", str(problem_id))  # two moves at once: the second sees the first
            row = conn.execute(text("SELECT state FROM problem_events WHERE problem_id = :id ORDER BY id DESC LIMIT 1"),
                               {"id": problem_id}).first()
            if row is None:
                raise ValueError(f"没有编号为 {problem_id} 的问题")
            check_move(problem_id, row[0], state, note)
            conn.execute(text("INSERT INTO problem_events (problem_id, at, state, by, note)"
                              " VALUES (:id, :at, :state, :by, :note)"),
                         dict(id=problem_id, at=_now(), state=state, by=shown_as or by, note=note))
            if owner is not None:
                conn.execute(text("UPDATE problems SET owner = :owner WHERE id = :id"), dict(owner=owner, id=problem_id))
            write_audit(conn, by, "problem_change", f"#{problem_id} {state}")

    def problems(self, plan_id: str) -> pd.DataFrame:
        """Every problem of a plan with its current state: those raised by hand, and those raised by a task report
        while a report of the task that counts or waits still says it (a row returned by the office or a reverted
        batch takes its problem along; a later report saying it again brings it back, with its history)."""
        frame = self._frame(
            "SELECT p.*, e.state, e.at AS state_at, e.by AS state_by FROM problems p JOIN problem_events e"
            " ON e.id = (SELECT MAX(id) FROM problem_events WHERE problem_id = p.id)"
            " WHERE p.plan_id = :plan_id ORDER BY p.id", plan_id=plan_id)
        # the rows that raise problems are few: read them, and compare their text as it was raised (stripped)
        saying = self._frame(
            "SELECT task_id, problems FROM task_reports WHERE plan_id = :plan_id AND reverted = 0"
            " AND review <> 'returned' AND problems <> '' AND task_id IN"
            " (SELECT task_id FROM problems WHERE plan_id = :plan_id AND source_batch IS NOT NULL)", plan_id=plan_id)
        said = set(zip(saying["task_id"].astype(int), saying["problems"].str.strip()))
        by_hand = frame["source_batch"].isna()
        frame = frame[by_hand | pd.Series([(int(t), x) in said for t, x in zip(frame["task_id"], frame["text"])],
                                          index=frame.index, dtype=bool)].reset_index(drop=True)
        frame["raised_on"] = pd.to_datetime(frame["raised_on"]).dt.date
        return frame

    def problem_history(self, problem_id: int) -> pd.DataFrame:
        """Every state a problem has been in, oldest first."""
        return self._frame("SELECT at, state, by, note FROM problem_events WHERE problem_id = :id ORDER BY id",
                           id=problem_id)

    def find_batch(self, plan_id: str, sha256: str) -> int | None:
        """The batch that already holds this exact file and still counts, if any."""
        with self.connect() as conn:
            return _active_batch(conn, plan_id, sha256)

    def revert_batch(self, batch_id: int, by: str | None = None) -> bool:
        """Stop counting a batch's rows (nothing is deleted); False if it was already reverted."""
        with self.transaction() as conn:
            row = conn.execute(text("UPDATE batches SET reverted_at = :at, reverted_by = :by"
                                    " WHERE id = :id AND reverted_at IS NULL RETURNING file_name"),
                               dict(at=_now(), by=by, id=batch_id)).first()
            if row is None:
                return False
            _mark_reverted(conn, "batch_id = :id", {"id": batch_id})
            write_audit(conn, by, "revert", f"batch {batch_id}: {row[0]}")
            return True

    def revert_samples(self, plan_id: str, by: str | None = None) -> int:
        """Revert every active sample batch of a plan; returns how many."""
        with self.transaction() as conn:
            at = _now()
            count = conn.execute(text("UPDATE batches SET reverted_at = :at, reverted_by = :by WHERE plan_id = :plan_id"
                                      " AND is_sample = 1 AND reverted_at IS NULL"),
                                 dict(at=at, by=by, plan_id=plan_id)).rowcount
            if count:
                _mark_reverted(conn, "batch_id IN (SELECT id FROM batches WHERE plan_id = :plan_id AND is_sample = 1"
                               " AND reverted_at = :at)", {"plan_id": plan_id, "at": at})
                write_audit(conn, by, "remove_sample", f"{plan_id}: {count} batches")
            return count

    def has_samples(self, plan_id: str) -> bool:
        """True when sample data (示例数据) currently counts."""
        with self.connect() as conn:
            return conn.execute(text("SELECT 1 FROM batches WHERE plan_id = :plan_id AND is_sample = 1"
                                     " AND reverted_at IS NULL LIMIT 1"), {"plan_id": plan_id}).first() is not None

    def sample_until(self, plan_id: str) -> date | None:
        """The newest report date of the sample data (示例数据) that counts, None when none does."""
        return self._newest(plan_id, " AND b.is_sample = 1")

    def version(self, plan_id: str) -> tuple:
        """A cheap token that changes whenever what counts for the plan changes."""
        # One statement: every page asks for it on every run, some more than once.
        batches = "FROM batches WHERE plan_id = :plan_id"
        events = "FROM problem_events e JOIN problems p ON p.id = e.problem_id WHERE p.plan_id = :plan_id"
        changes = "FROM change_requests WHERE plan_id = :plan_id"
        files = "FROM evidence WHERE plan_id = :plan_id"  # what the review queue says lacks evidence
        # Batches through their (plan_id, reverted_at, id) index, never counting them all (a city's plan has a
        # hundred thousand): a new batch raises the newest counted id, a revert the reverted ones' count and time.
        # (MAX(id) of the counted batches led PostgreSQL to walk every plan's batches backwards by number.)
        columns = [f"COUNT(*) {files}", f"MAX(id) {files}",
                   f"id {batches} AND reverted_at IS NULL ORDER BY plan_id DESC, reverted_at DESC, id DESC LIMIT 1",
                   f"COUNT(*) {batches} AND reverted_at IS NOT NULL",
                   f"MAX(reverted_at) {batches}", "COUNT(*) FROM settings", "MAX(updated_at) FROM settings",
                   "SUM(value) FROM settings", f"COUNT(*) {events}", f"MAX(e.id) {events}",
                   # review decisions are never deleted: the newest one's number says whether one was made
                   "MAX(id) FROM review_events WHERE plan_id = :plan_id",
                   f"COUNT(*) {changes}", f"MAX(decided_at) {changes}",
                   "COUNT(*) FROM users"]  # the first account turns review on
        with self.connect() as conn:
            return tuple(conn.execute(text("SELECT " + ", ".join(f"(SELECT {c})" for c in columns)),
                                      {"plan_id": plan_id}).one())

    def _frame(self, sql: str, **params) -> pd.DataFrame:
        with self.connect() as conn:
            return pd.read_sql_query(text(sql), conn, params=params)

    def _latest(self, table: str, key: str, columns: str, plan_id: str, as_of: date | None,
                review: tuple[str, ...]) -> pd.DataFrame:
        # The newest date on or before as_of wins; on the same date the later batch supersedes. Each of the plan's
        # items is found by a seek in its (plan_id, item, as_of, id) index of the rows not reverted, and its newest
        # counted row by walking back from there: what the plan's latest values cost, not its history.
        where, params = _review_filter(review)
        frame = self._frame(f"""
            WITH RECURSIVE {_items(table, key)}
            SELECT o.{key}, o.as_of, {", ".join("o." + c.strip() for c in columns.split(","))}
            FROM items JOIN {table} o ON o.id = (
                SELECT r.id FROM {table} r
                WHERE r.plan_id = :plan_id AND r.{key} = items.item AND r.as_of <= :as_of AND r.reverted = 0{where}
                ORDER BY r.as_of DESC, r.id DESC LIMIT 1)
            ORDER BY o.{key}""", plan_id=plan_id, as_of=_iso(as_of or date.max), **params)
        frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
        return frame

    def latest_target_reports(self, plan_id: str, as_of: date | None = None,
                              review: tuple[str, ...] = REVIEW_ANY) -> pd.DataFrame:
        """The report in force per target at as_of among rows in the given review states: target_id, as_of, actual,
        note."""
        return self._latest("target_reports", "target_id", "actual, note", plan_id, as_of, review)

    def latest_task_reports(self, plan_id: str, as_of: date | None = None,
                            review: tuple[str, ...] = REVIEW_ANY) -> pd.DataFrame:
        """The report in force per task at as_of among rows in the given review states: task_id, as_of, state,
        progress, problems, next_steps."""
        return self._latest("task_reports", "task_id", "state, progress, problems, next_steps", plan_id, as_of,
                            review)

    def counted_target_reports(self, plan_id: str, as_of: date,
                               review: tuple[str, ...] = REVIEW_ANY) -> pd.DataFrame:
        """What counts at as_of of every target's history, oldest first: the newest report of each target and date
        on or before as_of among rows in the given review states, reverted batches left out (target_id, as_of,
        actual, note, reverted; the projection's input, and with latest_of the reports in force)."""
        # Each (target, date) of the plan is found by a seek in the (plan_id, target_id, as_of, id) index, and its
        # newest counted row by walking back from there: re-uploads of the same months add nothing to the cost.
        where, params = _review_filter(review)
        frame = self._frame(f"""
            WITH RECURSIVE pairs(target_id, as_of) AS (
                SELECT first.target_id, first.as_of FROM (SELECT target_id, as_of FROM target_reports
                    WHERE plan_id = :plan_id AND reverted = 0 ORDER BY target_id, as_of LIMIT 1) first
                UNION ALL
                SELECT {_NEXT_PAIR}
                FROM pairs WHERE pairs.target_id IS NOT NULL
            )
            SELECT o.target_id, o.as_of, o.actual, o.note, 0 AS reverted
            FROM pairs JOIN target_reports o ON o.id = (
                SELECT r.id FROM target_reports r
                WHERE r.plan_id = :plan_id AND r.target_id = pairs.target_id AND r.as_of = pairs.as_of
                  AND r.reverted = 0{where}
                ORDER BY r.id DESC LIMIT 1)
            WHERE pairs.as_of <= :as_of
            ORDER BY o.target_id, o.as_of""", plan_id=plan_id, as_of=_iso(as_of), **params)
        frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
        return frame

    @staticmethod
    def latest_of(counted: pd.DataFrame) -> pd.DataFrame:
        """latest_target_reports at the same date and review states, read from counted_target_reports' frame
        instead of the store: each target's newest date there (its newest batch on that date already won)."""
        latest = counted.drop_duplicates("target_id", keep="last")
        return latest[["target_id", "as_of", "actual", "note"]].reset_index(drop=True)

    def target_history(self, plan_id: str, target_ids: list[str] | None = None,
                       review: tuple[str, ...] = REVIEW_ANY) -> pd.DataFrame:
        """Every report of the given targets (all when None) in the given review states, reverted ones flagged,
        oldest first."""
        where, params = _review_filter(review)
        sql = ('SELECT r.target_id, r.as_of, r.actual, r.note, r.batch_id, b.file_name, b.created_at, b."user",'
               f" b.is_sample, r.review, {REVERTED} FROM target_reports r JOIN batches b ON b.id = r.batch_id"
               " WHERE b.plan_id = :plan_id" + where)
        params["plan_id"] = plan_id
        if target_ids is not None:
            names = {f"t{n}": target for n, target in enumerate(target_ids)}
            sql += f" AND r.target_id IN ({', '.join(':' + name for name in names)})" if names else " AND 1 = 0"
            params.update(names)
        frame = self._frame(sql + " ORDER BY r.target_id, r.as_of, r.id", **params)
        frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
        return frame

    def task_history(self, plan_id: str, task_id: int | None = None,
                     review: tuple[str, ...] = REVIEW_ANY) -> pd.DataFrame:
        """Every report of one task (all tasks when None) in the given review states, reverted ones flagged, oldest
        first."""
        where, params = _review_filter(review)
        sql = ("SELECT r.task_id, r.as_of, r.state, r.progress, r.problems, r.next_steps, r.batch_id, b.file_name,"
               f" r.review, {REVERTED} FROM task_reports r JOIN batches b ON b.id = r.batch_id"
               " WHERE b.plan_id = :plan_id" + where)
        params["plan_id"] = plan_id
        if task_id is not None:
            sql += " AND r.task_id = :task_id"
            params["task_id"] = int(task_id)
        frame = self._frame(sql + " ORDER BY r.task_id, r.as_of, r.id", **params)
        frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
        return frame

    def batches(self, plan_id: str, *, unit: str | None = None, search: str = "",
                limit: int | None = None) -> pd.DataFrame:
        """The batches of a plan, newest first: all of them, or one unit's, or those whose file name holds `search`
        (any case) or whose number it is, the newest `limit` of them when given."""
        sql, params = "SELECT * FROM batches WHERE plan_id = :plan_id", {"plan_id": plan_id}
        if unit is not None:
            sql, params["unit"] = sql + " AND unit = :unit", unit
        if search:
            pattern = re.sub(r"([\\%_])", r"\\\1", search.lower())
            sql += r" AND (LOWER(file_name) LIKE :pattern ESCAPE '\' OR CAST(id AS TEXT) = :search)"
            params.update(pattern=f"%{pattern}%", search=search)
        sql += " ORDER BY id DESC" + (f" LIMIT {int(limit)}" if limit is not None else "")
        return self._frame(sql, **params)

    def batch_count(self, plan_id: str, unit: str | None = None) -> int:
        """How many batches the plan has (one unit's when given)."""
        with self.connect() as conn:
            return conn.execute(text("SELECT COUNT(*) FROM batches WHERE plan_id = :plan_id"
                                     + (" AND unit = :unit" if unit is not None else "")),
                                {"plan_id": plan_id, "unit": unit}).scalar_one()

    def batch_rows(self, batch_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The target and task reports of one batch, as stored."""
        with self.connect() as conn:
            targets = pd.read_sql_query(text("SELECT target_id, as_of, actual, note FROM target_reports"
                                             " WHERE batch_id = :id ORDER BY id"), conn, params={"id": int(batch_id)})
            tasks = pd.read_sql_query(text("SELECT task_id, as_of, state, progress, problems, next_steps"
                                           " FROM task_reports WHERE batch_id = :id ORDER BY id"), conn,
                                      params={"id": int(batch_id)})
        return targets, tasks

    def newest_report_date(self, plan_id: str) -> date | None:
        """The newest as_of among reports that count, or None."""
        return self._newest(plan_id, "")

    def _newest(self, plan_id: str, condition: str) -> date | None:
        with self.connect() as conn:
            newest = conn.execute(text(
                f"SELECT MAX(d) FROM (SELECT MAX(r.as_of) AS d FROM target_reports r JOIN batches b"
                f" ON b.id = r.batch_id WHERE b.plan_id = :plan_id AND b.reverted_at IS NULL{condition}"
                f" UNION ALL SELECT MAX(r.as_of) FROM task_reports r JOIN batches b ON b.id = r.batch_id"
                f" WHERE b.plan_id = :plan_id AND b.reverted_at IS NULL{condition}) newest"),
                {"plan_id": plan_id}).scalar()
        return date.fromisoformat(newest) if newest else None

    def audit(self, user: str | None, action: str, detail: str = "") -> None:
        """Record who did what, and when, in a transaction of its own: for an event with no other change to write
        together with it (a refused login, a backup, a restore)."""
        with self.transaction() as conn:
            write_audit(conn, user, action, detail)

    def audit_log(self, limit: int = 1000) -> pd.DataFrame:
        """The newest audit entries first."""
        return self._frame('SELECT at, "user", action, detail FROM audit ORDER BY id DESC LIMIT :limit', limit=limit)

    def backup(self, target: str | os.PathLike, by: str | None = None, name: str | None = None) -> None:
        """A consistent copy of the database as a SQLite file of this schema, whichever database the store is in
        (SQLite: its online backup; PostgreSQL: its tables read in one snapshot), taken while the app may be
        writing and written under its name only when whole; ValueError for a target that is no place for it. The
        audit log then names the copy (`name`, default its path)."""
        target = Path(target)
        if target.is_dir():
            raise ValueError(f"{target} 是一个目录；请给出备份文件的名称，如 {target / 'progress-backup.db'}")
        if not target.parent.is_dir():
            raise ValueError(f"目录 {target.parent} 不存在；请先建立该目录，或换一个位置")
        if target.exists() and ((self.path is not None and target.resolve() == self.path.resolve())
                                or not _is_sqlite(target)):
            raise ValueError(f"{target.name} 已存在，且是正在使用的数据库或不是数据库文件，未覆盖；请换一个文件名")
        fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
        os.close(fd)
        try:
            if self.sqlite:
                with self.connect() as conn, closing(sqlite3.connect(partial)) as copy:
                    conn.connection.dbapi_connection.backup(copy)
            else:
                Path(partial).unlink()
                copy_store(self, Store(partial))
                with closing(sqlite3.connect(partial)) as copy:  # one self-contained file, no -wal beside it
                    copy.execute("PRAGMA journal_mode=DELETE")
            os.replace(partial, target)
        finally:
            for leftover in (partial, partial + "-wal", partial + "-shm"):
                Path(leftover).unlink(missing_ok=True)
        self.audit(by, "backup", name or str(target))

    def restore(self, source: str | os.PathLike, by: str | None = None, name: str | None = None) -> None:
        """Replace the store's data with a backup. The backup is copied aside, checked against the exact schema of
        its version, migrated and checked again, and only then copied in whole, in one transaction (SQLite: the
        file; PostgreSQL: the rows of the store's tables); ValueError, with the store unchanged, when it is not a
        sound database of this application. The restored database's audit log then records it."""
        _backup_file(source)
        with tempfile.TemporaryDirectory(dir=self.path.parent if self.path else None, prefix=".restore-") as work:
            copy = Path(work) / "restore.db"
            try:  # check what is held here, not a file that may still change where it lies
                with closing(sqlite3.connect(_read_only(source), uri=True)) as backup, \
                        closing(sqlite3.connect(copy)) as conn:
                    backup.execute("PRAGMA trusted_schema=OFF")
                    backup.backup(conn)
            except sqlite3.DatabaseError as exc:
                raise ValueError(f"无法读取备份文件：{exc}") from None
            check_backup(copy)
            try:
                migrated = Store(copy)
            except sqlite3.DatabaseError as exc:
                raise ValueError(f"无法将备份升级到本版本的数据库结构：{exc}") from None
            except Exception as exc:  # SQLAlchemy's wrapping of the same
                if isinstance(getattr(exc, "orig", None), sqlite3.DatabaseError):
                    raise ValueError(f"无法将备份升级到本版本的数据库结构：{exc.orig}") from None
                raise
            if check_backup(copy) != SCHEMA_VERSION:
                raise ValueError("备份升级后仍不是本版本的数据库结构")
            with migrated.transaction() as conn:
                conn.execute(text("DELETE FROM sessions"))  # tokens ended since the backup was taken must stay ended
            if self.sqlite:
                with closing(sqlite3.connect(copy)) as backup, self.connect() as conn:
                    backup.backup(conn.connection.dbapi_connection)  # one write transaction: all of it or none
            else:
                with migrated.connect() as source_conn, self.transaction() as conn:
                    db.lock_store(conn)  # no import or login lands half-way through
                    db.empty(conn)
                    db.copy_rows(source_conn, conn)
        self.audit(by, "restore", name or str(source))  # into the restored log: the replaced one is gone

    def settings(self) -> dict[str, float]:
        """Stored overrides of the settings table."""
        with self.connect() as conn:
            return {name: value for name, value in conn.execute(text("SELECT name, value FROM settings"))}

    def set_settings(self, values: dict[str, float], by: str | None = None) -> dict[str, tuple[float, float]]:
        """Store the values that differ from those in force, each change written to the audit log with its old
        value; a value back at its default drops its override. Returns {name: (old, new)} of what changed."""
        errors = validate(values)
        if errors:
            raise ValueError("；".join(errors))
        before = resolve(self.settings())
        changed = {name: (before[name], float(value)) for name, value in values.items()
                   if name in DEFAULTS and float(value) != before[name]}
        with self.transaction() as conn:
            for name, (old, new) in changed.items():
                if new == DEFAULTS[name]:
                    conn.execute(text("DELETE FROM settings WHERE name = :name"), {"name": name})
                else:
                    conn.execute(text(
                        "INSERT INTO settings (name, value, updated_at, updated_by) VALUES (:name, :value, :at, :by)"
                        " ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,"
                        " updated_by = excluded.updated_by"), dict(name=name, value=new, at=_now(), by=by))
                write_audit(conn, by, "settings", f"{SETTING_LABELS[name]}（{name}）：{old:g} → {new:g}")
        return changed


# Review (审核): the queries that only the review needs, kept together.


def _review_filter(review: tuple[str, ...]) -> tuple[str, dict]:
    if tuple(sorted(review)) == tuple(sorted(REVIEW_ANY)):
        return "", {}
    names = {f"rv{n}": state for n, state in enumerate(review)}
    return f" AND r.review IN ({', '.join(':' + name for name in names)})", names


def _items(table: str, key: str) -> str:
    """A recursive CTE `items(item)`: the plan's distinct items in a table of reports, one index seek each."""
    return f"""items(item) AS (
        SELECT (SELECT {key} FROM {table} WHERE plan_id = :plan_id AND reverted = 0 ORDER BY {key} LIMIT 1)
        UNION ALL
        SELECT (SELECT r.{key} FROM {table} r WHERE r.plan_id = :plan_id AND r.reverted = 0 AND r.{key} > items.item
                ORDER BY r.{key} LIMIT 1)
        FROM items WHERE items.item IS NOT NULL
    )"""


# The (target, date) after the current one in the plan's index, as two seeks at most: the target's next date, else
# the next target's first. (A row-value comparison would read every row of the target in SQLite.)
_SAME_TARGET = ("FROM target_reports r WHERE r.plan_id = :plan_id AND r.reverted = 0"
                " AND r.target_id = pairs.target_id AND r.as_of > pairs.as_of ORDER BY r.as_of LIMIT 1")
_NEXT_TARGET = ("FROM target_reports r WHERE r.plan_id = :plan_id AND r.reverted = 0"
                " AND r.target_id > pairs.target_id ORDER BY r.target_id, r.as_of LIMIT 1")
_NEXT_PAIR = ", ".join(f"COALESCE((SELECT r.{c} {_SAME_TARGET}), (SELECT r.{c} {_NEXT_TARGET}))"
                       for c in ("target_id", "as_of"))


def pending_count(store: Store, plan_id: str, unit: str | None = None) -> int:
    """How many report rows of the plan (of one unit's batches, when given) wait for review (待审核 N 条), read from
    the partial indexes."""
    with store.connect() as conn:
        return sum(conn.execute(text(
            f"SELECT COUNT(*) FROM {table} r JOIN batches b ON b.id = r.batch_id WHERE r.review = 'pending'"
            " AND b.plan_id = :plan_id AND b.reverted_at IS NULL" + (" AND b.unit = :unit" if unit else "")),
            {"plan_id": plan_id, "unit": unit}).scalar_one()
            for table in REPORT_TABLES.values())


def review_rows(store: Store, plan_id: str, states: tuple[str, ...]) -> pd.DataFrame:
    """Report rows of batches that count, in the given review states, oldest first: kind, report_id (id),
    batch_id, unit, user, created_at, item (target or task id), as_of, actual, state, note, review, and the reason
    and time of the latest decision."""
    where, params = _review_filter(states)
    decision = ("(SELECT e.{col} FROM review_events e WHERE e.kind = '{kind}' AND e.report_id = r.id"
                " ORDER BY e.id DESC LIMIT 1)")
    parts = []
    for kind, table in REPORT_TABLES.items():
        item, actual, state, note = (("r.target_id", "r.actual", "NULL", "r.note") if kind == "target" else
                                     ("CAST(r.task_id AS TEXT)", "NULL", "r.state", "r.progress"))
        parts.append(
            f"SELECT '{kind}' AS kind, r.id AS report_id, r.batch_id, b.unit, b.\"user\", b.created_at,"
            f" b.file_name, {item} AS item, r.as_of, {actual} AS actual, {state} AS state, {note} AS note,"
            f" r.review, {decision.format(col='reason', kind=kind)} AS reason,"
            f" {decision.format(col='at', kind=kind)} AS decided_at, {decision.format(col='by', kind=kind)} AS"
            f" decided_by FROM {table} r JOIN batches b ON b.id = r.batch_id"
            f" WHERE b.plan_id = :plan_id AND b.reverted_at IS NULL{where}")
    frame = store._frame(" UNION ALL ".join(parts) + " ORDER BY created_at, batch_id, kind, report_id",
                         plan_id=plan_id, **params)
    frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
    return frame


def decide(store: Store, rows: list[tuple[str, int]], decision: str, reason: str = "",
           by: str | None = None) -> int:
    """Approve ("approved") or return ("returned") pending report rows, given as (kind, report id), in one
    transaction with their history and audit rows; rows no longer pending are left alone. Returns how many were
    decided."""
    decided = []
    at = _now()
    with store.transaction() as conn:
        for kind, report_id in rows:
            row = conn.execute(text(f"UPDATE {REPORT_TABLES[kind]} SET review = :decision"
                                    " WHERE id = :id AND review = 'pending' RETURNING batch_id, plan_id"),
                               dict(decision=decision, id=int(report_id))).first()
            if row is None:
                continue
            conn.execute(text("INSERT INTO review_events (kind, report_id, batch_id, plan_id, decision, reason, at,"
                              " by) VALUES (:kind, :id, :batch_id, :plan_id, :decision, :reason, :at, :by)"),
                         dict(kind=kind, id=int(report_id), batch_id=row[0], plan_id=row[1], decision=decision,
                              reason=reason, at=at, by=by))
            decided.append(f"{kind}:{report_id}")
        if decided:
            write_audit(conn, by, "review_approve" if decision == "approved" else "review_return",
                        ", ".join(decided) + (f"（{reason}）" if reason else ""))
    return len(decided)


# 0 or 1 on both databases (PostgreSQL would give a boolean for the comparison itself)
REVERTED = "CASE WHEN b.reverted_at IS NULL THEN 0 ELSE 1 END AS reverted"


def _mark_reverted(conn: Connection, batches: str, params: dict) -> None:
    """Flag the rows of the batches just reverted (`batches`: a condition on batch_id), so that the indexes of the
    reports in force leave them out; the batch keeps who reverted it and when."""
    for table in REPORT_TABLES.values():
        conn.execute(text(f"UPDATE {table} SET reverted = 1 WHERE {batches}"), params)


def _active_batch(conn: Connection, plan_id: str, sha256: str) -> int | None:
    return conn.execute(text("SELECT id FROM batches WHERE plan_id = :plan_id AND sha256 = :sha256"
                             " AND reverted_at IS NULL"), dict(plan_id=plan_id, sha256=sha256)).scalar()


def copy_store(source: Store, target: Store, by: str | None = None) -> dict[str, int]:
    """Copy every row of one store into another, empty one (SQLite to PostgreSQL or back), read in one snapshot
    and written in one transaction, ids kept; returns the rows per table. ValueError when the target already holds
    data."""
    with source.connect() as source_conn, target.transaction() as conn:
        db.read_snapshot(source_conn)
        db.lock_store(conn)
        held = {name: count for name, count in db.row_counts(conn).items() if count}
        if held:
            raise ValueError(f"目标数据库已有数据（{'、'.join(f'{n} {c} 行' for n, c in held.items())}），未作改动；"
                             "请换一个新建的空数据库")
        counts = db.copy_rows(source_conn, conn)
        if by is not None:
            write_audit(conn, by, "restore", f"copy-store from {db.shown(source.url)}")
    return counts


def _backup_file(path: str | os.PathLike) -> Path:
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path} 是一个目录，不是备份文件")
    if not path.is_file():
        raise ValueError("备份文件不存在")
    if path.stat().st_size == 0:
        raise ValueError("备份文件为空")
    if not _is_sqlite(path):
        raise ValueError("不是 SQLite 数据库文件")
    return path


def _is_sqlite(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(16) == b"SQLite format 3\x00"


def _read_only(path: str | os.PathLike) -> str:
    return "file:" + quote(str(Path(path).resolve())) + "?mode=ro"


SCHEMA_KINDS = {"table": "表", "index": "索引", "trigger": "触发器", "view": "视图"}


def _schema(conn: sqlite3.Connection) -> dict[tuple[str, str], tuple[str, str | None]]:
    # (kind, name) -> (table, SQL without comments and with single spaces), so that layout never matters
    return {(kind, name): (table, sql and " ".join(re.sub(r"--[^\n]*", " ", sql).split()))
            for kind, name, table, sql in conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")}


@lru_cache
def expected_schema(version: int = SCHEMA_VERSION, numbered: bool = False) -> dict[tuple[str, str], tuple[str, str | None]]:
    """Every table and index a SQLite store of the given schema version holds, as a fresh store makes them: by
    Alembic, or (`numbered`) by the numbered migrations of the versions before it."""
    if numbered:
        with closing(sqlite3.connect(":memory:", isolation_level=None)) as conn:
            legacy.apply(conn, version)
            return _schema(conn)
    engine = db.engine_for(db.database_url("sqlite:///:memory:"))
    with db.writing(engine) as conn:
        migrations.upgrade(conn, f"{version:04d}")
        return _schema(conn.connection.dbapi_connection)


def _version(conn: sqlite3.Connection) -> tuple[int, bool]:
    """The schema version a backup records and whether it is one of the numbered migrations before Alembic."""
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "alembic_version" in tables:
        revisions = [r for (r,) in conn.execute("SELECT version_num FROM alembic_version")]
        if not revisions:
            raise ValueError("数据库结构版本表（alembic_version）为空，无法判断备份来自哪个版本")
        if len(revisions) > 1 or not str(revisions[0]).isdigit():
            raise ValueError(f"数据库结构版本表（alembic_version）记录有误（{revisions}），备份不完整或被改动过")
        return int(revisions[0]), False
    if "schema_migrations" not in tables:
        raise ValueError("不是本系统的数据库备份（缺少数据库结构版本表 alembic_version）")
    versions = legacy.applied(conn)
    if not versions:
        raise ValueError("数据库结构版本表（schema_migrations）为空，无法判断备份来自哪个版本")
    if versions[-1] <= SCHEMA_VERSION and (versions != list(range(1, versions[-1] + 1)) or versions[-1] > legacy.LAST):
        raise ValueError(f"数据库结构版本表记录不连续（{versions}），备份不完整或被改动过")
    return versions[-1], True


def check_backup(path: str | os.PathLike) -> int:
    """The schema version of a backup file; ValueError when it is not a sound database of this application: its
    tables, columns and indexes exactly those of its version, and nothing else (no triggers, views or tables of its
    own)."""
    path = _backup_file(path)
    conn = sqlite3.connect(_read_only(path), uri=True)
    try:
        conn.execute("PRAGMA trusted_schema=OFF")
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise ValueError("备份文件未通过完整性检查（integrity_check）")
        version, numbered = _version(conn)
        if version > SCHEMA_VERSION:
            raise ValueError(f"备份来自更新的版本（数据库结构 {version}，本程序支持到 {SCHEMA_VERSION}）")
        if not numbered and version < int(migrations.BASELINE):
            raise ValueError(f"数据库结构版本表（alembic_version）记录有误（{version}），备份不完整或被改动过")
        actual, expected = _schema(conn), expected_schema(version, numbered)
        kinds = SCHEMA_KINDS.get
        differences = [f"缺少{kinds(kind, kind)} {name}" for kind, name in expected if (kind, name) not in actual]
        differences += [f"多出{kinds(kind, kind)} {name}" for kind, name in actual if (kind, name) not in expected]
        differences += [f"{kinds(kind, kind)} {name} 的定义与本系统不同" for kind, name in expected
                        if (kind, name) in actual and actual[kind, name] != expected[kind, name]]
        if differences:
            raise ValueError(f"数据库结构与本系统第 {version} 版不符：{'；'.join(differences)}")
        if conn.execute("PRAGMA foreign_key_check").fetchone():
            raise ValueError("备份中的数据引用不一致（foreign_key_check 未通过）")
    except sqlite3.DatabaseError as exc:
        raise ValueError(f"无法读取备份文件：{exc}") from None
    finally:
        conn.close()
    return version


def write_audit(conn: Connection, user: str | None, action: str, detail: str = "") -> None:
    """One audit row, inside the caller's transaction, so that a change and its audit row land together or not."""
    conn.execute(text('INSERT INTO audit (at, "user", action, detail) VALUES (:at, :user, :action, :detail)'),
                 dict(at=_now(), user=user, action=action, detail=detail))


def _iso(value) -> str:
    return value.isoformat() if isinstance(value, (date, datetime)) else str(value)
