"""The command line, run in-process against temporary databases."""
import json
from datetime import date

import pandas as pd
import pytest

from tracker.cli import main


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(tmp_path):
    return tmp_path / "progress.db"


def _write(tmp_path, text, name="progress.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_import_stores_a_valid_file_and_says_so(capsys, tmp_path, db):
    path = _write(tmp_path, "target_id,as_of,actual,note\nT15-1,2023-09-30,60,\nT68-1,2023-09-30,150,\n")
    code, out, err = run(capsys, "import", path, "--db", db)
    assert code == 0, out + err
    assert "批次 1" in out and "2 条指标上报" in out
    code, out, _ = run(capsys, "import", path, "--db", db)
    assert code == 0 and "已于批次 1 导入过" in out


def test_import_rejects_an_invalid_file_and_stores_nothing(capsys, tmp_path, db):
    path = _write(tmp_path, "target_id,as_of,actual,note\nT15-1,2023-09-30,60,\nT99-9,2023-09-30,abc,\n"
                            "T68-1,2023-13-01,5,\n")
    run(capsys, "status", "--db", db, "--json")  # creates the empty database
    before = db.read_bytes()
    code, out, err = run(capsys, "import", path, "--db", db)
    assert code == 1, out + err
    lines = [line for line in out.splitlines() if line.startswith("progress.csv")]
    assert len(lines) == 2 and "第3行" in lines[0] and "T99-9" in lines[0] and "第4行" in lines[1]
    assert db.read_bytes() == before


def test_import_with_unit_rejects_rows_the_unit_does_not_lead(capsys, tmp_path, db):
    path = _write(tmp_path, "target_id,as_of,actual\nT15-1,2023-09-30,60\n")
    code, out, _ = run(capsys, "import", path, "--db", db, "--unit", "区民政局")
    assert code == 1 and "区民政局不能填报" in out
    code, out, _ = run(capsys, "import", path, "--db", db, "--unit", "区科技局")
    assert code == 0, out


def test_import_dry_run_stores_nothing(capsys, tmp_path, db):
    path = _write(tmp_path, "target_id,as_of,actual\nT15-1,2023-09-30,60\n")
    code, out, _ = run(capsys, "import", path, "--db", db, "--dry-run")
    assert code == 0 and "试运行" in out
    code, out, _ = run(capsys, "status", "--db", db, "--json")
    assert all(r["status"] == "not_reported" for r in json.loads(out))


def test_strict_import_refuses_warnings(capsys, tmp_path, db):
    run(capsys, "import", _write(tmp_path, "target_id,as_of,actual\nT15-1,2023-06-30,5\n", "a.csv"), "--db", db)
    jump = _write(tmp_path, "target_id,as_of,actual\nT15-1,2023-09-30,80\n", "b.csv")
    code, out, _ = run(capsys, "import", jump, "--db", db, "--strict")
    assert code == 1 and "警告" in out
    code, out, _ = run(capsys, "import", jump, "--db", db)
    assert code == 0 and "警告" in out


def test_status_json_has_one_object_per_target_with_the_contract_fields(capsys, plan, tmp_path, db):
    run(capsys, "import", _write(tmp_path, "target_id,as_of,actual\nT15-2,2023-06-30,30\n"), "--db", db)
    code, out, err = run(capsys, "status", "--db", db, "--as-of", "2023-07-02", "--json")
    assert code == 0, err
    records = json.loads(out)
    assert len(records) == len(plan.targets)
    required = {"target_id", "task_id", "indicator", "target_value", "unit", "direction", "kind", "deadline",
                "actual", "as_of", "completion", "time_progress", "status"}
    assert all(required <= set(r) for r in records)
    row = next(r for r in records if r["target_id"] == "T15-2")
    assert row["actual"] == 30 and row["completion"] == pytest.approx(30 / 90, abs=1e-4)
    assert row["time_progress"] == pytest.approx(183 / 365, abs=1e-4)
    assert row["status"] == "lagging" and row["as_of"] == "2023-07-02" and row["deadline"] == "2023-12-31"
    assert row["schedule"] == "linear" and row["expected"] == row["time_progress"]
    assert row["projected"] == round(30 * 365 / 181) and row["projected_status"] == "unlikely"  # 60.5 of 90家
    stepped = next(r for r in records if r["target_id"] == "T15-1")
    assert stepped["schedule"] == "quarterly:0,0,40,100" and stepped["expected"] == 0


def test_status_of_an_empty_store_is_the_plan_end_with_nothing_reported(capsys, db):
    code, out, _ = run(capsys, "status", "--db", db, "--json")
    records = json.loads(out)
    assert code == 0 and {r["status"] for r in records} == {"not_reported"}
    assert {r["as_of"] for r in records} == {"2023-12-31"}


def test_status_tasks_gives_one_object_per_task(capsys, db):
    code, out, _ = run(capsys, "status", "--tasks", "--db", db, "--json")
    records = json.loads(out)
    assert code == 0 and len(records) == 77
    assert {"task_id", "title", "lead_units", "status"} <= set(records[0])


def test_sample_load_and_remove(capsys, db):
    assert run(capsys, "sample", "load", "--db", db)[0] == 0
    statuses = {r["status"] for r in json.loads(run(capsys, "status", "--db", db, "--json")[1])}
    assert statuses == {"completed", "on_track", "lagging", "severe", "not_reported"}
    code, out, _ = run(capsys, "sample", "remove", "--db", db)
    assert code == 0 and "1 个" in out
    statuses = {r["status"] for r in json.loads(run(capsys, "status", "--db", db, "--json")[1])}
    assert statuses == {"not_reported"}


def test_db_may_be_given_as_sqlite_url_or_environment(capsys, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'url.db'}"
    assert run(capsys, "sample", "load", "--db", url)[0] == 0
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "url.db"))
    out = run(capsys, "status", "--json")[1]
    assert sum(r["actual"] is not None for r in json.loads(out)) == 57   # the sample reports 57 of 63 targets
    code, _, err = run(capsys, "status", "--db", "mysql://x/y")
    assert code == 2 and "postgresql://" in err


