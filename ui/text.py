"""Wording in the language chosen in the sidebar, and text from files or users made safe for Markdown."""
from __future__ import annotations

import re

import streamlit as st

from tracker import i18n


def lang() -> str:
    """The language chosen in the sidebar."""
    return st.session_state.get("lang", "zh")


LANGS = ("zh", "en")


def remember_lang() -> None:
    """Keep the language choice in the address (?lang=en), so that a reload or a bookmark keeps it: read it on a
    session's first run, and put it back on every run (a page link drops the address's parameters)."""
    asked = st.query_params.get("lang")
    if "lang" not in st.session_state and asked in LANGS:
        st.session_state["lang"] = asked
    if lang() == "zh":
        st.query_params.pop("lang", None)
    elif st.query_params.get("lang") != lang():
        st.query_params["lang"] = lang()


def T(key: str, **values) -> str:
    """Wording for `key` in the chosen language."""
    return i18n.t(key, lang(), **values)


def status_text(status: str) -> str:
    """Display name of a status in the chosen language."""
    return i18n.status_label(status, lang())


def plain(text) -> str:
    """Text from a file or a user, made safe to put inside Markdown: it is shown as written, never as a link,
    an image or HTML."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$])", r"\\\1", str(text))
