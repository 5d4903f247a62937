"""Plotly figure builders: DataFrames in, figures out, nothing else."""
from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from .i18n import status_label, t
from .status import STATUSES

STATUS_COLORS = {
    "completed": "#15803d",
    "on_track": "#2563eb",
    "lagging": "#d97706",
    "severe": "#dc2626",
    "not_reported": "#9ca3af",
}
TIME_LINE = "#b91c1c"
FONT = dict(family="Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif", size=18, color="#111827")


def _layout(fig: go.Figure, height: int, **extra) -> go.Figure:
    extra.setdefault("margin", dict(l=10, r=10, t=40, b=10))
    fig.update_layout(font=FONT, height=height, paper_bgcolor="white", plot_bgcolor="white", **extra)
    return fig


def percent(value: float | None) -> str:
    """A completion as a whole percentage, or a dash."""
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value * 100:.0f}%"


def overall_gauge(completion: float | None, time_progress: float, lang: str = "zh") -> go.Figure:
    """One big gauge: overall completion, with time progress marked as a red line."""
    value = 0 if completion is None else completion * 100
    fig = go.Figure(go.Indicator(
        mode="gauge+number" if completion is not None else "gauge",
        value=value,
        number=dict(suffix="%", valueformat=".0f", font=dict(size=64)),
        gauge=dict(axis=dict(range=[0, 100], ticksuffix="%", tickfont=dict(size=16)),
                   bar=dict(color="#2563eb", thickness=0.6),
                   threshold=dict(line=dict(color=TIME_LINE, width=6), thickness=0.9, value=time_progress * 100)),
        title=dict(text=f"{t('overall_completion', lang)}<br><span style='font-size:18px;color:{TIME_LINE}'>"
                        f"{t('time_progress', lang)} {percent(time_progress)}</span>", font=dict(size=22)),
    ))
    if completion is None:
        fig.add_annotation(text=status_label("not_reported", lang), x=0.5, y=0.1, showarrow=False,
                           font=dict(size=40, color=STATUS_COLORS["not_reported"]))
    return _layout(fig, 340, margin=dict(l=60, r=60, t=90, b=10))


def status_donut(counts: dict[str, int], lang: str = "zh") -> go.Figure:
    """Targets by status as a doughnut, in the fixed status colours."""
    statuses = [s for s in STATUSES if counts.get(s, 0) > 0] or ["not_reported"]
    fig = go.Figure(go.Pie(
        labels=[status_label(s, lang) for s in statuses],
        values=[counts.get(s, 0) for s in statuses],
        marker=dict(colors=[STATUS_COLORS[s] for s in statuses]),
        hole=0.5, sort=False, direction="clockwise", textinfo="label+value", textfont=dict(size=18),
        insidetextorientation="horizontal",
    ))
    return _layout(fig, 340, showlegend=False, title=dict(text=t("status_breakdown", lang), font=dict(size=22)))


def completion_bars(frame: pd.DataFrame, label_column: str, time_progress: float, title: str,
                    lang: str = "zh") -> go.Figure:
    """Horizontal bars of average completion per group, with the time progress as a line."""
    frame = frame.iloc[::-1]  # plotly draws the first row at the bottom
    values = frame["avg_completion"].astype(float)
    fig = go.Figure(go.Bar(
        x=(values.fillna(0) * 100), y=frame[label_column], orientation="h",
        marker=dict(color=[STATUS_COLORS["not_reported"] if pd.isna(v) else "#2563eb" for v in values]),
        text=[status_label("not_reported", lang) if pd.isna(v) else percent(v) for v in values],
        textposition="outside", textfont=dict(size=18), cliponaxis=False,
        hovertemplate="%{y}: %{text}<extra></extra>",
    ))
    fig.add_vline(x=time_progress * 100, line=dict(color=TIME_LINE, width=3, dash="dash"),
                  annotation=dict(text=f"{t('time_progress', lang)} {percent(time_progress)}",
                                  font=dict(color=TIME_LINE, size=16)), annotation_position="top")
    fig.update_xaxes(range=[0, 115], ticksuffix="%", gridcolor="#e5e7eb")
    fig.update_yaxes(tickfont=dict(size=17), automargin=True)
    return _layout(fig, 80 + 40 * len(frame), title=dict(text=title, font=dict(size=22)),
                   margin=dict(l=10, r=30, t=70, b=10))


