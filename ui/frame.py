"""The frame around every page: routing through the page table, the sidebar's page list, and each page's header."""
from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st

from tracker import review
from tracker.accounts import User
from tracker.navigation import HOME, PAGES, sections
from tracker.periods import newly_moved
from tracker.snapshot import Snapshot

from .auth import user
from .cache import snapshot, store
from .tables import PRINT_COPIES
from .text import T, plain

ROOT = Path(__file__).resolve().parent.parent  # the entry file's folder, which holds pages/
ALL_UNITS = ""  # the unit filter's "all units": a text value, because Streamlit shows None as an empty choice
_HANDED = "handed_to_entry"
_ALIAS = "home_alias"
# Whether the page running in this thread was started by the entry file (each session runs its script in a thread of
# its own), so that a page can tell when Streamlit has run it on its own.
_run = threading.local()


def run_page(user: User, page_list) -> None:
    """Run the page this run's address names, after drawing into `page_list` (a sidebar container) the pages of the
    table that the user may open, by section.

    Streamlit's own page list is hidden (client.showSidebarNavigation = false): every page is registered, so that the
    address of a page a role may not open shows the page's own refusal rather than "page not found".
    """
    pages = _pages()
    current = st.navigation(list(pages.values()), position="hidden")
    with page_list:
        for section, entries in sections().items():
            shown = [entry for entry in entries if user.may_open(entry.name)]
            if shown:
                st.caption(T(section))
                for entry in shown:
                    st.page_link(pages[entry.name])
        # the link to the page shown stands out, as in Streamlit's own list (a style only: it takes no space)
        marked = pages[HOME.name] if current is pages[_ALIAS] else current
        current_link = f'.st-key-page_list a[href="{marked.url_path}"]'
        st.html(f"<style>{current_link}, {current_link} p, {current_link} [data-testid='stIconMaterial'] {{"
                " font-weight: 600; color: rgb(47, 45, 43); }"
                f" {current_link} {{ background-color: rgba(169, 169, 162, 0.25); }}</style>")
    st.session_state.pop(_HANDED, None)
    _run.by_entry = True
    try:
        current.run()
    finally:
        _run.by_entry = False


def _pages() -> dict[str, st.Page]:
    """Every page of the table by name, the home page served at the root; and the home page again at its own name
    (/overview: an old bookmark, a typed address), instead of Streamlit's "page not found" there."""
    # Streamlit tells pages apart by url_path, even the root's: the home page's own name is left to the second one.
    pages = {entry.name: st.Page(ROOT / entry.file, title=T(entry.title), icon=f":material/{entry.icon}:",
                                 url_path="home" if entry is HOME else entry.name, default=entry is HOME)
             for entry in PAGES}
    return pages | {_ALIAS: st.Page(ROOT / HOME.file, title=T(HOME.title), url_path=HOME.name)}


def _hand_to_entry() -> None:
    """Run the entry file instead of a page Streamlit started on its own.

    With a folder named pages/ next to the entry file, Streamlit runs the files in it on their own (its legacy
    multipage mode: no sidebar, no login) until some session has called st.navigation, which is documented to end
    that mode for every session. A bookmark such as /tasks opened first on a fresh server gets here: calling it and
    rerunning lets the entry file route the same address.
    """
    if st.session_state.pop(_HANDED, False):  # handed over and still not routed: run outside the app (a test)
        st.error(T("not_allowed"))
        st.stop()
    st.session_state[_HANDED] = True
    st.navigation(list(_pages().values()), position="hidden")
    st.rerun()


def guard(page: str) -> None:
    """Refuse the page to a user who may not open it, even when opened directly by its URL."""
    if not getattr(_run, "by_entry", False):
        _hand_to_entry()
    if not user().may_open(page):
        st.error(T("not_allowed"))
        st.stop()


def page_header(title: str, page: str) -> Snapshot:
    """Check the user may open the page, then draw its title, plan line, as-of date and banners."""
    guard(page)
    st.session_state[PRINT_COPIES] = 0
    snap = snapshot()
    p = snap.plan
    st.title(title)
    number = p.meta.get("document_number")
    st.caption(f"{plain(p.title)}{f'（{plain(number)}）' if number else ''} · {T('as_of')} {snap.as_of:%Y-%m-%d} · "
               f"{T('time_progress')} {snap.time_progress:.0%}")
    if snap.has_samples:  # the snapshot's, cached: the store would look through every batch of the plan
        st.warning(T("sample_banner"), icon="⚠️")
    if snap.unreviewed:  # the leader chose to see where things are heading: say so on every page
        st.warning(T("unreviewed_banner", n=snap.pending), icon=":material/pending_actions:")
    elif snap.pending:  # figures that do not count yet (including them is the leader's choice)
        # a clerk is told of the unit's own rows: the other units' are not the clerk's to wait for
        mine = review.pending(store(), p.id, user().unit) if user().role == "reporter" else snap.pending
        if mine:
            st.caption(T("review_waiting_n", n=mine))
    moved = newly_moved(p, snap.as_of)
    if moved is not None:
        quarterly = p.meta.get("reporting") == "quarterly"
        st.info(T("board_moved", period=moved.label(quarterly), due=f"{moved.due:%Y-%m-%d}"),
                icon=":material/event_upcoming:")
    return snap


def flash(*, done: str | None = None, error: str | None = None) -> None:
    """Show, once, the message a button's callback left for this run under `done` (success) or `error`."""
    for key, show in ((done, st.success), (error, st.error)):
        if key and key in st.session_state:
            show(st.session_state.pop(key))


def unit_filter() -> str | None:
    """The unit chosen in the sidebar, or None for all units."""
    return st.session_state.get("unit") or None  # ALL_UNITS is falsy
