"""A city's worth of data, and what the pages cost on it against an empty Streamlit page.

Builds 20 district plans from the Hedong plan files (data/), each with its own id, title and units (every unit
prefixed with the district's name; target ids stay as they are, so they repeat across plans), and a year of monthly
reports with re-uploads (--rows in all, 1,000,000 by default) into a SQLite store, and into PostgreSQL too when
TRACKER_TEST_PG or --pg names a server. Then measures, in one run: the empty page's warm rerun (the floor), every
page's warm rerun for one plan, the switch to another plan in the sidebar, a 100,000-row CSV imported into the city,
and `python -m tracker status --json` for one plan.
Usage: python bench/city.py [--rows N] [--reruns N] [--pg URL] [--dir DIR]
"""
from __future__ import annotations

import argparse
import calendar
import csv
import hashlib
import importlib
import io
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, redirect_stdout
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from sqlalchemy import text  # noqa: E402

from tracker.ingest import ingest  # noqa: E402
from tracker.navigation import PAGES  # noqa: E402
from tracker.plan import DATA_DIR, Plan, load_plan  # noqa: E402
from tracker.store import Store  # noqa: E402

DISTRICTS = ["兰山", "罗庄", "河东", "沂南", "郯城", "沂水", "兰陵", "费县", "平邑", "莒南", "蒙阴", "临沭",
             "高新", "经开", "临港", "蒙山", "北城", "南坊", "柳青", "银雀"]
EMPTY_PAGE = "import streamlit as st\n"
CHUNK = 20_000


