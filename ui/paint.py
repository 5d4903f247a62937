"""Charts, and a session's first page drawn before its charts (plotly.js takes over a second to start in the browser,
and while it starts nothing else on the page can show)."""
from __future__ import annotations

import streamlit as st

from .text import T

_CHART_CONFIG = {"displayModeBar": False}
PAINTED = "first_paint_done"
# Tells the server once the first page is drawn, through the documented custom-component API only. The element comes
# last in the run, so when the browser mounts it everything the run drew is on the page; two animation frames later
# it has been painted.
_FIRST_PAINT = st.components.v2.component("first_paint", js="""
export default function ({ parentElement, setTriggerValue }) {
  // A click or key press of the user's own reruns the app anyway, and that rerun draws the charts; a rerun asked for
  // here as well could take the user back to the page being left, so after one nothing is asked.
  let touched = false, frame = 0;
  const touch = () => { touched = true; };
  document.addEventListener("pointerdown", touch, { capture: true });
  document.addEventListener("keydown", touch, { capture: true });
  const stop = () => {
    cancelAnimationFrame(frame);
    document.removeEventListener("pointerdown", touch, { capture: true });
    document.removeEventListener("keydown", touch, { capture: true });
  };
  frame = requestAnimationFrame(() => {
    frame = requestAnimationFrame(() => {
      stop();
      if (parentElement.isConnected && !touched) setTriggerValue("painted", true);
    });
  });
  return stop;
}""")


def hold_charts_until_painted() -> None:
    """On a session's first run, draw charts as placeholders (see chart); any later run draws them."""
    st.session_state[PAINTED] = PAINTED in st.session_state


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
