"""The schema as the versions before Alembic made it: numbered migrations recorded in schema_migrations. A store
made by them is brought up to 4 (today's baseline) and then handed over to Alembic."""
from __future__ import annotations

from datetime import datetime

# The numbered migrations of the versions before Alembic, exactly as released: their text is what SQLite keeps in
# sqlite_master, so a store made by them and one made by Alembic's baseline (which runs them) compare equal.
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
LAST = MIGRATIONS[-1][0]


def statements(sql: str) -> list[str]:
    """The statements of one migration, split as the earlier versions split them."""
    return [statement for statement in sql.split(";") if statement.strip()]


def applied(conn) -> list[int]:
    """The legacy versions recorded in a SQLite connection (sqlite3), oldest first; [] when none are."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").fetchone():
        return [v for (v,) in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
    return []


def apply(conn, upto: int = LAST) -> None:
    """Apply the legacy migrations not yet recorded, up to `upto`, on a sqlite3 connection, as the earlier versions
    did (for stores and backups of those versions, and for the exact schema a backup of one must have)."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                 "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
    done = set(applied(conn))
    for version, name, sql in MIGRATIONS:
        if version in done or version > upto:
            continue
        for statement in statements(sql):
            conn.execute(statement)
        conn.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)",
                     (version, name, datetime.now().isoformat(timespec="seconds")))