def district_plan(folder: Path, n: int) -> Path:
    """The Hedong plan as district n's: its own id and title, every unit prefixed with the district's name."""
    name = DISTRICTS[n]
    directory = folder / f"city-{n + 1:02d}"
    directory.mkdir(parents=True)
    toml = (DATA_DIR / "plan.toml").read_text(encoding="utf-8")
    toml = toml.replace('id = "hedong-2023"', f'id = "city-{n + 1:02d}"').replace("河东区", f"{name}区")
    (directory / "plan.toml").write_text(toml, encoding="utf-8")
    rename = lambda units: "、".join(f"{name}{u}" for u in units.split("、")) if units else units  # noqa: E731
    for file, columns in (("targets.csv", ("lead_units",)), ("tasks.csv", ("lead_units", "participating_units")),
                          ("departments.csv", ("unit", "aliases"))):
        with open(DATA_DIR / file, encoding="utf-8", newline="") as source:
            rows = list(csv.DictReader(source))
        with open(directory / file, "w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows({**row, **{c: rename(row[c]) for c in columns}} for row in rows)
    return directory


def _month_end(month: int) -> str:
    return date(2023, month, calendar.monthrange(2023, month)[1]).isoformat()


def reports(plan: Plan, per_plan: int, first_batch: int):
    """(batches, target rows, task rows) of one plan: per lead unit a monthly file, uploaded again and again with
    slightly higher values (the later upload supersedes), until per_plan rows."""
    files = []
    for unit in plan.units:
        targets = plan.targets[plan.targets["lead_list"].map(lambda units: unit in units)]
        tasks = plan.tasks[plan.tasks["lead_list"].map(lambda units: unit in units)]
        if len(targets) + len(tasks):
            files.append((unit, list(zip(targets["target_id"], targets["target_value"])), list(tasks["task_id"])))
    batches, target_rows, task_rows, rows, upload = [], [], [], 0, 0
    while rows < per_plan:
        month, round_ = upload % 12 + 1, upload // 12
        for unit, targets, tasks in files:
            batch = first_batch + len(batches)
            as_of = _month_end(month)
            batches.append({"id": batch, "plan_id": plan.id, "file_name": f"{unit}_{month:02d}_{round_}.xlsx",
                            "sha256": f"city-{batch}", "created_at": f"{as_of}T12:00:00", "unit": unit,
                            "user": "bench", "source": "upload", "row_count": len(targets) + len(tasks)})
            target_rows += [{"plan_id": plan.id, "batch_id": batch, "target_id": t, "as_of": as_of,
                             "actual": round(v * month / 12 * (1 + round_ / 1000), 2), "note": f"{month}月进展"}
                            for t, v in targets]
            task_rows += [{"plan_id": plan.id, "batch_id": batch, "task_id": int(t), "as_of": as_of,
                           "state": "done" if month == 12 else "in_progress", "progress": "按计划推进"} for t in tasks]
            rows += len(targets) + len(tasks)
        upload += 1
    return batches, target_rows, task_rows


INSERTS = {
    "batches": 'INSERT INTO batches (id, plan_id, file_name, sha256, created_at, unit, "user", source, row_count)'
               " VALUES (:id, :plan_id, :file_name, :sha256, :created_at, :unit, :user, :source, :row_count)",
    "target_reports": "INSERT INTO target_reports (plan_id, batch_id, target_id, as_of, actual, note)"
                      " VALUES (:plan_id, :batch_id, :target_id, :as_of, :actual, :note)",
    "task_reports": "INSERT INTO task_reports (plan_id, batch_id, task_id, as_of, state, progress)"
                    " VALUES (:plan_id, :batch_id, :task_id, :as_of, :state, :progress)",
}


def fill(store: Store, plans: list[Plan], rows: int) -> int:
    """Write every plan's reports straight into the store's tables (add_batch per file would take hours)."""
    written, next_batch = 0, 1
    for plan in plans:
        batches, targets, tasks = reports(plan, rows // len(plans), next_batch)
        next_batch += len(batches)
        with store.transaction() as conn:
            for table, data in (("batches", batches), ("target_reports", targets), ("task_reports", tasks)):
                for start in range(0, len(data), CHUNK):
                    conn.execute(text(INSERTS[table]), data[start:start + CHUNK])
        written += len(targets) + len(tasks)
    if not store.sqlite:  # explicit ids leave the identity behind
        with store.transaction() as conn:
            conn.execute(text("SELECT setval(pg_get_serial_sequence('batches', 'id'), (SELECT MAX(id) FROM batches))"))
            conn.execute(text("ANALYZE"))
    return written


def timed(action) -> tuple[float, float]:
    """Milliseconds an action takes: on the clock, and of this process's CPU time (all its threads, the AppTest's
    script thread among them), which says more than the clock on a machine that other jobs load."""
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def median_rerun(app, reruns: int) -> tuple[float, float]:
    """Median milliseconds (clock, CPU) of a plain rerun (no widget changed, as after a button), caches warm."""
    app.run()
    samples = [timed(app.run) for _ in range(reruns)]
    assert not app.exception, [e.value for e in app.exception]
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


@contextmanager
def environment(**values: str):
    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def office_user(db: str):
    """The office's administrator account the pages are measured as (made once): with a PostgreSQL store there is
    no local-administrator mode, and SQLite is measured the same way. The city's rows are approved, so review on
    changes nothing they count."""
    from tracker.accounts import Accounts
    accounts = Accounts(Store(db))
    if accounts.find("bench") is None:
        accounts.add("bench", "admin", "bench-password-1")
    return accounts.find("bench")


def logged_in(app, user):
    """An AppTest session in which `user` has logged in."""
    app.session_state["user"], app.session_state["last_seen"] = user, datetime.now()
    return app


def page_times(db: str, plans: list[Path], reruns: int, folder: Path) -> dict[str, float]:
    """The empty page's warm rerun, every page's for the first plan, and the plan switch (first and warm)."""
    from streamlit.testing.v1 import AppTest

    from scripts.st_client import quiet_apptest

    quiet_apptest()
    empty = folder / "empty.py"
    empty.write_text(EMPTY_PAGE, encoding="utf-8")
    results = {"empty page (floor)": median_rerun(AppTest.from_file(str(empty)), reruns)}
    user = office_user(db)
    with environment(TRACKER_DB=db, TRACKER_PLANS=str(plans[0].parent)):
        app = logged_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600), user)
        app.session_state["plan_dir"] = str(plans[0])
        # the process's caches still empty, as after a restart
        results["汇报, first visit"] = timed(lambda: app.switch_page("pages/present.py").run())
        assert not app.exception, [e.value for e in app.exception]
        for entry in PAGES:
            app = logged_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300), user)
            app.session_state["plan_dir"] = str(plans[0])  # the sidebar lists data/'s plan first
            app.switch_page(entry.file).run()
            assert app.session_state["plan_dir"] == str(plans[0])
            assert not [w for w in app.text_input if w.key == "login_name"], "the login page, not the page"
            assert not app.exception, [e.value for e in app.exception]
            results[entry.file] = median_rerun(app, reruns)
        app = logged_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300), user)
        app.run()
        app.selectbox(key="plan_dir").select(str(plans[0])).run()
        for label, target in (("plan switch, first visit", plans[1]), ("plan switch back", plans[0]),
                              ("plan switch, again", plans[1])):
            results[label] = timed(lambda: app.selectbox(key="plan_dir").select(str(target)).run())
            assert not app.exception, [e.value for e in app.exception]
    return results


