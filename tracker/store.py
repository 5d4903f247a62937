"""The progress store: batches of reports in SQLite, appended and never overwritten."""
from __future__ import annotations

import os
import re
import sqlite3
import tempfile
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

import pandas as pd

from .problem_list import OPEN_PROBLEM_STATES, check_move
from .settings import DEFAULTS, SETTINGS, resolve, validate

DEFAULT_DB = Path(__file__).resolve().parent.parent / "data" / "progress.db"

# Numbered, append-only: a released migration is never edited, a new one is added.
MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "batches, target and task reports, settings", """
        CREATE TABLE batches (
            id          INTEGER PRIMARY KEY,
            plan_id     TEXT NOT NULL,
            file_name   TEXT NOT NULL,
            sha256      TEXT NOT NULL,
            created_at  TEXT NOT NULL,
            unit        TEXT,
            user        TEXT,
            source      TEXT NOT NULL,          -- upload, edit, cli, sample
            is_sample   INTEGER NOT NULL DEFAULT 0,
            row_count   INTEGER NOT NULL,
            reverted_at TEXT,
            reverted_by TEXT
        );
        CREATE INDEX batches_plan ON batches (plan_id, sha256);
        CREATE TABLE target_reports (
            id        INTEGER PRIMARY KEY,
            batch_id  INTEGER NOT NULL REFERENCES batches (id),
            target_id TEXT NOT NULL,
            as_of     TEXT NOT NULL,
            actual    REAL NOT NULL,
            note      TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX target_reports_target ON target_reports (target_id, as_of);
        CREATE TABLE task_reports (
            id         INTEGER PRIMARY KEY,
            batch_id   INTEGER NOT NULL REFERENCES batches (id),
            task_id    INTEGER NOT NULL,
            as_of      TEXT NOT NULL,
            state      TEXT,
            progress   TEXT NOT NULL DEFAULT '',
            problems   TEXT NOT NULL DEFAULT '',
            next_steps TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX task_reports_task ON task_reports (task_id, as_of);
        CREATE TABLE settings (
            name       TEXT PRIMARY KEY,
            value      REAL NOT NULL,
            updated_at TEXT NOT NULL,
            updated_by TEXT
        );
    """),
]
MIGRATIONS.append((2, "problem list with the history of each problem's state", """
        CREATE TABLE problems (
            id           INTEGER PRIMARY KEY,
            plan_id      TEXT NOT NULL,
            task_id      INTEGER NOT NULL,
            unit         TEXT,
            text         TEXT NOT NULL,
            raised_on    TEXT NOT NULL,
            owner        TEXT,
            source_batch INTEGER REFERENCES batches (id),
            created_at   TEXT NOT NULL
        );
        CREATE INDEX problems_plan ON problems (plan_id, task_id);
        CREATE TABLE problem_events (
            id         INTEGER PRIMARY KEY,
            problem_id INTEGER NOT NULL REFERENCES problems (id),
            at         TEXT NOT NULL,
            state      TEXT NOT NULL,          -- found, coordinating, solved, closed
            by         TEXT,
            note       TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX problem_events_problem ON problem_events (problem_id, id);
"""))
MIGRATIONS.append((3, "accounts and the audit log", """
        CREATE TABLE users (
            name          TEXT PRIMARY KEY,
            role          TEXT NOT NULL,          -- admin, leader, reporter
            unit          TEXT,
            password_hash TEXT NOT NULL,
            disabled      INTEGER NOT NULL DEFAULT 0,
            failed_logins INTEGER NOT NULL DEFAULT 0,
            locked_until  TEXT,
            created_at    TEXT NOT NULL
        );
        CREATE TABLE audit (
            id     INTEGER PRIMARY KEY,
            at     TEXT NOT NULL,
            user   TEXT,
            action TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX audit_at ON audit (at)
"""))
MIGRATIONS.append((4, "sessions that outlive a page reload", """
        CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,              -- SHA-256 of the browser's cookie, not the token itself
            name       TEXT NOT NULL REFERENCES users (name),
            created_at TEXT NOT NULL,
            last_seen  TEXT NOT NULL
        );
        CREATE INDEX sessions_name ON sessions (name)
"""))
SCHEMA_VERSION = MIGRATIONS[-1][0]
SETTING_LABELS = {s.name: s.label() for s in SETTINGS}  # settings by their names on the form, for the audit log


