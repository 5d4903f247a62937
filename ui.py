"""The one Streamlit helper: cached access to the plan and store, shared controls, and the wording."""
from __future__ import annotations

import importlib
import os
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from tracker import i18n
from tracker.formats import day, number, percent as pct  # noqa: F401  (the pages' formatters)
from tracker.charts import STATUS_COLORS
from tracker.accounts import LOCAL_ADMIN, Accounts, User, expired
from tracker.plan import DATA_DIR, Plan, available_plans, load_plan
from tracker.snapshot import Snapshot, default_board_date, take
from tracker.store import Store

DEFAULT_PLAN_DIR = Path(os.environ.get("TRACKER_PLAN", DATA_DIR))



def route() -> None:
    """Make sure the entry script routes this run.

    Streamlit runs files in pages/ on their own (multipage "v1") until st.navigation has been called,
    so a bookmark such as /tasks opened on a fresh server would skip dashboard.py and its sidebar.
    Switching v1 off and rerunning lets dashboard.py route the URL like any other visit.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


_CHART_CONFIG = {"displayModeBar": False}
PAINTED = "first_paint_done"
# Tells the server once the first page is fully drawn: plotly.js needs over a second to start, and while it
# starts nothing else on the page can show, so a session's first page sends its charts only after that.
# The browser starts plotly.js (the same module file Streamlit's frontend imports) while the server reruns.
_FIRST_PAINT = st.components.v2.component("first_paint", js="""
export default function ({ data, parentElement, setTriggerValue }) {
  const started = performance.now();
  // After a click or key press of the user's own, wait until its rerun is over (the rerun removes this element,
  // and then there is nothing to ask for): a rerun asked for during it could take the user back to this page.
  let touched = false, quiet = 0;
  const touch = () => { touched = true; };
  document.addEventListener("pointerdown", touch, { capture: true, once: true });
  document.addEventListener("keydown", touch, { capture: true, once: true });
  const ask = () => {
    if (!parentElement.isConnected) return;
    if (touched && (quiet = document.querySelector('[data-testid="stStatusWidget"]') ? 0 : quiet + 1) < 3) {
      setTimeout(ask, 300);
      return;
    }
    setTriggerValue("painted", true);
    const entry = document.querySelector('script[type="module"][src*="/static/js/index."]');
    if (data.chunk && entry) import(new URL(data.chunk, entry.src).href).catch(() => {});
  };
  const check = () => {
    const drawing = document.querySelector('[data-testid="stSkeleton"]');
    if (drawing && performance.now() - started < 5000) requestAnimationFrame(check);
    else setTimeout(ask, touched ? 300 : 50);
  };
  requestAnimationFrame(check);
}""")
# Keeps the session token in a cookie, so that a page reload (a new Streamlit session) finds the login again.
SESSION_COOKIE = "dbkb_session"
_SESSION_COOKIE = st.components.v2.component("session_cookie", js="""
export default function ({ data }) {
  const secure = location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `${data.name}=${data.value}; path=/; max-age=${data.max_age}; SameSite=Strict${secure}`;
}""")
_PLOTLY_CHUNK = next((p.name for p in (Path(st.__file__).parent / "static" / "static" / "js").glob("PlotlyChart.*.js")),
                     None)
ALL_UNITS = ""  # the unit filter's "all units": a text value, because Streamlit shows None as an empty choice


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


@st.cache_data(show_spinner=False, max_entries=64)
def _snapshot(directory: str, stamp: tuple, db: str, as_of: date, version: tuple) -> Snapshot:
    return take(_load_plan(directory, stamp), _store(db), as_of)


def default_date() -> date:
    """The as-of date the sidebar starts from."""
    p = plan()
    return default_board_date(p, store())


def _snapshot_key() -> tuple:
    p = plan()
    as_of = st.session_state.get("as_of") or default_date()
    return str(plan_dir()), _plan_stamp(plan_dir()), os.environ.get("TRACKER_DB", ""), as_of, store().version(p.id)


def snapshot() -> Snapshot:
    """The plan evaluated at the sidebar's as-of date; cached until the store changes."""
    return _snapshot(*_snapshot_key())


def _key_at(as_of: date) -> tuple:
    key = list(_snapshot_key())
    key[3] = as_of
    return tuple(key)


@st.cache_resource(show_spinner=False, max_entries=256)
def _memo(name: str, key: tuple, args: tuple):
    module, function = name.rsplit(".", 1)
    return getattr(importlib.import_module(module), function)(_snapshot(*key), *args)


def memo_at(fn, as_of: date, *args):
    """memo() for the snapshot at another as-of date (for comparisons over time)."""
    return _memo(f"{fn.__module__}.{fn.__name__}", _key_at(as_of), args)