def test_rank_json_gives_each_unit_its_score_and_parts(capsys, db):
    run(capsys, "sample", "load", "--db", db)
    code, out, _ = run(capsys, "rank", "--db", db, "--json")
    records = json.loads(out)
    assert code == 0 and records[0]["rank"] == 1
    required = {"unit", "kind", "rank", "rank_in_kind", "score", "completion_part", "timeliness_part", "severe_share",
                "participating_score", "weights", "parts"}
    assert all(required <= set(r) for r in records)
    minzheng = next(r for r in records if r["unit"] == "区民政局")
    assert {p["item"] for p in minzheng["parts"] if p["role"] == "lead"} == {"T66-1", "T66-2", "T67-1", "T68-1"}
    w = minzheng["weights"]
    expected = 100 * (w["weight_completion"] * minzheng["completion_part"]
                      + w["weight_timeliness"] * minzheng["timeliness_part"]
                      + w["weight_severe"] * (1 - minzheng["severe_share"]))
    assert minzheng["score"] == pytest.approx(expected, abs=0.01)
    ranked = [(r["group"] == "declared", -r["score"]) for r in records if r["score"] is not None]
    assert ranked == sorted(ranked)          # units that lead targets first, each group by score


def test_status_json_carries_the_projection(capsys, db):
    run(capsys, "sample", "load", "--db", db)
    records = json.loads(run(capsys, "status", "--db", db, "--json")[1])
    reported = [r for r in records if r["actual"] is not None]
    assert all(r["projected_status"] in ("will_complete", "at_risk", "unlikely") for r in reported)
    assert all(r["projected"] is None and r["projected_status"] is None for r in records if r["actual"] is None)


def test_as_of_outside_the_plan_period_is_refused_and_loose_dates_are_read(capsys, db):
    code, _, err = run(capsys, "status", "--db", db, "--as-of", "2024-05-01", "--json")
    assert code == 2 and "不在计划期" in err
    code, out, _ = run(capsys, "status", "--db", db, "--as-of", "2023-9-30", "--json")
    assert code == 0 and json.loads(out)[0]["as_of"] == "2023-09-30"


@pytest.mark.parametrize("name, password, code, said", [
    ("  李四 ", "long-enough-1", 0, "已创建账户 李四（admin）"),
    ("ｌｉ", "long-enough-1", 0, "已创建账户 li（admin）"),
    ("li\u200b", "long-enough-1", 1, "U+200B"),
    ("li", " " * 12, 1, "空格不计"),
])
def test_user_add_normalises_the_name_and_refuses_invisible_characters_and_blank_passwords(
        capsys, monkeypatch, db, name, password, code, said):
    import io
    import sys
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    result, out, err = run(capsys, "user", "add", name, "--role", "admin", "--password-stdin", "--db", db)
    assert result == code and said in out + err and "Traceback" not in err


