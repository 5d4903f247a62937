"""The progress store: migrations, batches, supersession, reverts and history."""
import re
import sqlite3
from datetime import date

import pandas as pd
import pytest
from conftest import dump, refuse_inserts
from sqlalchemy.exc import DBAPIError

from tracker import migrations
from tracker.extract import extract
from tracker.i18n import AUDIT_ACTION_LABELS
from tracker.plan_import import save_plan
from tracker.samples import load_sample, remove_sample
from tracker.settings import DEFAULTS
from tracker.store import REVIEW_ANY, SCHEMA_VERSION, Store

PLAN = "hedong-2023"


def _rows(*rows):
    return pd.DataFrame(list(rows), columns=["target_id", "as_of", "actual", "note"])


def test_a_new_store_records_its_migrations(db_url):
    store = Store(db_url)
    assert store.schema_version() == SCHEMA_VERSION == int(migrations.head())
    before = dump(store)
    assert Store(db_url).schema_version() == SCHEMA_VERSION  # opening again applies nothing twice
    assert dump(store) == before
    if store.sqlite:
        with sqlite3.connect(store.path) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_store_of_the_numbered_migrations_is_upgraded_in_place_with_its_data(tmp_path):
    from tracker.store import _schema, expected_schema
    path = _old_store(tmp_path / "v2.db", 2)
    store = Store(path)
    assert store.schema_version() == SCHEMA_VERSION
    with sqlite3.connect(path) as conn:
        assert _schema(conn) == expected_schema()                  # exactly as a new store: no schema_migrations left
    assert store.latest_target_reports(PLAN)["actual"].tolist() == [7.0]
    assert store.add_batch(PLAN, "old.csv", "sha-old", _rows(("T15-1", date(2023, 6, 30), 7, ""))).duplicate


def test_one_file_has_at_most_one_batch_that_counts_whatever_writes_it(store):
    from sqlalchemy.exc import IntegrityError
    store.add_batch(PLAN, "a.csv", "sha-a", _rows(("T15-1", date(2023, 6, 30), 50, "")))
    with pytest.raises(IntegrityError), store.transaction() as conn:   # even a writer that skips the check
        conn.exec_driver_sql("INSERT INTO batches (plan_id, file_name, sha256, created_at, source, row_count)"
                             " VALUES ('hedong-2023', 'a.csv', 'sha-a', '2023-07-01T09:00:00', 'cli', 0)")
    assert len(store.batches(PLAN)) == 1


def test_the_same_file_twice_changes_nothing(store):
    first = store.add_batch(PLAN, "a.csv", "sha-a", _rows(("T15-1", date(2023, 6, 30), 50, "")))
    again = store.add_batch(PLAN, "a.csv", "sha-a", _rows(("T15-1", date(2023, 6, 30), 50, "")))
    assert again.duplicate and again.batch_id == first.batch_id
    assert len(store.batches(PLAN)) == 1
    assert len(store.target_history(PLAN)) == 1


def test_a_later_report_for_the_same_date_supersedes_but_both_stay(store):
    store.add_batch(PLAN, "a.csv", "sha-a", _rows(("T15-1", date(2023, 6, 30), 50, "first")))
    store.add_batch(PLAN, "b.csv", "sha-b", _rows(("T15-1", date(2023, 6, 30), 55, "corrected")))
    latest = store.latest_target_reports(PLAN)
    assert latest.to_dict("records") == [{"target_id": "T15-1", "as_of": date(2023, 6, 30), "actual": 55.0,
                                          "note": "corrected"}]
    assert list(store.target_history(PLAN)["actual"]) == [50.0, 55.0]


def test_the_report_in_force_is_the_newest_on_or_before_as_of(store):
    store.add_batch(PLAN, "a.csv", "sha-a", _rows(("T15-1", date(2023, 3, 31), 20, ""),
                                                  ("T15-1", date(2023, 9, 30), 70, "")))
    assert store.latest_target_reports(PLAN, date(2023, 6, 30))["actual"].tolist() == [20.0]
    assert store.latest_target_reports(PLAN, date(2023, 12, 31))["actual"].tolist() == [70.0]
    assert store.latest_target_reports(PLAN, date(2023, 1, 31)).empty
    assert store.newest_report_date(PLAN) == date(2023, 9, 30)