@st.cache_resource(show_spinner=False, max_entries=32)
def _memo_compare(name: str, key: tuple, other: tuple, args: tuple):
    module, function = name.rsplit(".", 1)
    return getattr(importlib.import_module(module), function)(_snapshot(*key), _snapshot(*other), *args)


def memo_compare(fn, other_as_of: date, *args):
    """fn(snapshot, snapshot at other_as_of, *args), computed once per pair of snapshots and arguments."""
    return _memo_compare(f"{fn.__module__}.{fn.__name__}", _snapshot_key(), _key_at(other_as_of), args)


def memo(fn, *args):
    """fn(snapshot, *args) for a pure function of the tracker package, computed once per snapshot and arguments.

    The result is shared between sessions: read it, never change it in place.
    """
    return _memo(f"{fn.__module__}.{fn.__name__}", _snapshot_key(), args)


def after_write() -> None:
    """Forget everything a write made stale, and let the as-of date follow the new data."""
    _snapshot.clear()
    _memo.clear()
    _memo_compare.clear()
    st.session_state.pop("as_of", None)


def hold_charts_until_painted() -> None:
    """On a session's first run, draw charts as placeholders and ask the browser to rerun once it has painted.

    Any later run draws them, so a browser that never answers still gets its charts on the next interaction.
    """
    if PAINTED in st.session_state:
        st.session_state[PAINTED] = True
        return
    st.session_state[PAINTED] = False
    with st.sidebar:
        _FIRST_PAINT(key="first_paint", data={"chunk": _PLOTLY_CHUNK}, on_painted_change=lambda: None, height=0)


def chart(figure, where=None, **kwargs) -> None:
    """A plotly figure, or until the first paint a placeholder of its height (see hold_charts_until_painted)."""
    where = where or st
    if st.session_state.get(PAINTED, True):
        where.plotly_chart(figure, config=_CHART_CONFIG, **kwargs)
    else:
        where.container(height=figure.layout.height or 450, border=False).caption(T("chart_loading"))


def flash(*, done: str | None = None, error: str | None = None) -> None:
    """Show, once, the message a button's callback left for this run under `done` (success) or `error`."""
    for key, show in ((done, st.success), (error, st.error)):
        if key and key in st.session_state:
            show(st.session_state.pop(key))


def unit_filter() -> str | None:
    """The unit chosen in the sidebar, or None for all units."""
    return st.session_state.get("unit") or None  # ALL_UNITS is falsy


def status_cells(statuses: pd.Series) -> pd.Series:
    """Status codes as cells of a status_table() column (one coloured label each)."""
    return statuses.map(lambda s: [status_text(s)])


def target_table(targets: pd.DataFrame, **extra) -> pd.DataFrame:
    """The usual columns of a table of targets (ID, indicator, status, target, actual, completion), then `extra`."""
    return pd.DataFrame({
        T("target_id"): targets["target_id"], T("indicator"): targets["indicator"],
        T("status"): status_cells(targets["status"]),
        T("target_value"): [f"{number(v)}{u}" for v, u in zip(targets["target_value"], targets["unit"])],
        T("actual"): [number(v) for v in targets["actual"]],
        T("completion"): targets["completion"].map(pct),
        **extra,
    })


def status_column():
    """Column config showing status cells as coloured labels."""
    return st.column_config.MultiselectColumn(options=[status_text(s) for s in STATUS_COLORS],
                                              color=list(STATUS_COLORS.values()), width="small")


def status_table(frame: pd.DataFrame, column: str, column_config: dict | None = None, **kwargs) -> None:
    """A read-only table whose status `column` shows coloured labels (cheaper to draw than a Styler)."""
    config = {column: status_column()}
    st.dataframe(frame, hide_index=True, width="stretch", column_config={**config, **(column_config or {})},
                 **kwargs)


def accounts() -> Accounts:
    """The accounts kept in the progress store."""
    return Accounts(store())


def _identity_provider() -> bool:
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError, AttributeError):  # no secrets.toml: no identity provider
        return False


def _from_this_machine() -> bool:
    address = getattr(st.context, "ip_address", None)  # None for localhost; a text address for anyone else
    return not isinstance(address, str) or address in ("", "127.0.0.1", "::1", "localhost")


