"""The one Streamlit helper: cached access to the plan and store, shared controls, and the wording."""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from tracker import i18n
from tracker.charts import STATUS_COLORS
from tracker.plan import DATA_DIR, Plan, load_plan
from tracker.snapshot import Snapshot, take
from tracker.status import default_as_of
from tracker.store import Store

PLAN_DIR = Path(os.environ.get("TRACKER_PLAN", DATA_DIR))



def route() -> None:
    """Make sure the entry script routes this run.

    Streamlit runs files in pages/ on their own (multipage "v1") until st.navigation has been called,
    so a bookmark such as /tasks opened on a fresh server would skip dashboard.py and its sidebar.
    Switching v1 off and rerunning lets dashboard.py route the URL like any other visit.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def lang() -> str:
    """The language chosen in the sidebar."""
    return st.session_state.get("lang", "zh")


def T(key: str, **values) -> str:
    """Wording for `key` in the chosen language."""
    return i18n.t(key, lang(), **values)


def status_text(status: str) -> str:
    """Display name of a status in the chosen language."""
    return i18n.status_label(status, lang())


def _plan_stamp(directory: Path) -> tuple:
    return tuple(p.stat().st_mtime_ns for p in sorted(directory.glob("*.*")) if p.is_file())


@st.cache_data(show_spinner=False)
def _load_plan(directory: str, stamp: tuple) -> Plan:
    return load_plan(directory)


def plan() -> Plan:
    """The plan, re-read when a plan file changes."""
    return _load_plan(str(PLAN_DIR), _plan_stamp(PLAN_DIR))


@st.cache_resource(show_spinner=False)
def _store(spec: str) -> Store:
    return Store(spec or None)


def store() -> Store:
    """The progress store named by $TRACKER_DB (default data/progress.db)."""
    return _store(os.environ.get("TRACKER_DB", ""))


@st.cache_data(show_spinner=False, max_entries=64)
def _snapshot(directory: str, stamp: tuple, db: str, as_of: date, version: tuple) -> Snapshot:
    return take(_load_plan(directory, stamp), _store(db), as_of)


def default_date() -> date:
    """The as-of date the sidebar starts from."""
    p = plan()
    return default_as_of(p, store().newest_report_date(p.id))


def snapshot() -> Snapshot:
    """The plan evaluated at the sidebar's as-of date; cached until the store changes."""
    p, s = plan(), store()
    as_of = st.session_state.get("as_of") or default_date()
    return _snapshot(str(PLAN_DIR), _plan_stamp(PLAN_DIR), os.environ.get("TRACKER_DB", ""), as_of,
                     s.version(p.id))


def after_write() -> None:
    """Forget everything a write made stale, and let the as-of date follow the new data."""
    _snapshot.clear()
    st.session_state.pop("as_of", None)


def unit_filter() -> str | None:
    """The unit chosen in the sidebar, or None for all units."""
    return st.session_state.get("unit") or None


def for_unit(frame: pd.DataFrame, unit: str | None) -> pd.DataFrame:
    """Rows led by `unit` (all rows when None)."""
    return frame if unit is None else frame[frame["lead_list"].map(lambda units: unit in units)]


def style_status(frame: pd.DataFrame, column: str):
    """A Styler colouring the status column, with status names in the chosen language."""
    colors = {status_text(s): c for s, c in STATUS_COLORS.items()}
    return frame.style.map(lambda v: f"background-color: {colors[v]}; color: white; font-weight: 600"
                           if v in colors else "", subset=[column])


def page_header(title: str) -> Snapshot:
    """Title, plan line, as-of date and the sample-data banner shared by every page."""
    route()
    snap = snapshot()
    p = snap.plan
    st.title(title)
    st.caption(f"{p.title}（{p.meta.get('document_number', '')}） · {T('as_of')} {snap.as_of:%Y-%m-%d} · "
               f"{T('time_progress')} {snap.time_progress:.0%}")
    if store().has_samples(p.id):
        st.warning(T("sample_banner"), icon="⚠️")
    return snap


def pct(value) -> str:
    """A completion as a whole percentage, a dash when missing."""
    return "—" if value is None or pd.isna(value) else f"{value * 100:.0f}%"


def number(value) -> str:
    """A measured value without trailing zeros, a dash when missing."""
    return "—" if value is None or pd.isna(value) else f"{value:,.2f}".rstrip("0").rstrip(".")