def test_the_report_in_force_is_each_plans_own_where_target_ids_repeat_across_plans(store):
    store.add_batch(PLAN, "a.csv", "sha-a", _rows(("T15-1", date(2023, 6, 30), 50, "here")))
    store.add_batch("other-2023", "b.csv", "sha-b", _rows(("T15-1", date(2023, 9, 30), 90, "there")))
    store.add_batch("other-2023", "c.csv", "sha-c", _rows(("T15-1", date(2023, 5, 31), 10, "")))
    assert store.latest_target_reports(PLAN)[["actual", "note"]].values.tolist() == [[50.0, "here"]]
    assert store.latest_target_reports("other-2023")["actual"].tolist() == [90.0]


def test_the_reports_in_force_are_found_through_the_plans_batches_not_by_scanning_every_report(tmp_path):
    store = Store(tmp_path / "progress.db")
    with store.connect() as conn:
        for table in ("target_reports", "task_reports"):
            plan = " ".join(row[-1] for row in conn.exec_driver_sql(
                f"EXPLAIN QUERY PLAN SELECT * FROM {table} WHERE batch_id IN"
                " (SELECT id FROM batches WHERE plan_id = 'p' AND reverted_at IS NULL) AND as_of <= '2023-12-31'"))
            assert re.search(f"SEARCH {table} USING INDEX {table}_batch .batch_id=", plan), plan
            assert re.search("SEARCH batches USING (COVERING )?INDEX batches_plan_counted", plan), plan


def test_a_reverted_batch_stops_counting_and_is_kept(store):
    store.add_batch(PLAN, "a.csv", "sha-a", _rows(("T15-1", date(2023, 6, 30), 50, "")))
    bad = store.add_batch(PLAN, "b.csv", "sha-b", _rows(("T15-1", date(2023, 6, 30), 500, "")))
    assert store.revert_batch(bad.batch_id, "office")
    assert not store.revert_batch(bad.batch_id, "office")
    assert store.latest_target_reports(PLAN)["actual"].tolist() == [50.0]
    history = store.target_history(PLAN)
    assert history["reverted"].tolist() == [0, 1]
    batches = store.batches(PLAN).set_index("id")
    assert batches.at[bad.batch_id, "reverted_by"] == "office"
    # the same file may be imported again once its batch is reverted
    assert not store.add_batch(PLAN, "b.csv", "sha-b", _rows(("T15-1", date(2023, 6, 30), 500, ""))).duplicate


def test_the_version_token_changes_with_every_write(store):
    before = store.version(PLAN)
    batch = store.add_batch(PLAN, "a.csv", "sha-a", _rows(("T15-1", date(2023, 6, 30), 50, "")))
    middle = store.version(PLAN)
    store.revert_batch(batch.batch_id)
    assert len({before, middle, store.version(PLAN)}) == 3


def test_sample_batches_are_flagged_and_removed_by_revert(plan, store):
    assert not store.has_samples(plan.id)
    load_sample(plan, store)
    loaded = store.target_history(plan.id)
    assert store.has_samples(plan.id) and loaded["is_sample"].all() and not loaded["reverted"].any()
    assert load_sample(plan, store).duplicate
    assert remove_sample(plan, store) == 1
    assert not store.has_samples(plan.id)
    assert store.latest_target_reports(plan.id).empty
    history = store.target_history(plan.id)
    assert len(history) == len(loaded) and history["reverted"].all()  # kept in history, no longer counted


