"""The progress store: migrations, batches, supersession, reverts and history."""
import sqlite3
from datetime import date

import pandas as pd

from tracker.store import SCHEMA_VERSION, Store

PLAN = "hedong-2023"


def _rows(*rows):
    return pd.DataFrame(list(rows), columns=["target_id", "as_of", "actual", "note"])


def test_a_new_store_records_its_migrations(tmp_path):
    store = Store(tmp_path / "p.db")
    assert store.schema_version() == SCHEMA_VERSION
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    Store(tmp_path / "p.db")  # opening again applies nothing twice
    assert Store(tmp_path / "p.db").schema_version() == SCHEMA_VERSION


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
    from tracker.samples import load_sample, remove_sample
    assert not store.has_samples(plan.id)
    load_sample(plan, store)
    assert store.has_samples(plan.id)
    assert load_sample(plan, store).duplicate
    assert remove_sample(plan, store) == 1
    assert not store.has_samples(plan.id)
    assert store.latest_target_reports(plan.id).empty
    assert len(store.target_history(plan.id)) > 0  # history kept


def _dump(path):
    with sqlite3.connect(path) as conn:
        return list(conn.iterdump())


def test_two_imports_at_the_same_time_from_two_processes_both_land(tmp_path):
    import subprocess
    import sys
    db = tmp_path / "p.db"
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
from tracker.store import Store

db, signal = sys.argv[1], sys.argv[2]
rows = pd.DataFrame([("T15-1", date(2023, 9, 30), float(i), "") for i in range(1000)],
                    columns=["target_id", "as_of", "actual", "note"])
original = pd.DataFrame.itertuples

def slow(self, *args, **kwargs):
    for i, row in enumerate(original(self, *args, **kwargs)):
        if i == 10:
            open(signal, "w").close()
            time.sleep(120)
        yield row

pd.DataFrame.itertuples = slow
Store(db).add_batch("hedong-2023", "big.csv", "sha-big", rows)
"""


def test_a_process_killed_in_the_middle_of_an_import_leaves_the_store_as_it_was(tmp_path):
    import subprocess
    import sys
    import time
    from pathlib import Path
    db, signal = tmp_path / "p.db", tmp_path / "inside-transaction"
    store = Store(db)
    store.add_batch(PLAN, "a.csv", "sha-a", _rows(("T15-1", date(2023, 6, 30), 50, "")))
    before = _dump(db)
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen([sys.executable, "-c", KILLED_IMPORT, str(db), str(signal)], cwd=root)
    deadline = time.time() + 60
    while not signal.exists() and time.time() < deadline:
        time.sleep(0.05)
    assert signal.exists(), "the import never reached the middle of its transaction"
    process.kill()
    process.wait()
    assert _dump(db) == before
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not Store(db).add_batch(PLAN, "b.csv", "sha-b", _rows(("T15-1", date(2023, 9, 30), 70, ""))).duplicate