def db_path(spec: str | os.PathLike | None = None) -> Path:
    """The database file from a path or sqlite URL, else $TRACKER_DB, else data/progress.db."""
    spec = spec or os.environ.get("TRACKER_DB") or DEFAULT_DB
    text = str(spec)
    if "://" in text:
        if not text.startswith("sqlite:///"):
            raise ValueError(f"暂只支持 SQLite 数据库（sqlite:///路径 或文件路径），收到：{text}")
        text = text[len("sqlite:///"):]
    return Path(text)


@dataclass(frozen=True)
class BatchResult:
    batch_id: int
    duplicate: bool  # the same file was already stored and not reverted: nothing changed


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


class Store:
    """Progress store over one SQLite file; every method opens its own short connection, and every method that
    changes something writes its audit row in the same transaction, naming the acting user (`by`)."""

    def __init__(self, spec: str | os.PathLike | None = None):
        self.path = db_path(spec)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.migrate()

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in WAL mode with a busy timeout; commits on success, rolls back on error."""
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA foreign_keys=ON")
            yield conn
        finally:
            conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """An immediate (write-locking) transaction: all of it lands or none of it."""
        with self.connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                # SQLite ends the transaction itself on some errors (a full disk): a ROLLBACK then would raise
                # "cannot rollback - no transaction is active" and hide the real error
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def migrate(self) -> None:
        """Apply every migration not yet recorded in the database (a store that is up to date is only read, so
        that a read-only store can still be looked at)."""
        with self.connect() as conn:
            if _applied(conn) == list(range(1, SCHEMA_VERSION + 1)):
                return
        with self.transaction() as conn:
            _apply_migrations(conn)

    def schema_version(self) -> int:
        """The newest migration applied."""
        with self.connect() as conn:
            return conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0] or 0

    def add_batch(self, plan_id: str, file_name: str, sha256: str, target_rows: pd.DataFrame,
                  task_rows: pd.DataFrame | None = None, *, unit: str | None = None, by: str | None = None,
                  source: str = "upload", is_sample: bool = False) -> BatchResult:
        """Store one batch of reports in one transaction, with its audit row; the same file twice changes nothing."""
        task_rows = task_rows if task_rows is not None else pd.DataFrame(columns=["task_id"])
        with self.transaction() as conn:
            existing = conn.execute(
                "SELECT id FROM batches WHERE plan_id = ? AND sha256 = ? AND reverted_at IS NULL",
                (plan_id, sha256)).fetchone()
            if existing:
                return BatchResult(existing[0], True)
            rows = len(target_rows) + len(task_rows)
            batch_id = conn.execute(
                "INSERT INTO batches (plan_id, file_name, sha256, created_at, unit, user, source, is_sample,"
                " row_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (plan_id, file_name, sha256, _now(), unit, by, source, int(is_sample), rows)).lastrowid
            write_audit(conn, by, *(("load_sample", f"{plan_id}: batch {batch_id}") if is_sample else
                                    ("upload", f"batch {batch_id}: {file_name} ({rows} rows)")))
            conn.executemany(
                "INSERT INTO target_reports (batch_id, target_id, as_of, actual, note) VALUES (?, ?, ?, ?, ?)",
                [(batch_id, r.target_id, _iso(r.as_of), float(r.actual), str(getattr(r, "note", "") or ""))
                 for r in target_rows.itertuples(index=False)])
            conn.executemany(
                "INSERT INTO task_reports (batch_id, task_id, as_of, state, progress, problems, next_steps)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(batch_id, int(r.task_id), _iso(r.as_of), r.state or None, r.progress or "",
                  r.problems or "", r.next_steps or "") for r in task_rows.itertuples(index=False)])
            for r in task_rows.itertuples(index=False):
                if (getattr(r, "problems", "") or "").strip():
                    self._raise_problem(conn, plan_id, int(r.task_id), unit, r.problems.strip(), _iso(r.as_of),
                                        None, by, batch_id)
        return BatchResult(batch_id, False)

    def _raise_problem(self, conn, plan_id, task_id, unit, text, raised_on, owner, by, batch_id=None) -> int | None:
        open_same = conn.execute(
            "SELECT p.id FROM problems p WHERE p.plan_id = ? AND p.task_id = ? AND p.text = ? AND (SELECT e.state"
            " FROM problem_events e WHERE e.problem_id = p.id ORDER BY e.id DESC LIMIT 1)"
            f" IN ({', '.join('?' * len(OPEN_PROBLEM_STATES))})", (plan_id, task_id, text, *OPEN_PROBLEM_STATES)
        ).fetchone()
        if open_same:
            return None  # reported again while still open: the same problem
        problem_id = conn.execute(
            "INSERT INTO problems (plan_id, task_id, unit, text, raised_on, owner, source_batch, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (plan_id, task_id, unit, text, raised_on, owner, batch_id, _now())
        ).lastrowid
        conn.execute("INSERT INTO problem_events (problem_id, at, state, by, note) VALUES (?, ?, 'found', ?, '')",
                     (problem_id, _now(), by))
        return problem_id

    def add_problem(self, plan_id: str, task_id: int, text: str, raised_on: date, *, unit: str | None = None,
                    owner: str | None = None, by: str | None = None, shown_as: str | None = None) -> int | None:
        """Raise a problem on a task (state 发现); None when the same problem is already open. `by` is the acting
        user for the audit log, `shown_as` the name its history shows (default `by`)."""
        with self.transaction() as conn:
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
            row = conn.execute("SELECT state FROM problem_events WHERE problem_id = ? ORDER BY id DESC LIMIT 1",
                               (problem_id,)).fetchone()
            if row is None:
                raise ValueError(f"没有编号为 {problem_id} 的问题")
            check_move(problem_id, row[0], state, note)
            conn.execute("INSERT INTO problem_events (problem_id, at, state, by, note) VALUES (?, ?, ?, ?, ?)",
                         (problem_id, _now(), state, shown_as or by, note))
            if owner is not None:
                conn.execute("UPDATE problems SET owner = ? WHERE id = ?", (owner, problem_id))
            write_audit(conn, by, "problem_change", f"#{problem_id} {state}")

    def problems(self, plan_id: str) -> pd.DataFrame:
        """Every problem of a plan with its current state (those raised by a reverted batch left out)."""
        with self.connect() as conn:
            frame = pd.read_sql_query(
                "SELECT p.*, e.state, e.at AS state_at, e.by AS state_by FROM problems p JOIN problem_events e"
                " ON e.id = (SELECT MAX(id) FROM problem_events WHERE problem_id = p.id)"
                " LEFT JOIN batches b ON b.id = p.source_batch"
                " WHERE p.plan_id = ? AND b.reverted_at IS NULL ORDER BY p.id", conn, params=(plan_id,))
        frame["raised_on"] = pd.to_datetime(frame["raised_on"]).dt.date
        return frame

    def problem_history(self, problem_id: int) -> pd.DataFrame:
        """Every state a problem has been in, oldest first."""
        with self.connect() as conn:
            return pd.read_sql_query("SELECT at, state, by, note FROM problem_events WHERE problem_id = ? ORDER BY id",
                                     conn, params=(problem_id,))

    def find_batch(self, plan_id: str, sha256: str) -> int | None:
        """The batch that already holds this exact file and still counts, if any."""
        with self.connect() as conn:
            row = conn.execute("SELECT id FROM batches WHERE plan_id = ? AND sha256 = ? AND reverted_at IS NULL",
                               (plan_id, sha256)).fetchone()
        return row[0] if row else None

    def revert_batch(self, batch_id: int, by: str | None = None) -> bool:
        """Stop counting a batch's rows (nothing is deleted); False if it was already reverted."""
        with self.transaction() as conn:
            row = conn.execute("SELECT file_name FROM batches WHERE id = ? AND reverted_at IS NULL",
                               (batch_id,)).fetchone()
            if row is None:
                return False
            conn.execute("UPDATE batches SET reverted_at = ?, reverted_by = ? WHERE id = ?", (_now(), by, batch_id))
            write_audit(conn, by, "revert", f"batch {batch_id}: {row[0]}")
            return True

    def revert_samples(self, plan_id: str, by: str | None = None) -> int:
        """Revert every active sample batch of a plan; returns how many."""
        with self.transaction() as conn:
            count = conn.execute("UPDATE batches SET reverted_at = ?, reverted_by = ? WHERE plan_id = ? "
                                 "AND is_sample = 1 AND reverted_at IS NULL", (_now(), by, plan_id)).rowcount
            if count:
                write_audit(conn, by, "remove_sample", f"{plan_id}: {count} batches")
            return count

    def has_samples(self, plan_id: str) -> bool:
        """True when sample data (示例数据) currently counts."""
        with self.connect() as conn:
            return conn.execute("SELECT 1 FROM batches WHERE plan_id = ? AND is_sample = 1 "
                                "AND reverted_at IS NULL LIMIT 1", (plan_id,)).fetchone() is not None

    def sample_until(self, plan_id: str) -> date | None:
        """The newest report date of the sample data (示例数据) that counts, None when none does."""
        with self.connect() as conn:
            row = conn.execute(
                "SELECT MAX(d) FROM (SELECT MAX(r.as_of) d FROM target_reports r JOIN batches b ON b.id = r.batch_id"
                " WHERE b.plan_id = ? AND b.is_sample = 1 AND b.reverted_at IS NULL UNION ALL SELECT MAX(r.as_of)"
                " FROM task_reports r JOIN batches b ON b.id = r.batch_id WHERE b.plan_id = ? AND b.is_sample = 1"
                " AND b.reverted_at IS NULL)", (plan_id, plan_id)).fetchone()
        return date.fromisoformat(row[0]) if row and row[0] else None

    def version(self, plan_id: str) -> tuple:
        """A cheap token that changes whenever what counts for the plan changes."""
        queries = [("SELECT COUNT(*), MAX(id), COUNT(reverted_at), MAX(reverted_at) FROM batches WHERE plan_id = ?",
                    (plan_id,)),
                   ("SELECT COUNT(*), MAX(updated_at), SUM(value) FROM settings", ()),
                   ("SELECT COUNT(*), MAX(e.id) FROM problem_events e JOIN problems p ON p.id = e.problem_id"
                    " WHERE p.plan_id = ?", (plan_id,))]
        with self.connect() as conn:
            return sum((tuple(conn.execute(sql, params).fetchone()) for sql, params in queries), ())

    def _latest(self, table: str, key: str, columns: str, plan_id: str, as_of: date | None) -> pd.DataFrame:
        # The newest date on or before as_of wins; on the same date the later batch supersedes.
        sql = f"""
            SELECT {key}, as_of, {columns} FROM (
                SELECT r.*, ROW_NUMBER() OVER (PARTITION BY r.{key} ORDER BY r.as_of DESC, r.id DESC) AS rank
                FROM {table} r JOIN batches b ON b.id = r.batch_id
                WHERE b.plan_id = ? AND b.reverted_at IS NULL AND r.as_of <= ?
            ) WHERE rank = 1 ORDER BY {key}"""
        with self.connect() as conn:
            frame = pd.read_sql_query(sql, conn, params=(plan_id, _iso(as_of or date.max)))
        frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
        return frame

    def latest_target_reports(self, plan_id: str, as_of: date | None = None) -> pd.DataFrame:
        """The report in force per target at as_of: target_id, as_of, actual, note."""
        return self._latest("target_reports", "target_id", "actual, note", plan_id, as_of)

    def latest_task_reports(self, plan_id: str, as_of: date | None = None) -> pd.DataFrame:
        """The report in force per task at as_of: task_id, as_of, state, progress, problems, next_steps."""
        return self._latest("task_reports", "task_id", "state, progress, problems, next_steps", plan_id, as_of)

    def target_history(self, plan_id: str, target_ids: list[str] | None = None) -> pd.DataFrame:
        """Every report of the given targets (all when None), reverted ones flagged, oldest first."""
        sql = ("SELECT r.target_id, r.as_of, r.actual, r.note, r.batch_id, b.file_name, b.created_at, b.user,"
               " b.is_sample, b.reverted_at IS NOT NULL AS reverted FROM target_reports r"
               " JOIN batches b ON b.id = r.batch_id WHERE b.plan_id = ?")
        params: list = [plan_id]
        if target_ids is not None:
            sql += f" AND r.target_id IN ({','.join('?' * len(target_ids))})"
            params += list(target_ids)
        with self.connect() as conn:
            frame = pd.read_sql_query(sql + " ORDER BY r.target_id, r.as_of, r.id", conn, params=params)
        frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
        return frame

    def task_history(self, plan_id: str, task_id: int | None = None) -> pd.DataFrame:
        """Every report of one task (all tasks when None), reverted ones flagged, oldest first."""
        sql = ("SELECT r.task_id, r.as_of, r.state, r.progress, r.problems, r.next_steps, r.batch_id, b.file_name,"
               " b.reverted_at IS NOT NULL AS reverted FROM task_reports r JOIN batches b ON b.id = r.batch_id"
               " WHERE b.plan_id = ?")
        params: list = [plan_id]
        if task_id is not None:
            sql += " AND r.task_id = ?"
            params.append(task_id)
        with self.connect() as conn:
            frame = pd.read_sql_query(sql + " ORDER BY r.task_id, r.as_of, r.id", conn, params=params)
        frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
        return frame

    def batches(self, plan_id: str) -> pd.DataFrame:
        """All batches of a plan, newest first."""
        with self.connect() as conn:
            return pd.read_sql_query("SELECT * FROM batches WHERE plan_id = ? ORDER BY id DESC", conn,
                                     params=(plan_id,))

    def batch_rows(self, batch_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The target and task reports of one batch, as stored."""
        with self.connect() as conn:
            targets = pd.read_sql_query("SELECT target_id, as_of, actual, note FROM target_reports WHERE batch_id = ?"
                                        " ORDER BY id", conn, params=(batch_id,))
            tasks = pd.read_sql_query("SELECT task_id, as_of, state, progress, problems, next_steps FROM task_reports"
                                      " WHERE batch_id = ? ORDER BY id", conn, params=(batch_id,))
        return targets, tasks

    def newest_report_date(self, plan_id: str) -> date | None:
        """The newest as_of among reports that count, or None."""
        with self.connect() as conn:
            row = conn.execute(
                "SELECT MAX(d) FROM (SELECT MAX(r.as_of) d FROM target_reports r JOIN batches b ON b.id = r.batch_id"
                " WHERE b.plan_id = ? AND b.reverted_at IS NULL UNION ALL SELECT MAX(r.as_of) FROM task_reports r"
                " JOIN batches b ON b.id = r.batch_id WHERE b.plan_id = ? AND b.reverted_at IS NULL)",
                (plan_id, plan_id)).fetchone()
        return date.fromisoformat(row[0]) if row and row[0] else None

    def audit(self, user: str | None, action: str, detail: str = "") -> None:
        """Record who did what, and when, in a transaction of its own: for an event with no other change to write
        together with it (a refused login, a backup, a restore)."""
        with self.transaction() as conn:
            write_audit(conn, user, action, detail)

    def audit_log(self, limit: int = 1000) -> pd.DataFrame:
        """The newest audit entries first."""
        with self.connect() as conn:
            return pd.read_sql_query("SELECT at, user, action, detail FROM audit ORDER BY id DESC LIMIT ?", conn,
                                     params=(limit,))

    def backup(self, target: str | os.PathLike, by: str | None = None, name: str | None = None) -> None:
        """A consistent copy of the database, taken with SQLite's online backup while the app may be writing, and
        written under its name only when whole; ValueError for a target that is no place for it. The audit log then
        names the copy (`name`, default its path)."""
        target = Path(target)
        if target.is_dir():
            raise ValueError(f"{target} 是一个目录；请给出备份文件的名称，如 {target / 'progress-backup.db'}")
        if not target.parent.is_dir():
            raise ValueError(f"目录 {target.parent} 不存在；请先建立该目录，或换一个位置")
        if target.exists() and (target.resolve() == self.path.resolve() or not _is_sqlite(target)):
            raise ValueError(f"{target.name} 已存在，且是正在使用的数据库或不是数据库文件，未覆盖；请换一个文件名")
        fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
        os.close(fd)
        try:
            with self.connect() as conn, closing(sqlite3.connect(partial)) as copy:
                conn.backup(copy)
            os.replace(partial, target)
        finally:
            Path(partial).unlink(missing_ok=True)
        self.audit(by, "backup", name or str(target))

    def restore(self, source: str | os.PathLike, by: str | None = None, name: str | None = None) -> None:
        """Replace the database with a backup. The backup is copied aside, checked against the exact schema of its
        version, migrated and checked again, and only then copied in whole; ValueError, with the store unchanged,
        when it is not a sound database of this application. The restored database's audit log then records it."""
        _backup_file(source)
        with tempfile.TemporaryDirectory(dir=self.path.parent, prefix=".restore-") as work:
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
            if check_backup(copy) != SCHEMA_VERSION:
                raise ValueError("备份升级后仍不是本版本的数据库结构")
            with migrated.transaction() as conn:
                conn.execute("DELETE FROM sessions")  # tokens ended since the backup was taken must stay ended
            with closing(sqlite3.connect(copy)) as backup, self.connect() as conn:
                backup.backup(conn)  # one write transaction on the store: all of it lands or none of it
        self.audit(by, "restore", name or str(source))  # into the restored log: the replaced one is gone

    def settings(self) -> dict[str, float]:
        """Stored overrides of the settings table."""
        with self.connect() as conn:
            return dict(conn.execute("SELECT name, value FROM settings"))

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
                    conn.execute("DELETE FROM settings WHERE name = ?", (name,))
                else:
                    conn.execute("INSERT INTO settings (name, value, updated_at, updated_by) VALUES (?, ?, ?, ?) "
                                 "ON CONFLICT (name) DO UPDATE SET value = excluded.value, "
                                 "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                                 (name, new, _now(), by))
                write_audit(conn, by, "settings", f"{SETTING_LABELS[name]}（{name}）：{old:g} → {new:g}")
        return changed


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


def _applied(conn: sqlite3.Connection) -> list[int]:
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").fetchone():
        return [v for (v,) in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
    return []


def _apply_migrations(conn: sqlite3.Connection, upto: int = SCHEMA_VERSION) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                 "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
    done = set(_applied(conn))
    for version, name, sql in MIGRATIONS:
        if version in done or version > upto:
            continue
        for statement in filter(str.strip, sql.split(";")):
            conn.execute(statement)
        conn.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", (version, name, _now()))


SCHEMA_KINDS = {"table": "表", "index": "索引", "trigger": "触发器", "view": "视图"}


def _schema(conn: sqlite3.Connection) -> dict[tuple[str, str], tuple[str, str | None]]:
    # (kind, name) -> (table, SQL without comments and with single spaces), so that layout never matters
    return {(kind, name): (table, sql and " ".join(re.sub(r"--[^\n]*", " ", sql).split()))
            for kind, name, table, sql in conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")}


def expected_schema(version: int = SCHEMA_VERSION) -> dict[tuple[str, str], tuple[str, str | None]]:
    """Every table and index a store of the given schema version holds, as a fresh store makes them."""
    with closing(sqlite3.connect(":memory:", isolation_level=None)) as conn:
        _apply_migrations(conn, version)
        return _schema(conn)


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
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations'").fetchone():
            raise ValueError("不是本系统的数据库备份（缺少数据库结构版本表 schema_migrations）")
        versions = _applied(conn)
        if not versions:
            raise ValueError("数据库结构版本表（schema_migrations）为空，无法判断备份来自哪个版本")
        version = versions[-1]
        if version > SCHEMA_VERSION:
            raise ValueError(f"备份来自更新的版本（数据库结构 {version}，本程序支持到 {SCHEMA_VERSION}）")
        if versions != list(range(1, version + 1)):
            raise ValueError(f"数据库结构版本表记录不连续（{versions}），备份不完整或被改动过")
        actual, expected = _schema(conn), expected_schema(version)
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


def write_audit(conn: sqlite3.Connection, user: str | None, action: str, detail: str = "") -> None:
    """One audit row, inside the caller's transaction, so that a change and its audit row land together or not."""
    conn.execute("INSERT INTO audit (at, user, action, detail) VALUES (?, ?, ?, ?)", (_now(), user, action, detail))


def _iso(value) -> str:
    return value.isoformat() if isinstance(value, (date, datetime)) else str(value)
