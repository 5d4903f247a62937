"""How values are written for people: one formatter per kind of value, shared by pages, charts, slides and files."""
from __future__ import annotations

from datetime import date

import pandas as pd

DASH = "—"


def missing(value) -> bool:
    """True for None, NaN and NaT: a value nobody has reported."""
    return value is None or bool(pd.isna(value))


def percent(value) -> str:
    """A share (0.87) as a whole percentage (87%), a dash when missing."""
    return DASH if missing(value) else f"{value * 100:.0f}%"


def number(value) -> str:
    """A measured value with thousands separators and without trailing zeros (1,080 / 2.3), a dash when missing."""
    return DASH if missing(value) else f"{value:,.2f}".rstrip("0").rstrip(".")


def day(value: date | None) -> str:
    """A date as YYYY-MM-DD, empty when missing (a cell that has no date yet)."""
    return "" if missing(value) else f"{value:%Y-%m-%d}"
