"""The review queue (审核) with 1,000 waiting rows and 200 evidence files: its median warm rerun, and every other
page's before and after the files arrive (evidence must never slow a page that does not show it).

Runs against a temporary store holding a year of approved monthly reports, accounts (so review is on), 1,000 rows
waiting from the units' clerks, then 200 evidence files of 200 KB to 2 MB (photos and PDFs).
Usage: python bench/review.py [--reruns N] [--rows N] [--files N]
"""
from __future__ import annotations

import argparse
import calendar
import io
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from PIL import Image  # noqa: E402

from pages import rerun_times  # noqa: E402
from tracker import evidence, review  # noqa: E402
from tracker.accounts import Accounts, User  # noqa: E402
from tracker.navigation import PAGES  # noqa: E402
from tracker.plan import Plan, load_plan  # noqa: E402
from tracker.store import Store  # noqa: E402
from year_of_reports import fill  # noqa: E402

GOAL_MS = 150


def waiting(plan: Plan, store: Store, rows: int) -> list[tuple[str, str, int]]:
    """At least `rows` report rows waiting for review, one batch per lead unit and month from January on, each
    unit's targets and tasks; returns every waiting (kind, item, batch)."""
    import pandas as pd

    lead = lambda units: units.split("、")[0]  # noqa: E731
    waited, month = [], 1
    while len(waited) < rows:
        as_of = date(2023, month, calendar.monthrange(2023, month)[1])
        for unit in sorted(set(plan.targets["lead_units"].map(lead)) | set(plan.tasks["lead_units"].map(lead))):
            targets = plan.targets[plan.targets["lead_units"].map(lead) == unit]
            tasks = plan.tasks[plan.tasks["lead_units"].map(lead) == unit]
            batch = store.add_batch(
                plan.id, f"{unit}-{month:02d}.csv", f"waiting-{unit}-{month}",
                pd.DataFrame({"target_id": targets["target_id"], "as_of": as_of, "actual": targets["target_value"] * 0.5,
                              "note": "待审核（基准测试数据）"}),
                pd.DataFrame({"task_id": tasks["task_id"], "as_of": as_of, "state": "in_progress",
                              "progress": "按计划推进", "problems": "", "next_steps": ""}),
                unit=unit, by=f"clerk-{unit}", review=review.PENDING).batch_id
            waited += [("target", t, batch) for t in targets["target_id"]]
            waited += [("task", str(t), batch) for t in tasks["task_id"]]
            if len(waited) >= rows:
                break
        month += 1
    return waited


def photo(size: int, rng: random.Random) -> bytes:
    """A JPEG of about `size` bytes: camera noise compresses as badly as a real photo."""
    side = int((size / 1.1) ** 0.5)
    image = Image.frombytes("L", (side, side), rng.randbytes(side * side)).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def attach(plan: Plan, store: Store, rows: list[tuple[str, str, int]], files: int, seed: int = 15) -> int:
    """`files` evidence files of 200 KB to 2 MB, half photos and half PDFs, on waiting rows and (one in ten) on
    their whole batch; returns their total size in bytes."""
    rng = random.Random(seed)
    total = 0
    for n in range(files):
        kind, item, batch = rng.choice(rows)
        size = rng.randint(200 * 2**10, 2 * 2**20)
        data = photo(size, rng) if n % 2 else b"%PDF-1.7\n" + rng.randbytes(size)
        if n % 10 == 0:
            kind, item = "batch", str(batch)
        evidence.add(store, plan.id, kind, item, [(f"佐证{n:03d}.{'jpg' if n % 2 else 'pdf'}", data)], "clerk")
        total += len(data)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reruns", type=int, default=20)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--files", type=int, default=200)
    args = parser.parse_args()
    plan = load_plan()
    with tempfile.TemporaryDirectory() as tmp:
        bare, held = str(Path(tmp) / "bare.db"), str(Path(tmp) / "held.db")
        store = Store(bare)
        history = fill(plan, store)
        Accounts(store).add("office", "admin", "admin-pass-1")
        rows = waiting(plan, store, args.rows)
        store.close()
        shutil.copy(bare, held)  # the same store twice, the second one with the files
        start = time.perf_counter()
        size = attach(plan, Store(held), rows, args.files)
        print(f"store: a year of approved monthly reports ({history} rows), {len(rows)} rows waiting for review; "
              f"a copy with {args.files} evidence files ({size / 2**20:.0f} MB, stored with their thumbnails in "
              f"{time.perf_counter() - start:.0f} s)")
        office = User("office", "admin")
        print(f"{'page':<24} {'warm rerun without files':>26} {'with files':>12}")
        results = {}
        for entry in PAGES:  # each page measured on both stores in turn, so that a busy moment hits both alike
            for db in (bare, held):
                os.environ["TRACKER_DB"] = db
                results[entry.file, db] = rerun_times(args.reruns, [entry], office)[entry.file]
            print(f"{entry.file:<24} {results[entry.file, bare]:23.1f} ms {results[entry.file, held]:9.1f} ms")
        ms = results["pages/review.py", held]
        print(f"审核 with {len(rows)} waiting rows and {args.files} files: median warm rerun {ms:.1f} ms "
              f"(goal {GOAL_MS} ms: {'met' if ms <= GOAL_MS else 'missed'})")


if __name__ == "__main__":
    main()
