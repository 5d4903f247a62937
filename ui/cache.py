"""Cached access to the plan, the store and the snapshot, and results computed once per snapshot (memo)."""
from __future__ import annotations

import os
from dataclasses import replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import Callable

import pandas as pd
import streamlit as st

from tracker import evidence, review
from tracker.plan import DATA_DIR, Plan, available_plans, load_plan
from tracker.snapshot import Snapshot, default_board_date, plan_in_force, take
from tracker.store import REVIEW_ANY, Store

DEFAULT_PLAN_DIR = Path(os.environ.get("TRACKER_PLAN", DATA_DIR))


def _plan_stamp(directory: Path) -> tuple:
    return tuple(p.stat().st_mtime_ns for p in sorted(directory.glob("*.*")) if p.is_file())


@st.cache_data(show_spinner=False)
def _load_plan(directory: str, stamp: tuple) -> Plan:
    return load_plan(directory)


def plan_dir() -> Path:
    """The directory of the plan chosen in the sidebar (the default plan unless another was chosen)."""
    return Path(st.session_state.get("plan_dir") or DEFAULT_PLAN_DIR)


def plans() -> dict[str, Path]:
    """Every plan that can be switched to: the default one first, then the imported ones."""
    found = available_plans()
    if DEFAULT_PLAN_DIR not in found.values():
        found = {"default": DEFAULT_PLAN_DIR, **found}
    return found


def plan() -> Plan:
    """The plan, re-read when a plan file changes."""
    return _load_plan(str(plan_dir()), _plan_stamp(plan_dir()))


@st.cache_resource(show_spinner=False)
def _store(spec: str) -> Store:
    return Store(spec or None)


def store() -> Store:
    """The progress store named by $TRACKER_DB (default data/progress.db)."""
    return _store(os.environ.get("TRACKER_DB", ""))


