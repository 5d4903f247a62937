"""Wording in the language chosen in the sidebar, and text from files or users made safe for Markdown."""
from __future__ import annotations

import re

import streamlit as st

from tracker import i18n


def lang() -> str:
    """The language chosen in the sidebar."""
    return st.session_state.get("lang", "zh")


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
