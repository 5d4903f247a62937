"""Import a generated 100,000-row progress file: prints rows per second for reading, validating and storing,
and the peak memory of the process.

Usage: python bench/import.py [--rows N] [--format csv|xlsx]
"""
from __future__ import annotations

import argparse
import csv
import io
import resource
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker.ingest import ingest  # noqa: E402
from tracker.plan import DATA_DIR, load_plan  # noqa: E402
from tracker.store import Store  # noqa: E402

TARGETS_PER_TASK = 4


def synthetic_plan(directory: Path) -> None:
    """The Hedong plan with four generated targets per task that has lead units (296 targets)."""
    for name in ("tasks.csv", "departments.csv", "plan.toml"):
        shutil.copy(DATA_DIR / name, directory / name)
    plan = load_plan()
    with open(directory / "targets.csv", "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["target_id", "task_id", "indicator", "target_value", "target_max", "unit", "direction", "kind",
                      "deadline", "lead_units", "source_text", "baseline"])
        for task in plan.tasks.itertuples():
            if task.lead_units:
                for n in range(1, TARGETS_PER_TASK + 1):
                    out.writerow([f"T{task.task_id:02d}-{n}", task.task_id, f"指标{n}", 1000, "", "个", "higher",
                                  "cumulative", "2023-12-31", task.lead_units, f"指标{n}1000个", ""])


def progress_file(plan, rows: int) -> bytes:
    """`rows` distinct reports: every target on consecutive days of 2023, values growing through the year."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["指标编号", "截至日期", "完成值", "进展情况"])
    ids = list(plan.targets["target_id"])
    for i in range(rows):
        day = date(2023, 1, 1) + timedelta(days=i // len(ids))
        writer.writerow([ids[i % len(ids)], day.isoformat(), (i // len(ids)) * 2 + 1, f"第{i}行进展"])
    return out.getvalue().encode("utf-8")


def to_xlsx(data: bytes) -> bytes:
    from openpyxl import Workbook
    book = Workbook(write_only=True)
    sheet = book.create_sheet("填报")
    for row in csv.reader(io.StringIO(data.decode("utf-8"))):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        synthetic_plan(Path(tmp))
        plan = load_plan(tmp)
        data = progress_file(plan, args.rows)
        if args.format == "xlsx":
            data = to_xlsx(data)
        store = Store(Path(tmp) / "progress.db")
        print(f"file: {args.rows:,} rows, {len(data) / 2**20:.1f} MB {args.format}; plan: {len(plan.targets)} targets")
        before = peak_mb()
        start = time.perf_counter()
        result = ingest(plan, data, f"bench.{args.format}", previous=store.latest_target_reports(plan.id),
                        settings={"upload_max_rows": args.rows + 1})  # the office raises the 5,000-row limit
        checked = time.perf_counter()
        assert result.ok, [p.message() for p in result.errors[:5]]
        batch = store.add_batch(plan.id, f"bench.{args.format}", result.sha256, result.targets, result.tasks)
        stored = time.perf_counter()
        assert len(store.target_history(plan.id)) == args.rows and not batch.duplicate
        print(f"read and validate  {checked - start:6.2f} s  {args.rows / (checked - start):9,.0f} rows/s")
        print(f"store              {stored - checked:6.2f} s  {args.rows / (stored - checked):9,.0f} rows/s")
        print(f"total              {stored - start:6.2f} s  {args.rows / (stored - start):9,.0f} rows/s")
        print(f"peak memory        {peak_mb():6.0f} MB (process; {peak_mb() - before:.0f} MB above the start)")


if __name__ == "__main__":
    main()