def test_writes_from_the_command_line_are_audited_as_the_system_user_or_as_by(capsys, tmp_path, db, monkeypatch):
    from tracker.store import Store
    monkeypatch.setenv("LOGNAME", "clerk")      # the first place getpass looks for the system user
    path = _write(tmp_path, "target_id,as_of,actual\nT15-1,2023-09-30,60\n")
    assert run(capsys, "import", path, "--db", db)[0] == 0
    assert run(capsys, "sample", "load", "--db", db, "--by", "督办室")[0] == 0
    assert run(capsys, "sample", "remove", "--db", db)[0] == 0
    assert run(capsys, "import", _write(tmp_path, "target_id,as_of,actual\nT68-1,2023-09-30,9\n", "b.csv"), "--db",
               db, "--user", "区民政局张")[0] == 0
    assert run(capsys, "backup", "--out", tmp_path / "copy.db", "--db", db)[0] == 0
    log = Store(db).audit_log()[["user", "action", "detail"]].values.tolist()
    assert log == [["cli:clerk", "backup", str(tmp_path / "copy.db")],
                   ["区民政局张", "upload", "batch 3: b.csv (1 rows)"],
                   ["cli:clerk", "remove_sample", "hedong-2023: 1 batches"],
                   ["督办室", "load_sample", "hedong-2023: batch 2"],
                   ["cli:clerk", "upload", "batch 1: progress.csv (1 rows)"]]
    assert Store(db).batches("hedong-2023")["user"].tolist() == ["区民政局张", "督办室", "cli:clerk"]


def test_a_refused_or_dry_run_import_leaves_no_audit_row(capsys, tmp_path, db):
    from tracker.store import Store
    assert run(capsys, "import", _write(tmp_path, "target_id,as_of,actual\nT99-9,2023-09-30,1\n"), "--db", db)[0] == 1
    assert run(capsys, "import", _write(tmp_path, "target_id,as_of,actual\nT15-1,2023-09-30,60\n"), "--db", db,
               "--dry-run")[0] == 0
    assert Store(db).audit_log().empty


def test_copy_store_moves_every_row_across_with_its_ids_and_refuses_a_store_holding_data(capsys, tmp_path, db_url):
    from tracker.accounts import Accounts
    from tracker.db import TABLES
    from tracker.store import Store
    source = tmp_path / "old.db"
    run(capsys, "sample", "load", "--db", source)
    Accounts(Store(source)).add("office", "admin", "admin-pass-1")
    Store(source).add_problem("hedong-2023", 21, "用地指标未落实", date(2023, 6, 30), by="office")
    code, out, err = run(capsys, "copy-store", "--from", source, "--to", db_url, "--by", "运维")
    assert code == 0 and "batches 1 行" in out and "users 1 行" in out, out + err
    copied, audit = Store(db_url), TABLES.index("audit")
    before, after = dump_rows(Store(source)), dump_rows(copied)
    assert after[:audit] + after[audit + 1:] == before[:audit] + before[audit + 1:]   # row for row, ids and all
    assert after[audit][:-1] == before[audit]                        # and the copy recorded in the audit log
    assert copied.audit_log().iloc[0][["user", "action"]].tolist() == ["运维", "restore"]
    assert Accounts(copied).login("office", "admin-pass-1")[0] is not None
    batch = copied.add_batch("hedong-2023", "a.csv", "sha-a", pd.DataFrame(
        [("T15-1", date(2023, 10, 31), 90.0, "")], columns=["target_id", "as_of", "actual", "note"]))
    assert batch.batch_id == 2                                       # numbered on after the copied rows
    code, _, err = run(capsys, "copy-store", "--from", source, "--to", db_url)
    assert code == 1 and "目标数据库已有数据" in err
    code, _, err = run(capsys, "copy-store", "--from", tmp_path / "missing.db", "--to", tmp_path / "new.db")
    assert code == 1 and "文件不存在" in err and not (tmp_path / "new.db").exists()


def dump_rows(store):
    from sqlalchemy import text

    from tracker.db import TABLES
    with store.connect() as conn:
        return [[tuple(row) for row in conn.execute(text(f"SELECT * FROM {name} ORDER BY 1"))] for name in TABLES]


def test_migrate_creates_the_tables_and_says_which_version_without_the_password(capsys, db_url):
    from sqlalchemy.engine import make_url

    from tracker.store import SCHEMA_VERSION
    if db_url.startswith("postgresql"):
        db_url = make_url(db_url).set(password="pass-in-url").render_as_string(hide_password=False)
    code, out, err = run(capsys, "migrate", "--db", db_url)
    assert code == 0 and f"第 {SCHEMA_VERSION} 版" in out, err
    assert "pass-in-url" not in out + err
