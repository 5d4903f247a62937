"""Reporting periods and the board date (统计截至): the date the whole board is judged at.

A plan reports monthly unless plan.toml says `reporting = "quarterly"`; the report for a period is due on
`due_day` of the following month. The board date is the end of the latest period whose due date has passed, so
that one unit's early report never re-judges the others: a report dated after the board date waits until the
board reaches it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from .plan import Plan

REPORTING = ("monthly", "quarterly")
DEFAULT_DUE_DAY = 5


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    due: date

    def label(self, quarterly: bool) -> str:
        """The period as people name it: 2023年9月, or 2023年第3季度."""
        if quarterly:
            return f"{self.end.year}年第{(self.end.month - 1) // 3 + 1}季度"
        return f"{self.end.year}年{self.end.month}月"


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1))


def reporting(plan: Plan) -> tuple[int, int]:
    """(months per period, due day) from the plan's metadata."""
    months = 3 if plan.meta.get("reporting") == "quarterly" else 1
    return months, int(plan.meta.get("due_day") or DEFAULT_DUE_DAY)


def periods(plan: Plan) -> list[Period]:
    """Every reporting period of the plan, the first and last clipped to the plan's start and end."""
    months, due_day = reporting(plan)
    found, year, month = [], plan.start.year, plan.start.month
    month -= (month - 1) % months  # quarters start in January, April, July and October
    while date(year, month, 1) <= plan.end:
        last_month = month + months - 1
        end = _month_end(year + (last_month - 1) // 12, (last_month - 1) % 12 + 1)
        following = date(end.year, end.month, 1) + timedelta(days=32)
        found.append(Period(max(date(year, month, 1), plan.start), min(end, plan.end),
                            date(following.year, following.month, due_day)))
        month += months
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return found


def period_of(plan: Plan, day: date) -> Period:
    """The period that contains `day`, clamped to the plan (a day after the plan's end is in its last period)."""
    every = periods(plan)
    return next((p for p in every if day <= p.end), every[-1]) if day >= plan.start else every[0]


def now_reporting(plan: Plan, today: date | None = None) -> Period:
    """The period now being reported: the one that contains today, clamped to the plan."""
    return period_of(plan, today or date.today())


def board_date(plan: Plan, today: date | None = None, fixed: date | None = None,
               sample_until: date | None = None) -> date:
    """The board date: what the office fixed, else the end of the sample's last period while sample data is loaded,
    else the end of the latest period whose due date has passed (the plan's start before any has)."""
    if fixed is not None:
        return min(max(fixed, plan.start), plan.end)
    if sample_until is not None:
        return period_of(plan, sample_until).end
    today = today or date.today()
    due = [p.end for p in periods(plan) if p.due <= today]
    return due[-1] if due else plan.start


def after_board(dates: pd.Series, board: date) -> pd.Series:
    """Which report dates lie after the board date (统计截至): such a row, even once approved, counts only on a board
    judged on or after its own date."""
    return pd.to_datetime(dates).dt.date > board


def newly_moved(plan: Plan, board: date, today: date | None = None, days: int = 7) -> Period | None:
    """The board's period when the board moved to it within the last `days` (its report fell due), else None."""
    period = period_of(plan, board)
    today = today or date.today()
    return period if board == period.end and 0 <= (today - period.due).days < days else None


def late(reported_on: date | None, as_of: date, plan: Plan, done: bool = False) -> bool:
    """未按期上报: nothing dated inside the period of `as_of` (up to as_of itself); a completed item is never late."""
    if done:
        return False
    return reported_on is None or reported_on < period_of(plan, as_of).start
