"""Charts, and a session's first page drawn before its charts (plotly.js takes over a second to start in the browser,
and while it starts nothing else on the page can show)."""
from __future__ import annotations

import streamlit as st

from .text import T

_CHART_CONFIG = {"displayModeBar": False}
PAINTED = "first_paint_done"
# Tells the server once the first page is drawn, through the documented custom-component API only: the page counts
# as drawn when the document has stopped changing for a moment (never later than 5 s).
_FIRST_PAINT = st.components.v2.component("first_paint", js="""
export default function ({ parentElement, setTriggerValue }) {
  // A click or key press of the user's own reruns the app anyway, and that rerun draws the charts; a rerun asked for
  // here as well could take the user back to the page being left, so after one nothing is asked.
  let touched = false;
  const touch = () => { touched = true; };
  document.addEventListener("pointerdown", touch, { capture: true });
  document.addEventListener("keydown", touch, { capture: true });
  const started = performance.now();
  let changed = started;
  const observer = new MutationObserver(() => { changed = performance.now(); });
  observer.observe(document.body, { childList: true, subtree: true, characterData: true });
  let frame = 0;
  const stop = () => {
    cancelAnimationFrame(frame);
    observer.disconnect();
    document.removeEventListener("pointerdown", touch, { capture: true });
    document.removeEventListener("keydown", touch, { capture: true });
  };
  const check = () => {
    const now = performance.now();
    if (!parentElement.isConnected || touched) return stop();
    if (now - changed < 150 && now - started < 5000) {
      frame = requestAnimationFrame(check);
      return;
    }
    stop();
    setTriggerValue("painted", true);
  };
  frame = requestAnimationFrame(check);
  return stop;
}""")


def hold_charts_until_painted() -> None:
    """On a session's first run, draw charts as placeholders and ask the browser to rerun once it has painted.

    Any later run draws them, so a browser that never answers (or a user who clicks first) still gets its charts
    on the next interaction.
    """
    if PAINTED in st.session_state:
        st.session_state[PAINTED] = True
        return
    st.session_state[PAINTED] = False
    with st.sidebar:
        _FIRST_PAINT(key="first_paint", on_painted_change=lambda: None, height=0)


def chart(figure, where=None, **kwargs) -> None:
    """A plotly figure, or until the first paint a placeholder of its height (see hold_charts_until_painted)."""
    where = where or st
    if st.session_state.get(PAINTED, True):
        where.plotly_chart(figure, config=_CHART_CONFIG, **kwargs)
    else:
        where.container(height=figure.layout.height or 450, border=False).caption(T("chart_loading"))
