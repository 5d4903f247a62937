"""The store's schema migrations, run by Alembic on SQLite and PostgreSQL alike (revisions in versions/), and the
hand-over of stores made by the earlier numbered migrations (legacy.py)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text

from .. import db
from . import legacy

if TYPE_CHECKING:
    from alembic.config import Config

HEAD = "0010"            # the newest revision in versions/ (a test holds it to Alembic's own head)
BASELINE = "0004"        # today's schema at the hand-over: legacy migrations 1..4
HERE = Path(__file__).resolve().parent


def _config(conn: Connection) -> Config:
    from alembic.config import Config  # Alembic is imported only when a migration runs: it costs a command 0.1 s

    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["connection"] = conn
    return config


def current(conn: Connection) -> str | None:
    """The revision the database is at; None for a database Alembic has not touched."""
    # Read as Alembic stores it, without importing Alembic: every store opened asks this once.
    if "alembic_version" not in db.table_names(conn):
        return None
    revisions = [r for (r,) in conn.execute(text("SELECT version_num FROM alembic_version"))]
    if len(revisions) > 1:  # Alembic's own error for a table it cannot read as one revision
        from alembic.runtime.migration import MigrationContext
        return MigrationContext.configure(conn).get_current_revision()
    return revisions[0] if revisions else None


def upgrade(conn: Connection, revision: str = "head") -> None:
    """Bring the database to `revision` inside the caller's write transaction: a SQLite store of the earlier
    numbered migrations first gets those it lacks, loses their table and is stamped at the baseline, keeping its
    data."""
    from alembic import command

    config = _config(conn)
    if db.is_sqlite(conn) and current(conn) is None:
        raw = conn.connection.dbapi_connection
        if legacy.applied(raw):
            legacy.apply(raw)
            raw.execute("DROP TABLE schema_migrations")
            command.stamp(config, BASELINE)
    command.upgrade(config, revision)


def head() -> str:
    """Alembic's own idea of the newest revision."""
    from alembic.script import ScriptDirectory

    config = _config(None)
    return ScriptDirectory.from_config(config).get_current_head()