def status_stack(frame: pd.DataFrame, label_column: str, title: str, lang: str = "zh") -> go.Figure:
    """Stacked horizontal bars: count of targets in each status per group."""
    frame = frame.iloc[::-1]
    fig = go.Figure()
    for s in STATUSES:
        fig.add_trace(go.Bar(
            x=frame[s], y=frame[label_column], orientation="h", name=status_label(s, lang),
            marker=dict(color=STATUS_COLORS[s]), text=[v if v else "" for v in frame[s]],
            textposition="inside", textfont=dict(size=16, color="white"),
            hovertemplate="%{y}<br>" + status_label(s, lang) + ": %{x}<extra></extra>",
        ))
    fig.update_xaxes(gridcolor="#e5e7eb", dtick=1 if frame[list(STATUSES)].sum(axis=1).max() <= 12 else None)
    fig.update_yaxes(tickfont=dict(size=17), automargin=True)
    return _layout(fig, 110 + 34 * len(frame), barmode="stack", title=dict(text=title, font=dict(size=22)),
                   legend=dict(orientation="h", y=1.0, yanchor="bottom", x=1, xanchor="right",
                               font=dict(size=16)),
                   margin=dict(l=10, r=10, t=90, b=10))


def _number(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def gauge_grid(frame: pd.DataFrame, lang: str = "zh", columns: int = 4) -> go.Figure:
    """One figure holding one completion gauge per target (far faster than one figure each)."""
    rows = max(1, math.ceil(len(frame) / columns))
    fig = go.Figure()
    cell_w, cell_h, gap = 1 / columns, 1 / rows, 0.04 / columns
    for i, r in enumerate(frame.itertuples(index=False)):
        row, col = divmod(i, columns)
        x0, x1 = col * cell_w + gap, (col + 1) * cell_w - gap
        top = 1 - row * cell_h
        y0, y1 = top - 0.92 * cell_h, top - 0.40 * cell_h  # the title takes the top of the cell
        reported = r.completion is not None and not pd.isna(r.completion)
        value = r.completion * 100 if reported else 0
        color = STATUS_COLORS[r.status]
        target = _number(r.target_value) + (f"–{_number(r.target_max)}" if not pd.isna(r.target_max) else "")
        actual = _number(r.actual) if reported else status_label("not_reported", lang)
        subtitle = (f"<span style='font-size:15px;color:#374151'>{actual} / {target}{r.unit}"
                    f" · {r.target_id}</span>")
        gauge = dict(axis=dict(range=[0, max(100, value)], visible=False),
                     bar=dict(color=color, thickness=0.75), bgcolor="#f3f4f6", borderwidth=0)
        if r.kind == "cumulative":
            gauge["threshold"] = dict(line=dict(color=TIME_LINE, width=4), thickness=0.9,
                                      value=r.time_progress * 100)
        fig.add_trace(go.Indicator(
            mode="gauge+number" if reported else "gauge",
            value=value,
            number=dict(suffix="%", valueformat=".0f", font=dict(size=30, color=color)),
            gauge=gauge,
            domain=dict(x=[x0, x1], y=[y0, y1]),
            title=dict(text=f"<b>{_wrap(r.indicator, 13)}</b><br>{subtitle}", font=dict(size=17),
                       align="center"),
        ))
        if not reported:
            fig.add_annotation(text=status_label("not_reported", lang), showarrow=False,
                               x=(x0 + x1) / 2, y=y0 + 0.1 * cell_h,
                               xref="paper", yref="paper", font=dict(size=22, color=color))
    return _layout(fig, 290 * rows, margin=dict(l=10, r=10, t=20, b=10))


def _wrap(text: str, width: int) -> str:
    return "<br>".join(text[i:i + width] for i in range(0, len(text), width)) if len(text) > width + 2 else text


def history_line(history: pd.DataFrame, target_value: float, unit: str, lang: str = "zh") -> go.Figure:
    """Reported values of one target over time, reverted reports left out, with the target line."""
    counted = history[~history["reverted"].astype(bool)]
    fig = go.Figure(go.Scatter(x=counted["as_of"], y=counted["actual"], mode="lines+markers+text",
                               text=[_number(v) for v in counted["actual"]], textposition="top center",
                               line=dict(color="#2563eb", width=4), marker=dict(size=12),
                               name=t("actual", lang)))
    fig.add_hline(y=target_value, line=dict(color="#15803d", width=3, dash="dash"),
                  annotation=dict(text=f"{t('target_value', lang)} {_number(target_value)}{unit}",
                                  font=dict(color="#15803d", size=16)))
    fig.update_yaxes(title=unit, gridcolor="#e5e7eb", rangemode="tozero")
    return _layout(fig, 320, showlegend=False)
