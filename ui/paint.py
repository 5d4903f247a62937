"""Charts, and a session's first page drawn before its charts (plotly.js takes over a second to start in the browser,
and while it starts nothing else on the page can show)."""
from __future__ import annotations

import streamlit as st

from .text import T

_CHART_CONFIG = {"displayModeBar": False}
PAINTED = "first_paint_done"
# A click or key press of the user's own reruns the app anyway, and that rerun draws the charts. A rerun asked for by
# the first paint as well would replace the one the click asked for (the server keeps the page of the later request)
# and take the user back to the page being left. This element, drawn before the page list's links, notes any click or
# key press from then on (a session's first run is the first to draw it in its browser tab).
_TOUCH_WATCH = st.components.v2.component("touch_watch", js="""
export default function () {
  window.__dbkbTouched ??= false;
  const touch = () => { window.__dbkbTouched = true; };
  document.addEventListener("pointerdown", touch, { capture: true });
  document.addEventListener("keydown", touch, { capture: true });
  return () => {
    document.removeEventListener("pointerdown", touch, { capture: true });
    document.removeEventListener("keydown", touch, { capture: true });
  };
}""")
# Tells the server once the first page is drawn, through the documented custom-component API only: this element comes
# last in the run, so when the browser mounts it everything the run drew is on the page, and two animation frames
# later it has been painted. Nothing is asked after a click or key press (see _TOUCH_WATCH).
_FIRST_PAINT = st.components.v2.component("first_paint", js="""
export default function ({ parentElement, setTriggerValue }) {
  let frame = requestAnimationFrame(() => {
    frame = requestAnimationFrame(() => {
      if (parentElement.isConnected && !window.__dbkbTouched) setTriggerValue("painted", true);
    });
  });
  return () => cancelAnimationFrame(frame);
}""")


def hold_charts_until_painted() -> None:
    """On a session's first run, draw charts as placeholders (see chart); any later run draws them."""
    st.session_state[PAINTED] = PAINTED in st.session_state


def watch_touches() -> None:
    """Note the user's clicks and key presses from here on (draw it before any link). It is drawn on every run, in
    the same place: an element that went away would move the ones after it while a click may be on its way."""
    _TOUCH_WATCH(key="touch_watch", height=0)


def ask_when_painted() -> None:
    """At the end of a session's first run, ask the browser to rerun once it has painted what the run drew.

    A browser that never answers (or a user who clicks first) gets the charts from the next interaction's run.
    """
    if not st.session_state.get(PAINTED, True):
        with st.sidebar:
            _FIRST_PAINT(key="first_paint", on_painted_change=lambda: None, height=0)


def chart(figure, where=None, **kwargs) -> None:
    """A plotly figure, or until the first paint a placeholder of its height (see hold_charts_until_painted)."""
    where = where or st
    if st.session_state.get(PAINTED, True):
        where.plotly_chart(figure, config=_CHART_CONFIG, **kwargs)
    else:
        where.container(height=figure.layout.height or 450, border=False).caption(T("chart_loading"))
