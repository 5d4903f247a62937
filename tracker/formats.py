"""How values are written for people: one formatter per kind of value, shared by pages, charts, slides and files."""
from __future__ import annotations

import unicodedata
from datetime import date

import pandas as pd

from .i18n import t

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


def item(kind: str, item_id, lang: str = "zh") -> str:
    """A target or task as messages and tables name it: its id (T15-1), or 任务 and its number (任务 12; Task 12)."""
    return str(item_id) if kind == "target" else t("item_task", lang, n=item_id)


def size(n_bytes) -> str:
    """A file's size in the unit that suits it (812 B, 356 KB, 1.2 MB)."""
    if n_bytes < 1024:
        return f"{int(n_bytes)} B"
    if n_bytes < 2**20:
        return f"{n_bytes / 1024:.0f} KB"
    return f"{n_bytes / 2**20:.1f} MB"


# Characters that reorder the text around them (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI, LRM, RLM, ALM):
# 县‮局财政‬ would read as another unit's name.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def visible(text) -> str:
    """Text with every bidirectional control shown as a marker (⟨U+202E⟩) instead of reordering what follows."""
    if missing(text):
        return ""
    return "".join(f"⟨U+{ord(ch):04X}⟩" if ch in BIDI_CONTROLS else ch for ch in str(text))


def invisible(text: str) -> list[str]:
    """The invisible characters in a name as U+XXXX: controls, format characters (zero-width, bidirectional)."""
    return [f"U+{ord(ch):04X}" for ch in text if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")]
