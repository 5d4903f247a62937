"""Hardening: every error a user can cause ends in a Chinese message and exit code 1, never a traceback (a full
disk, a read-only or damaged store, bad backup and restore paths, anything unexpected); names shown as text in
charts and workbooks; invisible characters refused in the plan's unit names."""
import errno
import io
import shutil
import sqlite3
import subprocess
import sys
from datetime import date

import pandas as pd
import psycopg
import pytest
from sqlalchemy.exc import OperationalError

import tracker.cli
import tracker.snapshot
from tracker import charts, errors
from tracker.charts import label
from tracker.cli import main
from tracker.errors import user_message
from tracker.exports import ledger_frames
from tracker.formats import visible
from tracker.ingest import MAX_TEXT_CHARS
from tracker.plan import DATA_DIR, load_plan
from tracker.samples import load_sample
from tracker.snapshot import take
from tracker.store import Store
from tracker.validation import ProblemsError

CSV = "target_id,as_of,actual,note\nT15-1,2023-09-30,60,{note}\n"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _dump(path):
    with sqlite3.connect(path) as conn:
        return list(conn.iterdump())


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "progress.db"
    Store(path)
    return path


@pytest.fixture
def progress(tmp_path):
    path = tmp_path / "progress.csv"
    path.write_text(CSV.format(note="x" * MAX_TEXT_CHARS), encoding="utf-8")  # the longest note: a page more
    return path


def _connect_as(monkeypatch, db, how):
    """Every connection to db opened the given way, through SQLite itself: the errors are SQLite's own."""
    connect = sqlite3.connect

    def opened(database, *args, **kwargs):
        if str(database) != str(db):
            return connect(database, *args, **kwargs)
        if how == "read_only":
            return connect(f"file:{db}?mode=ro", *args, uri=True, **kwargs)
        conn = connect(database, *args, **kwargs)  # full: not one page more than it holds now
        conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")
        return conn

    monkeypatch.setattr(sqlite3, "connect", opened)


@pytest.mark.parametrize("how, command, expected", [
    ("full", ["import", "{progress}"], errors.DISK_FULL),
    ("full", ["sample", "load"], errors.DISK_FULL),
    ("full", ["restore", "{backup}"], errors.DISK_FULL),
    ("read_only", ["import", "{progress}"], errors.READ_ONLY),
    ("read_only", ["sample", "load"], errors.READ_ONLY),
    ("read_only", ["user", "add", "office", "--role", "admin", "--password-stdin"], errors.READ_ONLY),
    ("read_only", ["restore", "{backup}"], errors.READ_ONLY),
])
def test_a_full_or_read_only_store_refuses_writes_with_a_message_and_stays_as_it_was(
        capsys, monkeypatch, tmp_path, db, progress, how, command, expected):
    backup = tmp_path / "backup.db"
    load_sample(load_plan(), Store(tmp_path / "other.db"))
    Store(tmp_path / "other.db").backup(backup)
    before = _dump(db)
    monkeypatch.setattr(sys, "stdin", io.StringIO("admin-pass-1\n"))
    _connect_as(monkeypatch, db, how)
    code, out, err = run(capsys, *[a.format(progress=progress, backup=backup) for a in command], "--db", db)
    assert code == 1, out + err
    assert expected in err and "Traceback" not in err + out and "cannot rollback" not in err
    monkeypatch.undo()
    assert _dump(db) == before


@pytest.mark.parametrize("how", ["full", "read_only"])
def test_a_full_or_read_only_store_can_still_be_read_and_backed_up(capsys, monkeypatch, tmp_path, db, how):
    _connect_as(monkeypatch, db, how)
    code, out, err = run(capsys, "status", "--json", "--db", db)
    assert code == 0, err
    code, out, err = run(capsys, "backup", "--out", tmp_path / "b.db", "--db", db)
    assert code == 0 and "已备份" in out and "Traceback" not in err, err
    assert Store(tmp_path / "b.db").schema_version() > 0
    if how == "read_only":
        assert "未能在审计日志中记下这次备份" in err


