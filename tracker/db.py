"""The database under the store, SQLite or PostgreSQL through SQLAlchemy Core: every place where the two differ
(connecting, transactions and locks, identity columns, copying rows between them) lives here."""
from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Connection, Engine, column, create_engine, event, insert, select, table, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool, StaticPool

DEFAULT_DB = Path(__file__).resolve().parent.parent / "data" / "progress.db"
POSTGRES_SCHEMES = ("postgresql://", "postgresql+psycopg://", "postgres://")
BUSY_TIMEOUT_S = 30

# The store's own tables, each after those it refers to: the order to copy them in (and the reverse to empty them).
TABLES = ("users", "batches", "target_reports", "task_reports", "settings", "problems", "problem_events", "audit",
          "sessions", "review_events", "evidence", "evidence_content", "evidence_thumbnails", "change_requests")
IDENTITY_TABLES = ("batches", "target_reports", "task_reports", "problems", "problem_events", "audit", "review_events",
                   "evidence", "change_requests")


def database_url(spec: str | os.PathLike | None = None) -> URL:
    """The database named by a file path, a sqlite:/// URL or a postgresql:// URL, else by $TRACKER_DB, else
    data/progress.db; ValueError for anything else."""
    spec = spec or os.environ.get("TRACKER_DB") or DEFAULT_DB
    text_ = str(spec)
    if text_.startswith(POSTGRES_SCHEMES):
        return make_url(text_).set(drivername="postgresql+psycopg")
    if "://" in text_:
        if not text_.startswith("sqlite:///"):
            raise ValueError("数据库应为文件路径、sqlite:///路径 或 postgresql://用户@主机/数据库名，收到："
                             f"{text_.split('://')[0]}://…")
        text_ = text_[len("sqlite:///"):]
    return URL.create("sqlite", database=str(Path(text_)))


def shown(url: URL) -> str:
    """A database as it may be printed: a file's path, a server's URL without its password."""
    return url.database if is_sqlite(url) else url.render_as_string(hide_password=True)


def is_sqlite(url_or_conn) -> bool:
    """Whether a URL, engine or connection is SQLite's."""
    name = url_or_conn.get_backend_name() if isinstance(url_or_conn, URL) else url_or_conn.dialect.name
    return name == "sqlite"


def engine_for(url: URL) -> Engine:
    """An engine for the database. SQLite: a short connection per use (WAL, busy timeout, foreign keys), reads in a
    deferred transaction, writes in an immediate one; PostgreSQL: a small pool of psycopg connections."""
    if not is_sqlite(url):
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    memory = url.database in (None, "", ":memory:")
    path = ":memory:" if memory else url.database

    def connect() -> sqlite3.Connection:  # sqlite3.connect looked up at each call, so that tests can stand in for it
        return sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)

    engine = create_engine("sqlite://", creator=connect, poolclass=StaticPool if memory else NullPool)
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_pragmas(dbapi_conn, record) -> None:
    dbapi_conn.execute("PRAGMA journal_mode=WAL")
    dbapi_conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    dbapi_conn.execute("PRAGMA foreign_keys=ON")


def _sqlite_begin(conn: Connection) -> None:
    # The driver's own transaction handling is off (isolation_level=None): a writer takes the write lock at BEGIN,
    # so that two writers queue instead of failing half-way, and a reader never takes it.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection for reading: one snapshot for all its queries, never a write lock."""
    with engine.connect() as conn:
        yield conn


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction: all of it lands or none of it (SQLite: holding the database's write lock from the
    start)."""
    with engine.connect() as conn:
        conn.execution_options(write=True)
        with conn.begin():
            yield conn


def insert_rows(conn: Connection, name: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Append many rows to one of the store's tables inside the caller's transaction at the driver's own speed:
    PostgreSQL's COPY, SQLite's executemany (SQLAlchemy's per-row parameter handling would cost more than the
    database's writing)."""
    if not rows:
        return
    names = ", ".join(columns)
    if is_sqlite(conn):
        conn.exec_driver_sql(f"INSERT INTO {name} ({names}) VALUES ({', '.join('?' * len(columns))})", rows)
        return
    statement = f"COPY {name} ({names}) FROM STDIN"
    try:
        with conn.connection.dbapi_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    except conn.dialect.loaded_dbapi.Error as exc:  # as SQLAlchemy wraps the driver's errors everywhere else
        raise DBAPIError.instance(statement, None, exc, conn.dialect.loaded_dbapi.Error) from exc


def lock(conn: Connection, name: str, key: str = "") -> None:
    """Hold the lock (name, key) until the transaction ends, so that writers of the same thing queue: PostgreSQL's
    advisory lock; on SQLite the write transaction already holds the whole database."""
    if not is_sqlite(conn):
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name), hashtext(:key))"), {"name": name, "key": key})


def lock_store(conn: Connection) -> None:
    """Hold off every other writer of the store's tables until the transaction ends (readers go on): for replacing
    all of its rows at once. On SQLite the write transaction already does."""
    if not is_sqlite(conn):
        conn.execute(text(f"LOCK TABLE {', '.join(TABLES)} IN EXCLUSIVE MODE"))


def read_snapshot(conn: Connection) -> None:
    """Make every following read of this transaction see the same moment (for a copy taken while others write)."""
    if not is_sqlite(conn):  # SQLite's read transaction is a snapshot already
        conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))


def table_names(conn: Connection) -> set[str]:
    """The tables in the database (PostgreSQL: in its current schema)."""
    if is_sqlite(conn):
        sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
    else:
        sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
    return {name for (name,) in conn.execute(text(sql))}


def copy_rows(source: Connection, target: Connection, batch: int = 5000) -> dict[str, int]:
    """Copy every row of the store's tables from one database into another (of either kind) with its ids, the
    tables taken in the order their references need; returns the rows per table. The caller empties the target and
    holds both transactions."""
    counts = {}
    for name in TABLES:
        result = source.execute(text(f"SELECT * FROM {name} ORDER BY 1"))
        columns = list(result.keys())
        statement = insert(table(name, *(column(c) for c in columns)))
        counts[name] = 0
        while rows := result.fetchmany(batch):
            target.execute(statement, [dict(zip(columns, row)) for row in rows])
            counts[name] += len(rows)
    restart_ids(target)
    return counts


def empty(conn: Connection) -> None:
    """Delete every row of the store's tables (the schema and its version stay)."""
    for name in reversed(TABLES):
        conn.execute(text(f"DELETE FROM {name}"))


def row_counts(conn: Connection) -> dict[str, int]:
    """The number of rows in each of the store's tables."""
    return {name: conn.execute(select(text("COUNT(*)")).select_from(table(name))).scalar_one() for name in TABLES}


def restart_ids(conn: Connection) -> None:
    """Let new rows be numbered after the highest id present (rows copied in with their ids): PostgreSQL's identity
    sequences do not follow on their own, SQLite's INTEGER PRIMARY KEY does."""
    if is_sqlite(conn):
        return
    for name in IDENTITY_TABLES:
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE(MAX(id), 0) + 1, false)"
                          f" FROM {name}"))
