"""Precision and recall of `tracker.extract` on the Hedong notice (as text and as PDF) and on every test notice in
tests/notices/.

A target counts as found when the same task has a target with the same value, unit, direction and range end.
Usage: python bench/extract_quality.py [-v]   (-v lists every missed and every extra target)
"""
from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker.extract import extract  # noqa: E402

DEPARTMENTS = pd.read_csv(ROOT / "data" / "departments.csv", dtype=str, keep_default_na=False)


def _key(task, value, maximum, unit, direction) -> tuple:
    maximum = None if maximum in (None, "") or pd.isna(maximum) else float(maximum)
    return int(task), float(value), maximum, unit, direction


def expected_cases() -> list[tuple[str, Path, Counter, pd.DataFrame | None]]:
    """(name, notice file, expected target keys, expected tasks) for Hedong and each test notice."""
    targets = pd.read_csv(ROOT / "data" / "targets.csv", dtype=str, keep_default_na=False)
    hedong = Counter(_key(r.task_id, r.target_value, r.target_max, r.unit, r.direction)
                     for r in targets.itertuples(index=False))
    hedong_tasks = pd.read_csv(ROOT / "data" / "tasks.csv", dtype=str, keep_default_na=False)
    cases = [("hedong-2023", ROOT / "data" / "notices" / "hedong-2023.txt", hedong, hedong_tasks),
             ("hedong-2023 (PDF)", ROOT / "tests" / "notices" / "converted" / "hedong-2023.pdf", hedong, hedong_tasks)]
    for answer in sorted((ROOT / "tests" / "notices").glob("*.expected.json")):
        stem = answer.name[: -len(".expected.json")]
        notice = next(p for p in answer.parent.iterdir() if p.name.startswith(stem + ".") and p != answer
                      and not p.name.endswith(".json"))
        spec = json.loads(answer.read_text(encoding="utf-8"))
        keys = Counter(_key(t["task_id"], t["value"], t.get("max"), t["unit"], t["direction"]) for t in spec["targets"])
        cases.append((stem, notice, keys, None))
    return cases


def score(notice: Path, expected: Counter) -> tuple[int, int, int, list, list]:
    """(found, extracted, expected, missed, extra) for one notice."""
    result = extract(notice.read_bytes(), notice.name, DEPARTMENTS)
    got = Counter(_key(r.task_id, r.target_value, r.target_max, r.unit, r.direction)
                  for r in result.targets.itertuples(index=False))
    found = sum((got & expected).values())
    return found, sum(got.values()), sum(expected.values()), sorted((expected - got).elements()), \
        sorted((got - expected).elements())


def main() -> None:
    verbose = "-v" in sys.argv
    totals = [0, 0, 0]
    print(f"{'notice':<28}{'expected':>9}{'extracted':>10}{'found':>7}{'precision':>11}{'recall':>8}")
    for name, notice, expected, tasks in expected_cases():
        found, got, want, missed, extra = score(notice, expected)
        totals = [totals[0] + found, totals[1] + got, totals[2] + want]
        print(f"{name:<28}{want:>9}{got:>10}{found:>7}{found / max(got, 1):>11.1%}{found / max(want, 1):>8.1%}")
        if tasks is not None:
            result = extract(notice.read_bytes(), notice.name, DEPARTMENTS)
            same = result.tasks.astype(str).reset_index(drop=True).equals(tasks.reset_index(drop=True))
            print(f"{'':<28}tasks.csv reproduced exactly: {'yes' if same else 'NO'}")
        if verbose:
            for key in missed:
                print(f"    missed {key}")
            for key in extra:
                print(f"    extra  {key}")
    found, got, want = totals
    print(f"{'all notices':<28}{want:>9}{got:>10}{found:>7}{found / max(got, 1):>11.1%}{found / max(want, 1):>8.1%}")


if __name__ == "__main__":
    main()