def import_rate(store: Store, rows: int, folder: Path) -> tuple[float, float]:
    """Rows per second of a `rows`-row CSV read, validated and stored into the city's store (for the plan of
    bench/import.py: 296 targets, so that every row is a distinct target and day): on the clock, and of this
    process's CPU time (PostgreSQL's own work is not in it)."""
    bench_import = importlib.import_module("import")
    directory = folder / "import-plan"
    directory.mkdir(exist_ok=True)
    bench_import.synthetic_plan(directory)
    plan = load_plan(directory)
    data = bench_import.progress_file(plan, rows)
    earlier = store.find_batch(plan.id, hashlib.sha256(data).hexdigest())
    if earlier is not None:  # a city kept with --dir holds the last run's import: reverted, this one is stored anew
        store.revert_batch(earlier)
    start, cpu = time.perf_counter(), time.process_time()
    result = ingest(plan, data, "city.csv", previous=store.latest_target_reports(plan.id),
                    settings={"upload_max_rows": rows + 1})  # the office raises the 5,000-row limit for this
    assert result.ok, [p.message() for p in result.errors[:5]]
    assert not store.add_batch(plan.id, "city.csv", result.sha256, result.targets, result.tasks).duplicate
    return rows / (time.perf_counter() - start), rows / (time.process_time() - cpu)


def status_seconds(db: str, plan: Path, repeat: int = 5) -> tuple[float, float, float, float]:
    """Median seconds of `python -m tracker status --json` for one plan: as a command (the interpreter's start and
    the imports included), on the clock and of the command's CPU time, then the same of the command's own work in a
    process that has imported it already."""
    from tracker import cli

    def children_cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    def work() -> None:
        with redirect_stdout(io.StringIO()):
            assert cli.main(argv) == 0

    argv = ["status", "--json", "--db", db, "--plan", str(plan)]
    command, command_cpu, own = [], [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), children_cpu()
        subprocess.run([sys.executable, "-m", "tracker", *argv], cwd=ROOT, check=True, capture_output=True)
        command.append(time.perf_counter() - start)
        command_cpu.append(children_cpu() - cpu)
        own.append(timed(work))
    return (statistics.median(command), statistics.median(command_cpu),
            statistics.median(o[0] for o in own) / 1000, statistics.median(o[1] for o in own) / 1000)


def bench(db: str, plans: list[Path], rows: int, reruns: int, folder: Path, build: bool = True) -> None:
    """Build the city in the store db (unless it is built already), then print every measurement."""
    store = Store(db)
    loaded = [load_plan(p) for p in plans]
    start = time.perf_counter()
    if build:
        written = fill(store, loaded, rows)
    else:
        with store.connect() as conn:
            written = sum(conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
                          for t in ("target_reports", "task_reports"))
    print(f"\n== {'SQLite' if store.sqlite else 'PostgreSQL'}: {len(plans)} plans, "
          f"{sum(len(p.targets) for p in loaded)} targets, {written:,} report rows, "
          + (f"built in {time.perf_counter() - start:.0f} s" if build else "built before")
          + f"; load average {os.getloadavg()[0]:.1f}")
    seconds = status_seconds(db, plans[0])
    times = page_times(db, plans, reruns, folder)
    floor = times["empty page (floor)"]
    for name, (ms, cpu) in times.items():
        print(f"{name:32} {ms:8.0f} ms {cpu:8.0f} ms CPU  {ms - floor[0]:+8.0f} ms over the floor")
    print(f"{'status --json (one plan)':32} {seconds[0]:8.2f} s ({seconds[1]:.2f} s CPU) as a command, "
          f"{seconds[2]:.2f} s ({seconds[3]:.2f} s CPU) of its own work")
    rate = import_rate(store, 100_000, folder)
    print(f"{'import 100,000-row CSV':32} {rate[0]:8,.0f} rows/s ({rate[1]:,.0f} rows/s of CPU time)")
    print(f"{'peak memory of the process':32} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:8.0f} MB"
          f"; load average {os.getloadavg()[0]:.1f}")
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="report rows in all (default 1,000,000)")
    parser.add_argument("--reruns", type=int, default=5, help="warm reruns per page (the median is shown)")
    parser.add_argument("--pg", default=os.environ.get("TRACKER_TEST_PG"),
                        help="an empty PostgreSQL database's URL (default $TRACKER_TEST_PG)")
    parser.add_argument("--dir", type=Path, help="build the SQLite city (plans and city.db) in this directory and "
                                                   "keep it; a city already built there is measured again as it is")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        built = (folder / "city.db").exists()
        plans = (sorted((folder / "plans").glob("city-*")) if built else
                 [district_plan(folder / "plans", n) for n in range(len(DISTRICTS))])
        bench(str(folder / "city.db"), plans, args.rows, args.reruns, Path(tmp), build=not built)
        if args.pg:
            bench(args.pg, plans, args.rows, args.reruns, Path(tmp))


if __name__ == "__main__":
    main()