def test_a_full_disk_is_reported_as_such_not_as_a_failed_rollback(monkeypatch, db):
    _connect_as(monkeypatch, db, "full")
    rows = pd.DataFrame([("T15-1", date(2023, 9, 30), float(i), "x" * 500) for i in range(2000)],
                        columns=["target_id", "as_of", "actual", "note"])
    with pytest.raises(OperationalError, match="disk is full"):
        Store(db).add_batch("hedong-2023", "a.csv", "sha-a", rows)


def test_a_read_only_store_refuses_an_import_with_a_message_on_either_database(capsys, monkeypatch, db_url, progress):
    from conftest import dump
    store = Store(db_url)
    before = dump(store)
    store.close()
    if store.sqlite:
        _connect_as(monkeypatch, store.path, "read_only")
    else:  # a read-only database, as on a hot standby
        with psycopg.connect(db_url.replace("+psycopg", ""), autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{store.url.database}" SET default_transaction_read_only = on')
    code, out, err = run(capsys, "import", progress, "--db", db_url)
    assert code == 1 and errors.READ_ONLY in err and "Traceback" not in err, out + err
    assert run(capsys, "status", "--json", "--db", db_url)[0] == 0  # still read
    monkeypatch.undo()
    assert dump(Store(db_url)) == before


def test_a_database_server_out_of_reach_is_a_message(capsys):
    code, out, err = run(capsys, "status", "--db", "postgresql://tracker@127.0.0.1:9/nowhere")
    assert code == 1 and errors.CANNOT_CONNECT in err and "Traceback" not in err


def test_a_store_made_immutable_on_disk_refuses_writes_even_to_root(capsys, tmp_path, db, progress):
    if subprocess.run(["chattr", "+i", str(db)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not permitted on this file system")
    try:
        assert run(capsys, "status", "--json", "--db", db)[0] == 0
        code, out, err = run(capsys, "import", progress, "--db", db)
        assert code == 1 and errors.READ_ONLY in err and "Traceback" not in err
    finally:
        subprocess.run(["chattr", "-i", str(db)], check=True)


def test_a_store_that_is_not_a_database_is_named_damaged(capsys, tmp_path):
    db = tmp_path / "progress.db"
    db.write_bytes(b"not a database at all" * 100)
    code, out, err = run(capsys, "status", "--db", db)
    assert code == 1 and errors.DAMAGED in err and "Traceback" not in err


def test_a_store_where_no_directory_can_be_made_is_a_message(capsys, tmp_path):
    (tmp_path / "file").write_text("")
    code, out, err = run(capsys, "status", "--db", tmp_path / "file" / "progress.db")
    assert code == 1 and "“file”已存在" in err and "Traceback" not in err


@pytest.mark.parametrize("command, expected", [
    (["restore", "{tmp}"], "是一个目录"),
    (["restore", "{tmp}/missing.db"], "备份文件不存在"),
    (["restore", "{tmp}/notes.txt"], "不是 SQLite 数据库文件"),
    (["backup", "--out", "{tmp}/missing/b.db"], "不存在"),
    (["backup", "--out", "{tmp}/notes.txt"], "不是数据库文件"),
    (["backup", "--out", "{tmp}"], "是一个目录"),
    (["import", "{tmp}"], "是一个目录"),
    (["export", "--format", "xlsx", "--out", "{tmp}/missing/ledger.xlsx"], "找不到“ledger.xlsx”"),
])
def test_bad_backup_restore_and_file_paths_are_refused_with_a_message(capsys, tmp_path, db, command, expected):
    (tmp_path / "notes.txt").write_text("my notes")
    before = _dump(db)
    code, out, err = run(capsys, *[a.format(tmp=tmp_path) for a in command], "--db", db)
    assert code == 1 and expected in err and "Traceback" not in err, out + err
    assert (tmp_path / "notes.txt").read_text() == "my notes"
    assert _dump(db) == before


def test_anything_unexpected_is_one_message_and_the_traceback_only_with_debug(capsys, monkeypatch, db):
    def broken(*args):
        raise KeyError("inner detail")

    monkeypatch.setattr(tracker.snapshot, "take", broken)  # the command imports it when it runs
    code, out, err = run(capsys, "status", "--db", db)
    assert code == 1 and "意外错误（KeyError）" in err and "Traceback" not in err and "--debug" in err
    code, out, err = run(capsys, "status", "--db", db, "--debug")
    assert code == 1 and "意外错误（KeyError）" in err and "Traceback" in err and "inner detail" in err


def test_usage_errors_keep_exit_code_2(capsys, db):
    with pytest.raises(SystemExit) as exit:
        main(["status", "--as-of", "soon", "--db", str(db)])
    assert exit.value.code == 2
    assert run(capsys, "status", "--as-of", "2030-01-01", "--db", db)[0] == 2


def _full_behind_rollback():
    try:
        try:
            raise sqlite3.OperationalError("database or disk is full")
        except sqlite3.OperationalError:
            raise sqlite3.OperationalError("cannot rollback - no transaction is active")  # noqa: B904  (chained as SQLite does)
    except sqlite3.OperationalError as exc:
        return exc


@pytest.mark.parametrize("exc, expected", [
    (sqlite3.OperationalError("database or disk is full"), errors.DISK_FULL),
    (_full_behind_rollback(), errors.DISK_FULL),
    (sqlite3.OperationalError("attempt to write a readonly database"), errors.READ_ONLY),
    (sqlite3.OperationalError("unable to open database file"), errors.CANNOT_OPEN),
    (sqlite3.OperationalError("database is locked"), errors.BUSY),
    (sqlite3.DatabaseError("file is not a database"), errors.DAMAGED),
    (sqlite3.DatabaseError("database disk image is malformed"), errors.DAMAGED),
    (sqlite3.OperationalError("disk I/O error"), errors.DISK_ERROR),
    (OSError(errno.ENOSPC, "No space left on device", "/srv/app/x.xlsx"), errors.DISK_FULL),
    (OSError(errno.EROFS, "Read-only file system", "/srv/app/x.xlsx"), errors.READ_ONLY),
    (PermissionError(errno.EACCES, "Permission denied", "/srv/app/data/x.xlsx"), "没有权限读写“x.xlsx”"),
    (FileNotFoundError(errno.ENOENT, "No such file", "/srv/app/data/x.xlsx"), "找不到“x.xlsx”"),
    (IsADirectoryError(errno.EISDIR, "Is a directory", "/srv/app/data"), "“data”是一个目录"),
    (MemoryError(), errors.NO_MEMORY),
    (ValueError("something"), "意外错误（ValueError）"),
    (sqlite3.OperationalError("no such column: x"), "意外错误（OperationalError）"),
    (psycopg.errors.DiskFull("could not extend file"), errors.DISK_FULL),
    (psycopg.errors.ReadOnlySqlTransaction("cannot execute INSERT in a read-only transaction"), errors.READ_ONLY),
    (psycopg.errors.InsufficientPrivilege("permission denied for table batches"), errors.NO_RIGHTS),
    (psycopg.errors.DeadlockDetected("deadlock detected"), errors.BUSY),
    (psycopg.errors.LockNotAvailable("could not obtain lock"), errors.BUSY),
    (psycopg.errors.InvalidCatalogName('database "x" does not exist'), errors.CANNOT_CONNECT),
    (psycopg.errors.InvalidPassword("password authentication failed"), errors.CANNOT_CONNECT),
    (psycopg.OperationalError("connection failed: Connection refused"), errors.CANNOT_CONNECT),
    (psycopg.errors.UndefinedColumn("column x does not exist"), "意外错误（UndefinedColumn）"),
])
def test_user_messages_say_what_happened_and_what_to_do_without_server_paths(exc, expected):
    message = user_message(exc)
    assert expected in message and "/srv" not in message


def test_report_writes_the_traceback_to_the_log(caplog):
    try:
        raise KeyError("inner detail")
    except KeyError as exc:
        message = errors.report(exc)
    assert "意外错误" in message and "inner detail" not in message
    assert caplog.records[-1].exc_info and "inner detail" in caplog.text


HOSTILE = '<a href="http://evil.example/">县财政局</a>'


@pytest.mark.parametrize("name, shown", [
    (HOSTILE, '&lt;a href="http://evil.example/"&gt;县财政局&lt;/a&gt;'),
    ("<b>区民政局</b><br>", "&lt;b&gt;区民政局&lt;/b&gt;&lt;br&gt;"),
    ("A&B 公司", "A&amp;B 公司"),
    ("县\u202e局财政\u202c", "县⟨U+202E⟩局财政⟨U+202C⟩"),
    ("区民政局", "区民政局"),
])
def test_chart_labels_show_names_literally(name, shown):
    assert label(name) == shown


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def test_unit_and_indicator_names_never_reach_a_chart_as_markup(plan, sample_store):
    snapshot = take(plan, sample_store)
    targets = snapshot.targets.assign(indicator=HOSTILE + "的指标名称很长很长", unit="<b>家</b>")
    frame = pd.DataFrame({"lead_unit": [HOSTILE, "县\u202e局财政\u202c"], "avg_completion": [0.5, None],
                          "status": ["lagging", "not_reported"],
                          **{s: [1, 0] for s in ("completed", "on_track", "lagging", "severe", "not_reported")}})
    figures = [charts.completion_bars(frame, "lead_unit", 0.5, "t"), charts.status_stack(frame, "lead_unit", "t"),
               charts.gauge_grid(targets.head(3))]
    for figure in figures:
        text = " ".join(_strings(figure.to_plotly_json())).replace("<br>", "")  # a gauge title wraps anywhere
        assert "<a href" not in text and "<b>家" not in text and "\u202e" not in text
        assert "&lt;a href" in text and "&lt;/a&gt;" in text  # shown, as text


@pytest.mark.parametrize("file, old, new, row, column, code", [
    ("departments.csv", "区财政局,财政局,", "区财\u202e政局\u202c,财政局,", 11, "unit", "U+202E"),
    ("departments.csv", "区财政局,财政局,", "区财政局,财\u2066政局\u2069,", 11, "aliases", "U+2066"),
    ("tasks.csv", "区投资促进服务中心、区财政局", "区投资促进服务中心、区财\u200f政局", 11, "participating_units", "U+200F"),
    ("tasks.csv", "区投资促进服务中心、区财政局", "区投资促进服务中心、区财\u200b政局", 11, "participating_units", "U+200B"),
])
def test_unit_names_in_a_plan_with_invisible_characters_are_refused_by_file_row_and_column(
        tmp_path, file, old, new, row, column, code):
    for name in ("tasks.csv", "targets.csv", "departments.csv", "plan.toml"):
        shutil.copy(DATA_DIR / name, tmp_path / name)
    text = (tmp_path / file).read_text(encoding="utf-8")
    assert old in text
    (tmp_path / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ProblemsError) as caught:
        load_plan(tmp_path)
    found = [p for p in caught.value.problems if code in p.message()]
    assert found and (found[0].file, found[0].row, found[0].column) == (file, row, column), caught.value
    assert not any(ch in found[0].message() for ch in "\u202e\u2066\u200f")  # the message itself reads right


@pytest.mark.parametrize("text, shown", [
    ("已完成\u202e成完未\u202c", "已完成⟨U+202E⟩成完未⟨U+202C⟩"),
    ("\u2066a\u2069 \u2067b\u2069 \u2068c\u2069", "⟨U+2066⟩a⟨U+2069⟩ ⟨U+2067⟩b⟨U+2069⟩ ⟨U+2068⟩c⟨U+2069⟩"),
    ("\u202a\u202b\u202d\u200e\u200f\u061c", "⟨U+202A⟩⟨U+202B⟩⟨U+202D⟩⟨U+200E⟩⟨U+200F⟩⟨U+061C⟩"),
    ("普通的说明 <b>", "普通的说明 <b>"),
    (None, ""),
])
def test_bidirectional_controls_in_notes_are_shown_visibly(text, shown):
    assert visible(text) == shown


def test_notes_in_the_ledger_workbook_show_bidirectional_controls(plan, store):
    tasks = pd.DataFrame([{"task_id": 10, "as_of": date(2023, 9, 30), "state": "推进中", "progress": "已\u202e完成",
                           "problems": "资金\u2067未到位\u2069", "next_steps": "=1+1\u202e"}])
    store.add_batch(plan.id, "t.csv", "sha-t", pd.DataFrame(columns=["target_id", "as_of", "actual", "note"]), tasks)
    sheet = ledger_frames(take(plan, store), store.batches(plan.id))["任务台账"].set_index("序号")
    assert sheet.at[10, "进展情况"] == "已⟨U+202E⟩完成"
    assert sheet.at[10, "存在问题"] == "资金⟨U+2067⟩未到位⟨U+2069⟩"
    assert sheet.at[10, "下步计划"] == "=1+1⟨U+202E⟩"