def current_user() -> User | None:
    """Who is using the app: the local administrator while no account exists, else the logged-in user (None
    when nobody is, or when the session has been idle too long)."""
    if not accounts().any():
        if not _from_this_machine():
            st.error(T("local_only"))
            st.stop()
        return LOCAL_ADMIN
    state = st.session_state
    if _identity_provider() and "user" not in state and getattr(st.user, "is_logged_in", False):
        found = accounts().find(st.user.get("email") or st.user.get("name") or "")
        if found:
            state["user"] = found
            store().audit(found.name, "login", "identity provider")
    token = (st.context.cookies or {}).get(SESSION_COOKIE)
    if "user" not in state and token:
        found = accounts().resume(token)
        if found:  # the same browser after a reload: still logged in
            state["user"], state["session_token"], state["last_seen"] = found, token, datetime.now()
            store().audit(found.name, "login", "session resumed after a reload")
    user = state.get("user")
    if user is not None and expired(state.get("last_seen")):
        store().audit(user.name, "session_expired")
        _forget_session()
        state["session_expired"] = True
        return None
    if user is not None:
        state["last_seen"] = now = datetime.now()
        if "session_token" in state and now - state.get("touched_at", datetime.min) > timedelta(minutes=1):
            accounts().touch(state["session_token"], now)  # at most a write a minute, for the idle limit
            state["touched_at"] = now
    return user


def keep_session_in_browser() -> None:
    """Hand the browser its session token to keep in a cookie (on every run: the same element stays mounted, and a
    click right after the login cannot make the browser miss it)."""
    token = st.session_state.get("session_token")
    if token:
        with st.sidebar:
            _SESSION_COOKIE(key="session_cookie", data={"name": SESSION_COOKIE, "value": token,
                                                        "max_age": 12 * 3600}, height=0)


def _forget_session() -> None:
    st.session_state.pop("user", None)
    token = st.session_state.pop("session_token", None)
    if token:
        accounts().close_session(token)


def user() -> User:
    """The user of this run (pages are only reached with one)."""
    return st.session_state.get("user") or LOCAL_ADMIN


def login_form() -> None:
    """The login page: name and password, or the organisation's identity provider where one is configured."""
    st.title(T("app_title"))
    if st.session_state.pop("session_expired", False):
        st.warning(T("session_expired"))
    if "login_error" in st.session_state:
        st.error(st.session_state.pop("login_error"))

    def _login() -> None:
        found, why = accounts().login(st.session_state.get("login_name", ""), st.session_state.get("login_password", ""))
        st.session_state.pop("login_password", None)
        if found is None:
            st.session_state["login_error"] = why
        else:
            token = accounts().open_session(found)
            st.session_state["user"], st.session_state["last_seen"] = found, datetime.now()
            st.session_state["session_token"] = token
            st.session_state.pop("session_expired", None)

    with st.form("login"):
        st.text_input(T("login_name"), key="login_name", max_chars=64)
        st.text_input(T("password"), type="password", key="login_password", max_chars=128)
        st.form_submit_button(T("login"), type="primary", on_click=_login)
    if _identity_provider():
        st.button(T("login_sso"), on_click=st.login)


def login_page() -> None:
    """The login form as the only page: no page list is left in the sidebar (after a logout), and an address such
    as /tasks is kept, so that the login leads on to the page it asked for."""
    asked = urlparse(st.context.url or "").path.rstrip("/").rsplit("/", 1)[-1]
    pages = [st.Page(login_form, title=T("login"), default=True)]
    if re.fullmatch(r"[a-z_]+", asked):
        pages.append(st.Page(login_form, title=T("login"), url_path=asked))
    st.navigation(pages, position="hidden").run()


def logout() -> None:
    """End the session (and the identity provider's, where one is used)."""
    current = st.session_state.get("user")
    _forget_session()
    if current is not None:
        store().audit(current.name, "logout")
    if _identity_provider() and getattr(st.user, "is_logged_in", False):
        st.logout()


def allowed(permission: str) -> bool:
    """Whether the user of this run has the permission."""
    return user().can(permission)


def guard(page: str) -> None:
    """Refuse the page to a user who may not open it, even when opened directly by its URL."""
    route()
    if not user().may_open(page):
        st.error(T("not_allowed"))
        st.stop()


def page_header(title: str, page: str) -> Snapshot:
    """Check the user may open the page, then draw its title, plan line, as-of date and banners."""
    guard(page)
    snap = snapshot()
    p = snap.plan
    st.title(title)
    st.caption(f"{plain(p.title)}（{plain(p.meta.get('document_number', ''))}） · {T('as_of')} {snap.as_of:%Y-%m-%d} · "
               f"{T('time_progress')} {snap.time_progress:.0%}")
    if store().has_samples(p.id):
        st.warning(T("sample_banner"), icon="⚠️")
    return snap


def plain(text) -> str:
    """Text from a file or a user, made safe to put inside Markdown: it is shown as written, never as a link,
    an image or HTML."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$])", r"\\\1", str(text))



