"""Shared fixtures: the plan, temporary stores on SQLite and on PostgreSQL, and AppTest runs against a temporary
database."""
from __future__ import annotations

import os
import sqlite3
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tracker.db import TABLES
from tracker.plan import load_plan
from tracker.samples import load_sample
from tracker.store import Store

ROOT = Path(__file__).resolve().parent.parent
NOTICE = ROOT / "data" / "notices" / "hedong-2023.txt"


@pytest.fixture(scope="session")
def plan():
    return load_plan()


# The modules whose tests of a store run on both databases (through db_url, and so through store and sample_store).
BOTH_DATABASES = {"test_store", "test_accounts", "test_hardening", "test_concurrency", "test_cli", "test_roles",
                  "test_problem_list", "test_settings", "test_review", "test_evidence", "test_change_requests"}
PG_SERVER = "TRACKER_TEST_PG"  # a PostgreSQL server's URL (scripts/pg.sh start prints one); each test gets a database


def pytest_generate_tests(metafunc):
    if "db_url" in metafunc.fixturenames:
        kinds = ["sqlite", "postgresql"] if metafunc.module.__name__.rpartition(".")[2] in BOTH_DATABASES else ["sqlite"]
        metafunc.parametrize("db_url", kinds, indirect=True)


@pytest.fixture
def db_url(request, tmp_path):
    """A new, empty store's address: a file in tmp_path, or a database of its own on the PostgreSQL server named by
    $TRACKER_TEST_PG, dropped afterwards. Without that server the PostgreSQL case skips, saying why; under CI it
    fails."""
    if request.param == "sqlite":
        yield str(tmp_path / "progress.db")
        return
    server = os.environ.get(PG_SERVER)
    if not server:
        message = f"no PostgreSQL server: run scripts/pg.sh start and export {PG_SERVER}=<the URL it prints>"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with _database_on(server) as url:
        yield url


@contextmanager
def _database_on(server: str):
    """A new database on the PostgreSQL server, its URL yielded, dropped afterwards."""
    import psycopg
    name = f"test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def shared_store(tmp_path):
    """A store several servers share: a database of its own on $TRACKER_TEST_PG's server; without one a SQLite file,
    except under CI, where the test fails."""
    server = os.environ.get(PG_SERVER)
    if not server:
        if os.environ.get("CI") == "true":
            pytest.fail(f"no PostgreSQL server: run scripts/pg.sh start and export {PG_SERVER}=<the URL it prints>")
        yield str(tmp_path / "progress.db")
        return
    with _database_on(server) as url:
        yield url


@pytest.fixture
def store(db_url):
    store = Store(db_url)
    yield store
    store.close()


@pytest.fixture
def sample_store(plan, store):
    load_sample(plan, store)
    return store


@pytest.fixture
def notice_text():
    return NOTICE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def soffice(tmp_path_factory):
    """A function printing a file to PDF with LibreOffice, returning the PDF's path; the test skips where soffice is
    not installed, except under CI, where it fails. One profile for the session: making one takes seconds."""
    import os
    import shutil
    import subprocess

    path = shutil.which("soffice")
    if path is None:
        message = "LibreOffice (soffice) is not installed: apt-get install libreoffice-impress libreoffice-calc"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    profile = tmp_path_factory.mktemp("soffice-profile")

    def to_pdf(source: Path) -> Path:
        done = subprocess.run([path, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                               "--outdir", str(source.parent), str(source)], capture_output=True, timeout=300)
        assert done.returncode == 0 and source.with_suffix(".pdf").exists(), done.stderr
        return source.with_suffix(".pdf")
    return to_pdf


def dump(store) -> list:
    """Everything a store holds, to compare before and after: SQLite's full dump (schema and rows), or every row of
    every table of the store on PostgreSQL."""
    if store.sqlite:
        with sqlite3.connect(store.path) as conn:
            return list(conn.iterdump())
    with store.connect() as conn:
        tables = sorted(name for (name,) in conn.execute(text(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")))
        return [tables] + [[tuple(row) for row in conn.execute(text(f"SELECT * FROM {name} ORDER BY 1"))]
                           for name in TABLES]


@pytest.fixture
def page_store(tmp_path, monkeypatch):
    """The store the pages read ($TRACKER_DB in a temporary folder), with Streamlit's caches emptied before and
    after, so that no page sees another test's store."""
    import streamlit as st
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "progress.db"))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield Store(tmp_path / "progress.db")
    st.cache_data.clear()
    st.cache_resource.clear()


def as_user(name: str, role: str, unit: str | None = None, page: str | None = None):
    """An AppTest session of the entry file in which the user has logged in, run on pages/{page}.py when given."""
    from datetime import datetime

    from streamlit.testing.v1 import AppTest

    from tracker.accounts import User
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    app.session_state["user"], app.session_state["last_seen"] = User(name, role, unit), datetime.now()
    app.run()
    if page:
        app.switch_page(f"pages/{page}.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def refuse_inserts(store, table: str, message: str) -> None:
    """From now on every INSERT into the table fails with the message, as a database error, on either database."""
    with store.transaction() as conn:
        if store.sqlite:
            conn.exec_driver_sql(f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table}"
                                 f" BEGIN SELECT RAISE(ABORT, '{message}'); END")
        else:
            conn.exec_driver_sql(f"CREATE FUNCTION refuse_{table}() RETURNS trigger LANGUAGE plpgsql"
                                 f" AS $$ BEGIN RAISE EXCEPTION '{message}'; END $$")
            conn.exec_driver_sql(f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table}"
                                 f" FOR EACH ROW EXECUTE FUNCTION refuse_{table}()")


@pytest.fixture(scope="session", autouse=True)
def _server_logs(tmp_path_factory):
    """A folder where every Streamlit server the tests start writes its output (scripts/serve.py)."""
    from scripts.serve import SERVER_LOGS
    os.environ[SERVER_LOGS] = str(tmp_path_factory.mktemp("server_logs"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test's report shows what each open page showed (and keeps a screenshot) and the end of the
    output of every server started during the test, so that a failure seen once in CI can be understood."""
    report = yield
    if report.when == "call" and report.failed and item.get_closest_marker("browser"):
        from scripts.serve import SERVER_LOGS
        logs = Path(os.environ[SERVER_LOGS])
        lines = []
        browser = item.funcargs.get("browser")
        for context in browser.contexts if browser else []:
            for n, page in enumerate(context.pages):
                try:
                    shot = logs / f"{item.name}-{len(lines)}-{n}.png"
                    page.screenshot(path=shot, full_page=True)
                    lines += [f"--- page {page.url} (screenshot {shot})", page.inner_text("body")[-3000:]]
                except Exception as exc:  # the page may be gone; the report must still be written
                    lines.append(f"--- page {page.url}: {exc}")
        started = call.start - 1
        for log in sorted(logs.glob("streamlit-*.log")):
            if log.stat().st_mtime >= started:
                lines += [f"--- {log.name}", *log.read_text(errors="replace").splitlines()[-40:]]
        report.sections.append(("browser", "\n".join(lines)))
    return report
