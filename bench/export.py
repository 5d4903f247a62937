"""Time the meeting pack for the Hedong plan with a year of monthly reports: the PowerPoint deck and the Excel
ledger (per-unit sheets included), as the export command and the 汇报 page build them.

Usage: python bench/export.py [--repeat N]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from tracker import deck  # noqa: E402
from tracker.exports import ledger_xlsx  # noqa: E402
from tracker.plan import load_plan  # noqa: E402
from tracker.pptx import to_pptx  # noqa: E402
from tracker.snapshot import take  # noqa: E402
from tracker.store import Store  # noqa: E402
from year_of_reports import fill  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    plan = load_plan()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "progress.db")
        fill(plan, store)
        times = {"snapshots": [], "pptx": [], "xlsx": []}
        for _ in range(args.repeat):
            start = time.perf_counter()
            now = take(plan, store)
            before = take(plan, store, now.as_of - timedelta(days=30))
            times["snapshots"].append(time.perf_counter() - start)
            start = time.perf_counter()
            slides = deck.build(now, before)
            pptx = to_pptx(plan, slides, now.as_of)
            times["pptx"].append(time.perf_counter() - start)
            start = time.perf_counter()
            xlsx = ledger_xlsx(now, store.batches(plan.id), per_unit=True)
            times["xlsx"].append(time.perf_counter() - start)
        print(f"deck: {len(slides)} slides, {len(pptx) / 1024:.0f} KB; ledger: {len(xlsx) / 1024:.0f} KB")
        for name, values in times.items():
            print(f"{name:<10} median {statistics.median(values):5.2f} s")
        total = sum(statistics.median(v) for v in times.values())
        print(f"{'full pack':<10} median {total:5.2f} s")


if __name__ == "__main__":
    main()
