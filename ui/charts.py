"""Charts on a page: the plotly figures of tracker.charts, drawn with the app's chart settings."""
from __future__ import annotations

import streamlit as st

_CHART_CONFIG = {"displayModeBar": False}


def chart(figure, where=None, **kwargs) -> None:
    """A plotly figure, without plotly's tool bar, in `where` (a column or container) or the page."""
    (where or st).plotly_chart(figure, config=_CHART_CONFIG, **kwargs)
