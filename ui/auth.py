"""Who is using the app: the login form, sessions kept across reloads in a cookie, and their check on every run."""
from __future__ import annotations

import os
import re
from datetime import datetime, timedelta
from urllib.parse import urlparse

import streamlit as st

from tracker.access import local_admin_allowed, proxy_user
from tracker.accounts import LOCAL_ADMIN, NAME_MAX, Accounts, User, expired

from .cache import store
from .text import T, plain

# Keeps the session token in a cookie, so that a page reload (a new Streamlit session) finds the login again.
SESSION_COOKIE = "dbkb_session"
_SESSION_COOKIE = st.components.v2.component("session_cookie", js="""
export default function ({ data }) {
  const secure = location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `${data.name}=${data.value}; path=/; max-age=${data.max_age}; SameSite=Strict${secure}`;
}""")


def accounts() -> Accounts:
    """The accounts kept in the progress store."""
    return Accounts(store())


def _identity_provider() -> bool:
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError, AttributeError):  # no secrets.toml: no identity provider
        return False


def _request() -> tuple[str | None, dict]:
    address = getattr(st.context, "ip_address", None)  # None for localhost; a text address for anyone else
    return (address if isinstance(address, str) else None), dict(st.context.headers or {})


def _proxy_login(name: str) -> User:
    """The enabled account the trusted proxy names, audited once per session; anyone else is refused."""
    state = st.session_state
    known = state.get("user")
    found = accounts().find(name) if known is not None and known.name == name else accounts().login_external(name)
    if found is None:
        state.pop("user", None)
        st.error(T("proxy_user_unknown", name=plain(name)))
        st.stop()
    state["user"] = found
    return found


def current_user() -> User | None:
    """Who is using the app: the user a trusted proxy names, the local administrator while no account exists, else
    the logged-in user, re-checked against the store on every run (None when nobody is logged in, or the session no
    longer holds)."""
    address, headers = _request()
    named = proxy_user(address, headers, os.environ)
    if named is not None:
        return _proxy_login(named)
    if not accounts().any():
        if not local_admin_allowed(address, headers, store().sqlite):
            st.error(T("local_only"))
            st.stop()
        return LOCAL_ADMIN
    state = st.session_state
    if _identity_provider() and "user" not in state and getattr(st.user, "is_logged_in", False):
        found = accounts().login_external(st.user.get("email") or st.user.get("name") or "")
        if found:
            state["user"] = found
    token = (st.context.cookies or {}).get(SESSION_COOKIE)
    if "user" not in state and token:
        found = accounts().resume(token)
        if found:  # the same browser after a reload: still logged in
            state["user"], state["session_token"], state["last_seen"] = found, token, datetime.now()
    user = state.get("user")
    if user is None:
        return None
    if expired(state.get("last_seen")):
        _forget_session(idle=True)
        state["session_expired"] = True
        return None
    now = datetime.now()
    found = accounts().check(user.name, state.get("session_token"), now)
    if found is None:  # disabled, locked, given a new password or logged out elsewhere since the last run
        _forget_session(idle=True)
        state["session_ended"] = True
        return None
    state["user"], state["last_seen"] = found, now  # a changed role or unit counts from this run on
    if "session_token" in state and now - state.get("touched_at", datetime.min) > timedelta(minutes=1):
        accounts().touch(state["session_token"], now)  # at most a write a minute, for the idle limit
        state["touched_at"] = now
    return found


def keep_session_in_browser() -> None:
    """Hand the browser its session token to keep in a cookie (on every run: the same element stays mounted, and a
    click right after the login cannot make the browser miss it)."""
    token = st.session_state.get("session_token")
    if token:
        with st.sidebar:
            _SESSION_COOKIE(key="session_cookie", data={"name": SESSION_COOKIE, "value": token,
                                                        "max_age": 12 * 3600}, height=0)


def _forget_session(idle: bool = False) -> None:
    current = st.session_state.pop("user", None)
    token = st.session_state.pop("session_token", None)
    if current is not None:
        accounts().end_session(current.name, token, idle=idle)


def user() -> User:
    """The user of this run (pages are only reached with one)."""
    return st.session_state.get("user") or LOCAL_ADMIN


def allowed(permission: str) -> bool:
    """Whether the user of this run has the permission."""
    return user().can(permission)


def login_form() -> None:
    """The login page: name and password, or the organisation's identity provider where one is configured."""
    st.title(T("app_title"))
    if st.session_state.pop("session_expired", False):
        st.warning(T("session_expired"))
    if st.session_state.pop("session_ended", False):
        st.warning(T("session_ended"))
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
        st.text_input(T("login_name"), key="login_name", max_chars=NAME_MAX)
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
    _forget_session()
    if _identity_provider() and getattr(st.user, "is_logged_in", False):
        st.logout()
