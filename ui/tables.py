"""The tables several pages share: status labels in colour, the usual target columns, and the problem list."""
from __future__ import annotations

from typing import Sequence

import pandas as pd
import streamlit as st

from tracker.charts import STATUS_COLORS
from tracker.formats import day, number, percent, visible
from tracker.i18n import PROBLEM_STATE_LABELS, label

from .text import T, lang, status_text

PRINT_COPIES = "print_copies"  # tables given a print copy in this run (ui.frame.page_header starts it again)
LATE_COLOR = "#7c3aed"  # 未按期上报 stands beside the status in a colour no status uses


def status_css(prefix: str) -> str:
    """A style that colours the metric inside each container keyed f"{prefix}_{status}" in that status's colour."""
    rules = " ".join(f'.st-key-{prefix}_{status} [data-testid="stMetricValue"] {{ color: {colour}; }}'
                     for status, colour in STATUS_COLORS.items())
    return f"<style>{rules}</style>"


def status_cells(statuses: pd.Series, late: pd.Series | None = None) -> pd.Series:
    """Status codes as cells of a status_table() column: one coloured label each, and 未按期上报 beside it where the
    item has no report in the board's period (`late`)."""
    if late is None:
        return statuses.map(lambda s: [status_text(s)])
    return pd.Series([[status_text(s), T("late")] if flag else [status_text(s)] for s, flag in zip(statuses, late)],
                     index=statuses.index)


def target_table(targets: pd.DataFrame, **extra) -> pd.DataFrame:
    """The usual columns of a table of targets (ID, indicator, status, target, actual, completion), then `extra`."""
    return pd.DataFrame({
        T("target_id"): targets["target_id"], T("indicator"): targets["indicator"],
        T("status"): status_cells(targets["status"], targets.get("late")),
        T("target_value"): [f"{number(v)}{u}" for v, u in zip(targets["target_value"], targets["unit"])],
        T("actual"): [number(v) for v in targets["actual"]],
        T("completion"): targets["completion"].map(percent),
        **extra,
    })


# The status column's width in px: room for the two widest labels side by side (a status and 未按期上报), since the
# table is drawn on a canvas that cuts what does not fit.
STATUS_WIDTH = {"zh": 200, "en": 290}


def status_column():
    """Column config showing status cells as coloured labels, pinned beside the item's id and name."""
    return st.column_config.MultiselectColumn(options=[status_text(s) for s in STATUS_COLORS] + [T("late")],
                                              color=[*STATUS_COLORS.values(), LATE_COLOR],
                                              width=STATUS_WIDTH[lang()], pinned=True)


def status_table(frame: pd.DataFrame, column: str, column_config: dict | None = None, **kwargs) -> None:
    """A read-only table whose status `column` shows coloured labels (cheaper to draw than a Styler), at full
    height, with its first two columns (id, name) and the status pinned so that scrolling sideways keeps them."""
    config = {name: {**st.column_config.Column(), **(column_config or {}).get(name, {}), "pinned": True}
              for name in frame.columns[:2] if name != column}
    config[column] = status_column()
    kwargs.setdefault("height", "content")
    st.dataframe(frame, hide_index=True, width="stretch", column_config={**(column_config or {}), **config},
                 **kwargs)
    # st.dataframe draws only the rows in view on a canvas, which prints cut: a plain copy of the table stands in
    # for it on paper (dashboard.py's print style shows it there and hides it on screen)
    copies = st.session_state[PRINT_COPIES] = st.session_state.get(PRINT_COPIES, 0) + 1
    with st.container(key=f"print_copy_{copies}"):
        st.table(frame.assign(**{column: frame[column].map(lambda v: " · ".join(v) if isinstance(v, list) else v)})
                 .set_index(frame.columns[0]))


# A column of views.problems -> (heading key, cells); "#" is the problem's number.
_PROBLEM_COLUMNS = {
    "id": ("#", lambda p: p["id"]),
    "text": ("problem", lambda p: p["text"].map(visible)),
    "state": ("state", lambda p: p["state"].map(lambda s: label(PROBLEM_STATE_LABELS, s, lang()))),
    "overdue": ("overdue", lambda p: p["overdue"].map(lambda o: T("overdue_mark") if o else "")),
    "age": ("age_days", lambda p: p["age"]),
    "raised_on": ("raised_on", lambda p: p["raised_on"].map(day)),
    "task_id": ("task_id", lambda p: p["task_id"]),
    "title": ("title", lambda p: p["title"]),
    "owner": ("owner", lambda p: p["owner"].fillna("")),
    "lead_units": ("lead_units", lambda p: p["lead_units"]),
}


def problem_table(problems: pd.DataFrame, columns: Sequence[str]) -> None:
    """A read-only table of problems (rows of views.problems) with the given columns, in that order."""
    st.dataframe(pd.DataFrame({heading if heading == "#" else T(heading): cells(problems)
                               for heading, cells in (_PROBLEM_COLUMNS[c] for c in columns)}),
                 hide_index=True, width="stretch")
