"""Imports from several processes at the same moment, on SQLite and on PostgreSQL: the same file gives one batch, two
batches never interleave and never lose a row, and every batch lands whole or not at all."""
import multiprocessing
from datetime import date

import pandas as pd
from sqlalchemy import text

from tracker.store import Store

PLAN = "hedong-2023"
PROCESSES = 4


def _rows(value: float, count: int = 300) -> pd.DataFrame:
    # many reports of one target on one date: which batch's rows count shows whether two batches interleaved
    return pd.DataFrame([("T15-1", date(2023, 9, 30), value, f"row {n}") for n in range(count)],
                        columns=["target_id", "as_of", "actual", "note"])


def _import(args):
    db_url, barrier, sha256, value = args
    store = Store(db_url)
    rows = _rows(value)
    barrier.wait()  # every process starts its import at the same moment
    result = store.add_batch(PLAN, f"{sha256}.csv", sha256, rows, by=f"server {value:g}")
    return result.batch_id, result.duplicate


def _run_together(db_url, jobs):
    Store(db_url).close()  # the schema is in place before the race, and no pooled connection is handed down
    context = multiprocessing.get_context("fork")
    with context.Manager() as manager:
        barrier = manager.Barrier(len(jobs))
        with context.Pool(len(jobs)) as pool:
            return pool.map(_import, [(db_url, barrier, sha, value) for sha, value in jobs], chunksize=1)


def test_the_same_file_imported_at_the_same_moment_by_several_processes_is_one_batch(db_url):
    results = _run_together(db_url, [("sha-same", 42.0)] * PROCESSES)
    assert sorted(duplicate for _, duplicate in results) == [False] + [True] * (PROCESSES - 1)
    assert len({batch_id for batch_id, _ in results}) == 1
    store = Store(db_url)
    assert len(store.batches(PLAN)) == 1 and len(store.target_history(PLAN)) == len(_rows(0))
    assert store.audit_log()["action"].tolist() == ["upload"]


def test_imports_at_the_same_moment_never_interleave_and_never_lose_a_row(db_url):
    results = _run_together(db_url, [(f"sha-{n}", float(n)) for n in range(1, PROCESSES + 1)])
    assert not any(duplicate for _, duplicate in results)
    store = Store(db_url)
    with store.connect() as conn:
        spans = conn.execute(text("SELECT b.id, b.row_count, COUNT(r.id), MIN(r.id), MAX(r.id) FROM batches b"
                                  " JOIN target_reports r ON r.batch_id = b.id GROUP BY b.id, b.row_count"
                                  " ORDER BY b.id")).all()
    assert len(spans) == PROCESSES
    for batch_id, row_count, rows, first, last in spans:
        assert rows == row_count == len(_rows(0)), f"batch {batch_id} lost rows"
        assert last - first + 1 == rows, f"batch {batch_id}'s rows are interleaved with another batch's"
    assert [first for *_, first, _ in spans] == sorted(first for *_, first, _ in spans)  # numbered in batch order
    # the batch stored last supersedes as a whole: its value, in every one of its rows
    newest = store.batches(PLAN).iloc[0]
    assert store.latest_target_reports(PLAN)["actual"].tolist() == [float(newest["user"].split()[1])]
