"""Schedules: how much of a target is expected by a date, as a straight line or by quarterly milestones.

A target's `schedule` in targets.csv is one of:
- empty or `linear`: the straight line of time progress from plan start to the deadline;
- `quarterly:a,b,c,d`: milestones in percent of the target due by the end of each quarter (the last at the
  deadline); expected progress steps up at each quarter end and stays flat in between;
- a named curve, drawn straight between quarter ends: `front_loaded` (35, 65, 90, 100), `back_loaded`
  (10, 30, 60, 100) or `year_end` (nothing expected before the last quarter, then a straight line to 100).
"""
from __future__ import annotations

from datetime import date

from .i18n import CURVE_LABELS


def time_progress(start: date, deadline: date, as_of: date) -> float:
    """Elapsed share of [start, deadline] at as_of (both days inclusive), clamped to [0, 1]."""
    total = (deadline - start).days + 1
    elapsed = (as_of - start).days + 1
    return min(1.0, max(0.0, elapsed / total)) if total > 0 else 1.0

CURVES: dict[str, tuple[float, float, float, float]] = {
    "front_loaded": (0.35, 0.65, 0.90, 1.0),
    "back_loaded": (0.10, 0.30, 0.60, 1.0),
    "year_end": (0.0, 0.0, 0.0, 1.0),
}


def parse(spec: str | None) -> tuple[str, tuple[float, ...]] | None:
    """(kind, milestones) for a schedule text, or None when it is not valid."""
    spec = (spec or "").strip().replace("：", ":").replace("，", ",")
    if spec in ("", "linear"):
        return "linear", ()
    if spec in CURVES:
        return spec, CURVES[spec]
    if spec.startswith("quarterly:"):
        try:
            shares = tuple(float(v) / 100 for v in spec.split(":", 1)[1].split(","))
        except ValueError:
            return None
        if len(shares) == 4 and all(0 <= a <= b for a, b in zip((0,) + shares, shares)) and shares[-1] == 1:
            return "quarterly", shares
    return None


def quarter_ends(start: date, deadline: date) -> list[date]:
    """The ends of the first three quarters from plan start that fall before the deadline, then the deadline."""
    ends = [date(start.year, m, d) for m, d in ((3, 31), (6, 30), (9, 30))]
    return [d for d in ends if start <= d < deadline][:3] + [deadline]


def expected(spec: str | None, start: date, deadline: date, as_of: date) -> float:
    """Share of the target expected by as_of under the schedule (0..1)."""
    kind, shares = parse(spec) or ("linear", ())
    if kind == "linear":
        return time_progress(start, deadline, as_of)
    if kind == "quarterly":
        ends = quarter_ends(start, deadline)
        reached = [share for end, share in zip(ends, shares[-len(ends):]) if as_of >= end]
        return reached[-1] if reached else 0.0
    return pace(spec, start, deadline, as_of)


def pace(spec: str | None, start: date, deadline: date, as_of: date) -> float:
    """Share reached by as_of when working steadily along the schedule: its milestones joined by straight lines.

    The same as expected() except for quarterly milestones, which are due in steps but worked towards evenly.
    """
    kind, shares = parse(spec) or ("linear", ())
    if kind == "linear":
        return time_progress(start, deadline, as_of)
    if as_of >= deadline:
        return 1.0
    ends = quarter_ends(start, deadline)
    points = [(start, 0.0)] + list(zip(ends, shares[-len(ends):]))
    for (d0, s0), (d1, s1) in zip(points, points[1:]):
        if d0 <= as_of <= d1:
            span = (d1 - d0).days
            return s0 + (s1 - s0) * ((as_of - d0).days / span if span else 1)
    return 0.0


def label(spec: str | None, lang: str = "zh") -> str:
    """How a schedule is named on the pages, with its milestones."""
    kind, shares = parse(spec) or ("linear", ())
    zh, en = CURVE_LABELS[kind]
    text = en if lang == "en" else zh
    return text if kind == "linear" else f"{text}（{'/'.join(f'{s * 100:g}%' for s in shares)}）"