# Held, not pickled: a plan's history grows with every report and is read only by the pages that show it.
@st.cache_resource(show_spinner=False, max_entries=8)
def _history(db: str, plan_id: str, version: tuple, states: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    return _store(db).target_history(plan_id, review=states), _store(db).task_history(plan_id, review=states)


@st.cache_data(show_spinner=False, max_entries=64)
def _cached_snapshot(directory: str, stamp: tuple, db: str, as_of: date, version: tuple,
                     unreviewed: bool) -> Snapshot:
    # Pickled on every rerun: without its history the snapshot is the size of the plan's latest values.
    snap = take(_load_plan(directory, stamp), _store(db), as_of, include_unreviewed=unreviewed)
    return replace(snap, history_source=None)


def _snapshot(directory: str, stamp: tuple, db: str, as_of: date, version: tuple, unreviewed: bool) -> Snapshot:
    snap = _cached_snapshot(directory, stamp, db, as_of, version, unreviewed)
    states = review.counted(review.active(_store(db), snap.settings), unreviewed)  # the rows the snapshot counts
    return replace(snap, history_source=partial(_history, db, snap.plan.id, version, states))


@st.cache_data(show_spinner=False, max_entries=32)
def _latest(db: str, plan_id: str, version: tuple, review: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (_store(db).latest_target_reports(plan_id, review=review),
            _store(db).latest_task_reports(plan_id, review=review))


@st.cache_data(show_spinner=False, max_entries=16)
def _returned(db: str, plan_id: str, version: tuple, unit: str | None) -> pd.DataFrame:
    return review.returned(_store(db), plan_id, unit)


def returned(unit: str | None = None) -> pd.DataFrame:
    """review.returned for the plan (a unit's rows when given), cached until the store changes: 进度上报 shows them
    on every run."""
    p = plan()
    return _returned(os.environ.get("TRACKER_DB", ""), p.id, store().version(p.id), unit)


@st.cache_data(show_spinner=False, max_entries=16)
def _batches(db: str, plan_id: str, version: tuple, unit: str | None, search: str,
             limit: int | None) -> tuple[pd.DataFrame, int]:
    return (_store(db).batches(plan_id, unit=unit, search=search, limit=limit),
            _store(db).batch_count(plan_id, unit))


# The batches 上报记录 lists at most: a city's plan gathers a hundred thousand, which no table or list shows at once.
BATCHES_SHOWN = 500


def batches(unit: str | None = None, search: str = "", limit: int | None = None) -> tuple[pd.DataFrame, int]:
    """The plan's batches as Store.batches gives them, and how many the plan (or the unit) has in all; cached
    until the store changes."""
    p = plan()
    return _batches(os.environ.get("TRACKER_DB", ""), p.id, store().version(p.id), unit, search, limit)


# A stored file never changes; its digest stands for it should a restored backup hold another under the same number.
@st.cache_data(show_spinner=False, max_entries=1024)
def _thumbnail(db: str, evidence_id: int, sha256: str) -> bytes | None:
    return evidence.thumbnail(_store(db), evidence_id)


def thumbnail(evidence_id: int, sha256: str) -> bytes | None:
    """An evidence image's stored thumbnail (a few kilobytes), read once."""
    return _thumbnail(os.environ.get("TRACKER_DB", ""), evidence_id, sha256)


# Held, not pickled: a thousand waiting rows would be copied on every rerun of 审核.
@st.cache_resource(show_spinner=False, max_entries=8)
def _review_queue(directory: str, stamp: tuple, db: str, as_of: date, version: tuple, today: date) -> pd.DataFrame:
    return review.queue(plan_in_force(_load_plan(directory, stamp), _store(db), as_of), _store(db), as_of, today)


def review_queue(as_of: date) -> pd.DataFrame:
    """The rows waiting for review (tracker.review.queue) at an as-of date; cached until the store changes (its
    version counts evidence files too) or the day turns. Shared between sessions: read it, never change it."""
    p = plan()
    return _review_queue(str(plan_dir()), _plan_stamp(plan_dir()), os.environ.get("TRACKER_DB", ""), as_of,
                         store().version(p.id), date.today())


def latest(review: tuple[str, ...] = REVIEW_ANY) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The newest target and task reports of the plan whatever their date, among rows in the given review states
    (what an upload is compared with)."""
    p = plan()
    return _latest(os.environ.get("TRACKER_DB", ""), p.id, store().version(p.id), tuple(review))


def default_date() -> date:
    """The as-of date the sidebar starts from."""
    p = plan()
    return default_board_date(p, store())


INCLUDE_UNREVIEWED = "include_unreviewed"  # the sidebar's switch for leaders: count the rows still waiting too


def reviewing() -> bool:
    """Whether review is in force for the store (figures wait for the office before they count)."""
    return review.active(store())


def _snapshot_key() -> tuple:
    p = plan()
    as_of = st.session_state.get("as_of") or default_date()
    return (str(plan_dir()), _plan_stamp(plan_dir()), os.environ.get("TRACKER_DB", ""), as_of, store().version(p.id),
            bool(st.session_state.get(INCLUDE_UNREVIEWED)))


def snapshot() -> Snapshot:
    """The plan evaluated at the sidebar's as-of date; cached until the store changes."""
    return _snapshot(*_snapshot_key())


def _key_at(as_of: date) -> tuple:
    key = list(_snapshot_key())
    key[3] = as_of
    return tuple(key)


def _name(fn: Callable) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


# The function itself is passed (a leading underscore keeps Streamlit from hashing it); its qualified name stands for
# it in the cache key.
@st.cache_resource(show_spinner=False, max_entries=256)
def _memo(name: str, _fn: Callable, key: tuple, args: tuple):
    return _fn(_snapshot(*key), *args)


@st.cache_resource(show_spinner=False, max_entries=32)
def _memo_compare(name: str, _fn: Callable, key: tuple, other: tuple, args: tuple):
    return _fn(_snapshot(*key), _snapshot(*other), *args)


def memo(fn: Callable, *args):
    """fn(snapshot, *args) for a pure function of the tracker package, computed once per snapshot and arguments.

    The result is shared between sessions: read it, never change it in place.
    """
    return _memo(_name(fn), fn, _snapshot_key(), args)


def memo_at(fn: Callable, as_of: date, *args):
    """memo() for the snapshot at another as-of date (for comparisons over time)."""
    return _memo(_name(fn), fn, _key_at(as_of), args)


def memo_compare(fn: Callable, other_as_of: date, *args):
    """fn(snapshot, snapshot at other_as_of, *args), computed once per pair of snapshots and arguments."""
    return _memo_compare(_name(fn), fn, _snapshot_key(), _key_at(other_as_of), args)


def after_write() -> None:
    """Forget everything a write made stale, and let the as-of date follow the new data."""
    _cached_snapshot.clear()
    _history.clear()
    _latest.clear()
    _returned.clear()
    _batches.clear()
    _review_queue.clear()
    _memo.clear()
    _memo_compare.clear()
    st.session_state.pop("as_of", None)