def test_two_imports_at_the_same_time_from_two_processes_both_land(tmp_path, db_url):
    import subprocess
    import sys
    db = db_url
    Store(db)
    files = []
    for n, target in enumerate(("T15-1", "T68-1")):
        path = tmp_path / f"f{n}.csv"
        lines = ["target_id,as_of,actual"] + [f"{target},2023-{m:02d}-28,{m}" for m in range(1, 13)]
        path.write_text("\n".join(lines), encoding="utf-8")
        files.append(path)
    runs = [subprocess.Popen([sys.executable, "-m", "tracker", "import", str(f), "--db", str(db)],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for f in files]
    outputs = [r.communicate(timeout=120)[0] for r in runs]
    assert [r.returncode for r in runs] == [0, 0], outputs
    store = Store(db)
    assert len(store.batches(PLAN)) == 2
    assert len(store.target_history(PLAN)) == 24


KILLED_IMPORT = """
import sys, time
import pandas as pd
from datetime import date
from tracker import db as database
from tracker.store import Store

db, signal = sys.argv[1], sys.argv[2]
rows = pd.DataFrame([("T15-1", date(2023, 9, 30), float(i), "") for i in range(1000)],
                    columns=["target_id", "as_of", "actual", "note"])
original = database.insert_rows

def slow(conn, name, columns, rows):
    original(conn, name, columns, rows[:10])  # written inside the transaction, then the process is killed
    open(signal, "w").close()
    time.sleep(120)

database.insert_rows = slow
Store(db).add_batch("hedong-2023", "big.csv", "sha-big", rows)
"""


def test_a_process_killed_in_the_middle_of_an_import_leaves_the_store_as_it_was(tmp_path, db_url):
    import subprocess
    import sys
    import time
    from pathlib import Path
    db, signal = db_url, tmp_path / "inside-transaction"
    store = Store(db)
    store.add_batch(PLAN, "a.csv", "sha-a", _rows(("T15-1", date(2023, 6, 30), 50, "")))
    before = dump(store)
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen([sys.executable, "-c", KILLED_IMPORT, str(db), str(signal)], cwd=root)
    deadline = time.time() + 60
    while not signal.exists() and time.time() < deadline:
        time.sleep(0.05)
    assert signal.exists(), "the import never reached the middle of its transaction"
    process.kill()
    process.wait()
    assert dump(store) == before
    if store.sqlite:
        with sqlite3.connect(store.path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not Store(db).add_batch(PLAN, "b.csv", "sha-b", _rows(("T15-1", date(2023, 9, 30), 70, ""))).duplicate


def _backup_of(store, path, *statements):
    """A backup of the store, then changed by the given statements (as someone planting them would)."""
    store.backup(path)
    with sqlite3.connect(path) as conn:
        for statement in statements:
            conn.execute(statement)
    return path


def _old_store(path, upto):
    """A store as the versions before Alembic left it, at their migration `upto`, holding one report."""
    from tracker.migrations import legacy
    with sqlite3.connect(path, isolation_level=None) as conn:
        legacy.apply(conn, upto)
        conn.execute("INSERT INTO batches (plan_id, file_name, sha256, created_at, source, row_count)"
                     " VALUES ('hedong-2023', 'old.csv', 'sha-old', '2023-06-30T09:00:00', 'cli', 1)")
        conn.execute("INSERT INTO target_reports (batch_id, target_id, as_of, actual)"
                     " VALUES (1, 'T15-1', '2023-06-30', 7)")
    return path


WIPE = "CREATE TRIGGER wipe AFTER INSERT ON batches BEGIN DELETE FROM target_reports; END"


@pytest.mark.parametrize("statements, refusal", [
    ([WIPE], "多出触发器 wipe"),
    (["CREATE VIEW everything AS SELECT * FROM users"], "多出视图 everything"),
    (["CREATE TABLE mine (x)"], "多出表 mine"),
    (["CREATE INDEX users_role ON users (role)"], "多出索引 users_role"),
    (["ALTER TABLE batches ADD COLUMN extra TEXT"], "表 batches 的定义与本系统不同"),
    (["DROP TABLE sessions", "DROP TABLE users"], "缺少表 users"),
    (["DELETE FROM alembic_version"], "alembic_version）为空"),
    (["DROP TABLE alembic_version"], "缺少数据库结构版本表"),
    (["INSERT INTO alembic_version VALUES ('0003')"], "记录有误"),
    (["UPDATE alembic_version SET version_num = 'head'"], "记录有误"),
    (["UPDATE alembic_version SET version_num = '0099'"], "更新的版本"),
    (["CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"],
     "多出表 schema_migrations"),
    (["INSERT INTO sessions VALUES ('h', 'nobody', '2023-01-01', '2023-01-01')"], "foreign_key_check"),
])
def test_a_restore_refuses_a_backup_that_is_not_exactly_this_schema_and_changes_nothing(
        sample_store, tmp_path, statements, refusal):
    from tracker.store import check_backup
    bad = _backup_of(sample_store, tmp_path / "bad.db", *statements)
    before = dump(sample_store)
    with pytest.raises(ValueError, match=re.escape(refusal)):
        check_backup(bad)
    with pytest.raises(ValueError, match=re.escape(refusal)):
        sample_store.restore(bad)
    assert dump(sample_store) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no working copy left behind


@pytest.mark.parametrize("make, refusal", [
    (lambda p: p.mkdir(), "是一个目录"),
    (lambda p: None, "不存在"),
    (lambda p: p.write_bytes(b""), "为空"),
    (lambda p: p.write_text("target_id,as_of,actual\n"), "不是 SQLite"),
    (lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100), "无法读取备份文件"),
])
def test_a_restore_refuses_what_is_not_a_backup_file(store, tmp_path, make, refusal):
    path = tmp_path / "backup.db"
    make(path)
    before = dump(store)
    with pytest.raises(ValueError, match=refusal):
        store.restore(path)
    assert dump(store) == before


@pytest.mark.parametrize("statements, refusal", [
    (["DELETE FROM schema_migrations"], "schema_migrations）为空"),
    (["DELETE FROM schema_migrations WHERE version = 2"], "记录不连续"),
    (["INSERT INTO schema_migrations VALUES (99, 'future', '2030-01-01')"], "更新的版本"),
    (["CREATE INDEX users_role ON users (role)"], "第 3 版不符：多出索引 users_role"),
])
def test_a_backup_of_the_numbered_migrations_is_held_to_their_schema(tmp_path, statements, refusal):
    from tracker.store import check_backup
    old = _old_store(tmp_path / "v3.db", 3)
    with sqlite3.connect(old) as conn:
        for statement in statements:
            conn.execute(statement)
    with pytest.raises(ValueError, match=re.escape(refusal)):
        check_backup(old)


def test_a_backup_from_an_older_version_is_migrated_before_it_replaces_the_store(sample_store, tmp_path):
    from tracker.store import _schema, expected_schema
    sample_store.restore(_old_store(tmp_path / "v3.db", 3))
    assert sample_store.schema_version() == SCHEMA_VERSION
    if sample_store.sqlite:
        with sqlite3.connect(sample_store.path) as conn:
            assert _schema(conn) == expected_schema()
    assert sample_store.latest_target_reports(PLAN)["actual"].tolist() == [7.0]


def test_an_older_backup_carrying_a_trigger_is_refused_before_it_is_migrated(sample_store, tmp_path):
    old = _old_store(tmp_path / "v3.db", 3)
    with sqlite3.connect(old) as conn:
        conn.execute(WIPE)
    before = dump(sample_store)
    with pytest.raises(ValueError, match="第 3 版不符：多出触发器 wipe"):
        sample_store.restore(old)
    assert dump(sample_store) == before


def test_a_restore_ends_every_session_the_backup_knew(store, tmp_path):
    from tracker.accounts import Accounts
    accounts = Accounts(store)
    accounts.add("office", "admin", "admin-pass-1")
    token = accounts.open_session(accounts.login("office", "admin-pass-1")[0])
    store.backup(tmp_path / "b.db")
    accounts.close_session(token)  # logged out after the backup was taken
    store.restore(tmp_path / "b.db")
    assert accounts.resume(token) is None
    assert accounts.login("office", "admin-pass-1")[0] is not None


def test_a_restore_that_fails_while_copying_in_leaves_the_store_as_it_was(sample_store, tmp_path, monkeypatch):
    backup = tmp_path / "full.db"
    sample_store.backup(backup)
    live = Store(tmp_path / "live.db")
    live.add_batch(PLAN, "a.csv", "sha-a", _rows(("T15-1", date(2023, 6, 30), 50, "")))
    before = dump(live)
    connect = sqlite3.connect

    def full_disk(database, *args, **kwargs):  # the live store's disk is full: not one page more
        conn = connect(database, *args, **kwargs)
        if str(database) == str(live.path):
            conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")
        return conn

    monkeypatch.setattr(sqlite3, "connect", full_disk)
    with pytest.raises(sqlite3.OperationalError, match="full"):
        live.restore(backup)
    monkeypatch.undo()
    assert dump(live) == before


@pytest.mark.parametrize("target, refusal", [
    ("missing/b.db", "目录 .* 不存在"),
    (".", "是一个目录"),
    ("notes.txt", "不是数据库文件"),
])
def test_a_backup_refuses_a_target_that_is_no_place_for_it(store, tmp_path, target, refusal):
    (tmp_path / "notes.txt").write_text("notes I keep")
    with pytest.raises(ValueError, match=refusal):
        store.backup(tmp_path / target)
    assert (tmp_path / "notes.txt").read_text() == "notes I keep"


def test_a_backup_never_overwrites_the_store_itself_and_replaces_an_older_backup_whole(sample_store, tmp_path):
    if sample_store.sqlite:
        with pytest.raises(ValueError, match="正在使用的数据库"):
            sample_store.backup(sample_store.path)
    target = tmp_path / "b.db"
    Store(target)  # an older, empty backup
    sample_store.backup(target)
    assert Store(target).has_samples(PLAN)
    assert sorted(p.name for p in tmp_path.iterdir() if "partial" in p.name) == []


NOTICE = "青山县2024年重点工作任务\n一、产业发展\n1.培育企业。新增规上企业10家。（牵头单位：县工信局）\n".encode()


def _upload(plan, store, tmp_path):
    store.add_batch(plan.id, "a.csv", "sha-a", _rows(("T15-1", date(2023, 6, 30), 50, "")), by="li")


def _revert(plan, store, tmp_path):
    store.revert_batch(store.add_batch(plan.id, "a.csv", "sha-a", _rows(("T15-1", date(2023, 6, 30), 50, ""))).batch_id,
                       by="li")


def _remove_sample(plan, store, tmp_path):
    load_sample(plan, store)
    remove_sample(plan, store, by="li")


def _change_problem(plan, store, tmp_path):
    store.change_problem(store.add_problem(plan.id, 21, "用地指标未落实", date(2023, 6, 30)), "coordinating", by="li",
                         shown_as="区商城管委会")


# each write door -> the audit row it leaves (user, action, detail)
DOORS = {
    "upload": (_upload, ("li", "upload", "batch 1: a.csv (1 rows)")),
    "sample load": (lambda plan, store, tmp_path: load_sample(plan, store, by="li"),
                    ("li", "load_sample", "hedong-2023: batch 1")),
    "revert": (_revert, ("li", "revert", "batch 1: a.csv")),
    "sample remove": (_remove_sample, ("li", "remove_sample", "hedong-2023: 1 batches")),
    "problem raised": (lambda plan, store, tmp_path: store.add_problem(plan.id, 21, "用地指标未落实", date(2023, 6, 30),
                                                                       by="li", shown_as="督办室"),
                       ("li", "problem_add", "#1 task 21")),
    "problem moved": (_change_problem, ("li", "problem_change", "#1 coordinating")),
    "settings": (lambda plan, store, tmp_path: store.set_settings({**DEFAULTS, "tolerance": 0.1}, by="li"),
                 ("li", "settings", "容差（tolerance）：0.05 → 0.1")),
    "plan import": (lambda plan, store, tmp_path: save_plan(extract(NOTICE, "qs.txt"), tmp_path / "plans" / "qs", "qs",
                                                            store, by="li", source="qs.txt"),
                    ("li", "plan_import", "qs: qs.txt")),
    "backup": (lambda plan, store, tmp_path: store.backup(tmp_path / "copy.db", by="li", name="download"),
               ("li", "backup", "download")),
}


@pytest.mark.parametrize("door", DOORS)
def test_every_write_leaves_its_audit_row_naming_who(plan, store, tmp_path, door):
    write, expected = DOORS[door]
    write(plan, store, tmp_path)
    row = store.audit_log().iloc[0]
    assert (row["user"], row["action"], row["detail"]) == expected
    assert row["action"] in AUDIT_ACTION_LABELS                     # the admin page has a name for it


def test_a_restore_is_recorded_in_the_restored_log_and_a_refused_one_nowhere(plan, store, tmp_path):
    store.backup(tmp_path / "copy.db", by="li")
    load_sample(plan, store, by="li")
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a database")
    with pytest.raises(ValueError):
        store.restore(bad, by="wang")
    assert store.audit_log()["action"].tolist() == ["load_sample", "backup"]
    store.restore(tmp_path / "copy.db", by="wang", name="copy.db")
    assert store.audit_log()[["user", "action", "detail"]].values.tolist()[0] == ["wang", "restore", "copy.db"]
    assert not store.has_samples(plan.id)                            # the copy was taken before the sample


def test_problem_history_names_whom_the_office_typed_while_the_audit_names_the_account(plan, store):
    problem = store.add_problem(plan.id, 21, "用地指标未落实", date(2023, 6, 30), by="office")
    store.change_problem(problem, "coordinating", by="li", shown_as="区商城管委会")
    assert store.problem_history(problem)["by"].tolist() == ["office", "区商城管委会"]
    assert store.audit_log()["user"].tolist() == ["li", "office"]


@pytest.mark.parametrize("door", [d for d in DOORS if d != "backup"])   # a backup changes nothing to roll back
def test_a_change_whose_audit_row_cannot_be_written_does_not_land(plan, store, tmp_path, door):
    write, _ = DOORS[door]
    setup = {"revert": lambda: store.add_batch(plan.id, "a.csv", "sha-a", _rows(("T15-1", date(2023, 6, 30), 50, ""))),
             "sample remove": lambda: load_sample(plan, store),
             "problem moved": lambda: store.add_problem(plan.id, 21, "用地指标未落实", date(2023, 6, 30))}
    if door in setup:  # what the door needs is there before the audit log starts refusing
        setup[door]()
        write = {"revert": lambda *_: store.revert_batch(1, by="li"),
                 "sample remove": lambda *_: remove_sample(plan, store, by="li"),
                 "problem moved": lambda *_: store.change_problem(1, "coordinating", by="li")}[door]
    refuse_inserts(store, "audit", "audit refused")
    before = dump(store)
    with pytest.raises(DBAPIError, match="audit refused"):
        write(plan, store, tmp_path)
    assert dump(store) == before
    assert not (tmp_path / "plans" / "qs").exists()


def test_a_write_that_fails_after_its_audit_row_leaves_no_audit_row(plan, store, tmp_path):
    refuse_inserts(store, "target_reports", "full")
    with pytest.raises(DBAPIError, match="full"):
        _upload(plan, store, tmp_path)
    assert store.audit_log().empty and store.batches(plan.id).empty
    (tmp_path / "plans").write_text("a file where the plan's directory should go")
    with pytest.raises(OSError):
        DOORS["plan import"][0](plan, store, tmp_path)
    assert store.audit_log().empty
    with pytest.raises(ValueError):
        store.backup(tmp_path / "missing" / "copy.db", by="li")
    assert store.audit_log().empty


def test_a_plan_is_not_saved_over_an_existing_one(plan, store, tmp_path):
    (tmp_path / "plans" / "qs").mkdir(parents=True)
    with pytest.raises(ValueError, match="已存在"):
        DOORS["plan import"][0](plan, store, tmp_path)
    assert store.audit_log().empty and not any((tmp_path / "plans" / "qs").iterdir())


@pytest.mark.parametrize("as_of", [date(2023, 6, 30), date(2023, 9, 30), date(2023, 12, 31)])
def test_the_reports_in_force_read_from_what_counts_are_those_the_store_gives(store, as_of):
    day = date(2023, 9, 30)
    store.add_batch(PLAN, "a.csv", "sha-a", _rows(("T15-1", day, 50, "a"), ("T68-1", date(2023, 6, 30), 9, "")))
    store.add_batch(PLAN, "b.csv", "sha-b", _rows(("T15-1", day, 55, "b")))  # the same date again: b wins
    reverted = store.add_batch(PLAN, "c.csv", "sha-c", _rows(("T15-1", day, 99, "c"), ("T03-1", day, 1, "")))
    store.revert_batch(reverted.batch_id)
    store.add_batch(PLAN, "d.csv", "sha-d", _rows(("T03-1", day, 2, "d")), review="pending")
    for states in (("approved",), REVIEW_ANY):
        pd.testing.assert_frame_equal(store.latest_of(store.counted_target_reports(PLAN, as_of, states)),
                                      store.latest_target_reports(PLAN, as_of, states))


def test_the_reports_in_force_of_a_plan_are_its_own_though_other_plans_use_the_same_ids(store):
    day, later = date(2023, 9, 30), date(2023, 10, 31)
    tasks = pd.DataFrame([{"task_id": 15, "as_of": day, "state": "in_progress", "progress": "", "problems": "",
                           "next_steps": ""}])
    store.add_batch(PLAN, "a.csv", "sha-a", _rows(("T15-1", day, 50, "")), tasks)
    store.add_batch("other-2023", "b.csv", "sha-b", _rows(("T15-1", later, 70, ""), ("T99-1", day, 1, "")),
                    tasks.assign(as_of=later, state="done"))
    store.add_batch(PLAN, "c.csv", "sha-c", _rows(("T15-1", later, 60, "")), tasks.assign(as_of=later), review="pending")
    assert store.latest_target_reports(PLAN, review=("approved",))[["target_id", "actual"]].values.tolist() == [
        ["T15-1", 50]]  # walked back past the newer row that waits
    assert store.latest_target_reports(PLAN)["actual"].tolist() == [60]
    assert store.counted_target_reports(PLAN, later)[["as_of", "actual"]].values.tolist() == [[day, 50], [later, 60]]
    assert store.latest_task_reports(PLAN, review=("approved",))[["as_of", "state"]].values.tolist() == [
        [day, "in_progress"]]
    assert store.latest_target_reports("other-2023")["target_id"].tolist() == ["T15-1", "T99-1"]


def test_reports_stored_before_the_plan_was_on_every_row_keep_their_plan_after_the_upgrade(db_url):
    from sqlalchemy import text

    from tracker import db
    engine = db.engine_for(db.database_url(db_url))
    with db.writing(engine) as conn:
        migrations.upgrade(conn, "0009")
        for batch, plan, actual, reverted in ((1, PLAN, 50, None), (2, "other-2023", 70, None),
                                              (3, PLAN, 99, "2023-10-02T09:00:00")):
            conn.execute(text("INSERT INTO batches (id, plan_id, file_name, sha256, created_at, source, row_count,"
                              " reverted_at) VALUES (:id, :plan, 'f.csv', :sha, '2023-09-30T09:00:00', 'upload', 2,"
                              " :reverted)"), dict(id=batch, plan=plan, sha=f"sha-{batch}", reverted=reverted))
            conn.execute(text("INSERT INTO target_reports (batch_id, target_id, as_of, actual)"
                              " VALUES (:batch, 'T15-1', '2023-09-30', :actual)"), dict(batch=batch, actual=actual))
            conn.execute(text("INSERT INTO task_reports (batch_id, task_id, as_of, state)"
                              " VALUES (:batch, 15, '2023-09-30', 'done')"), dict(batch=batch))
            conn.execute(text("INSERT INTO review_events (kind, report_id, batch_id, decision, at)"
                              " VALUES ('task', :batch, :batch, 'approved', '2023-10-01T09:00:00')"), dict(batch=batch))
    engine.dispose()
    store = Store(db_url)
    try:
        assert store.latest_target_reports(PLAN)["actual"].tolist() == [50]
        assert store.latest_target_reports("other-2023")["actual"].tolist() == [70]
        assert store.latest_task_reports("other-2023")["state"].tolist() == ["done"]
        with store.connect() as conn:
            for table in ("target_reports", "task_reports", "review_events"):
                assert conn.execute(text(f"SELECT COUNT(*) FROM {table} r JOIN batches b ON b.id = r.batch_id"
                                         " WHERE r.plan_id = b.plan_id")).scalar_one() == 3
            for table in ("target_reports", "task_reports"):
                assert conn.execute(text(f"SELECT batch_id FROM {table} WHERE reverted = 1")).scalars().all() == [3]
    finally:
        store.close()


@pytest.mark.parametrize("unit, search, limit, expected", [
    (None, "", None, [4, 3, 2, 1]),
    (None, "", 2, [4, 3]),
    ("区民政局", "", None, [3, 1]),
    (None, "MONTH", None, [2, 1]),         # any case
    (None, "_", None, [3]),                # the character itself, not LIKE's any-one-character
    (None, "%", None, []),
    (None, "4", None, [4]),                # a batch number
    ("区民政局", "month", 1, [1]),
])
def test_batches_are_listed_by_unit_name_or_number_newest_first(store, unit, search, limit, expected):
    for n, (name, by) in enumerate([("month-9.csv", "区民政局"), ("Month-10.csv", "区科学技术局"),
                                    ("民政_10月.csv", "区民政局"), ("十一月.xlsx", None)], start=1):
        store.add_batch(PLAN, name, f"sha-{n}", _rows(("T15-1", date(2023, 9, 30), n, "")), unit=by)
    assert store.batches(PLAN, unit=unit, search=search, limit=limit)["id"].tolist() == expected
    assert store.batch_count(PLAN, unit) == len(store.batches(PLAN, unit=unit))
