"""Plotly figure builders: DataFrames in, figures out, nothing else.

Each figure is built in one go from plain dicts: plotly validates every add_trace/update_layout call,
which costs more than drawing the figure.
"""
from __future__ import annotations

import html
import math

import pandas as pd
import plotly.graph_objects as go

from .formats import number, percent, visible
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
GRID = "#e5e7eb"


def _figure(data: list, height: int, **layout) -> go.Figure:
    layout.setdefault("margin", dict(l=10, r=10, t=40, b=10))
    return go.Figure(data=data, layout=dict(font=FONT, height=height, paper_bgcolor="white",
                                            plot_bgcolor="white", **layout))


def _title(text: str) -> dict:
    return dict(text=text, font=dict(size=22))


def label(text) -> str:
    """A name from the plan or a file as plotly shows it literally: plotly reads <a href>, <b> and <br> in labels
    and hover text as markup, so <, > and & become entities, and bidirectional controls become visible markers."""
    return html.escape(visible(text), quote=False)



def overall_gauge(completion: float | None, time_progress: float, lang: str = "zh") -> go.Figure:
    """One big gauge: overall completion, with time progress marked as a red line."""
    reported = completion is not None
    indicator = dict(
        type="indicator", mode="gauge+number" if reported else "gauge", value=completion * 100 if reported else 0,
        number=dict(suffix="%", valueformat=".0f", font=dict(size=64)),
        gauge=dict(axis=dict(range=[0, 100], ticksuffix="%", tickfont=dict(size=16)),
                   bar=dict(color="#2563eb", thickness=0.6),
                   threshold=dict(line=dict(color=TIME_LINE, width=6), thickness=0.9, value=time_progress * 100)),
        title=dict(text=f"{t('overall_completion', lang)}<br><span style='font-size:18px;color:{TIME_LINE}'>"
                        f"{t('time_progress', lang)} {percent(time_progress)}</span>", font=dict(size=22)),
    )
    notes = [] if reported else [dict(text=status_label("not_reported", lang), x=0.5, y=0.1, showarrow=False,
                                      font=dict(size=40, color=STATUS_COLORS["not_reported"]))]
    return _figure([indicator], 340, margin=dict(l=60, r=60, t=90, b=10), annotations=notes)


def status_donut(counts: dict[str, int], lang: str = "zh") -> go.Figure:
    """Targets by status as a doughnut, in the fixed status colours."""
    statuses = [s for s in STATUSES if counts.get(s, 0) > 0] or ["not_reported"]
    pie = dict(type="pie", labels=[status_label(s, lang) for s in statuses],
               values=[counts.get(s, 0) for s in statuses], marker=dict(colors=[STATUS_COLORS[s] for s in statuses]),
               hole=0.5, sort=False, direction="clockwise", textinfo="value", textposition="inside",
               textfont=dict(size=22, color="white"), insidetextorientation="horizontal")
    # Labels sit in a legend beside the ring: outside labels collide and get clipped on small screens.
    return _figure([pie], 340, showlegend=True, title=_title(t("status_breakdown", lang)),
                   legend=dict(font=dict(size=18), x=1.0, xanchor="left", y=0.5, yanchor="middle"),
                   margin=dict(l=10, r=10, t=60, b=10))


AXIS_MAX = 115  # completion axis in %: a bar over it (120%) stops at the axis, its label says 120%


def _status_legend(statuses, lang: str, mark: str) -> list[dict]:
    """Legend entries saying what the colours and the red mark mean (traces without points: only the legend)."""
    entries = [dict(type="bar", orientation="h", x=[None], y=[None], name=status_label(s, lang),
                    marker=dict(color=STATUS_COLORS[s]), showlegend=True, hoverinfo="skip")
               for s in STATUSES if s in set(statuses)]
    entries.append(dict(type="scatter", mode="markers", x=[None], y=[None], name=mark, showlegend=True,
                        hoverinfo="skip", marker=dict(symbol="line-ns", size=16, line=dict(color=TIME_LINE, width=4))))
    return entries


def completion_bars(frame: pd.DataFrame, label_column: str, time_progress: float, title: str,
                    lang: str = "zh") -> go.Figure:
    """Horizontal bars of completion per group or target, each coloured by the status it earns against what is due
    and with that due value drawn as a red mark on the bar (`expected`, or a group's `avg_expected`), and a legend
    of the colours and the mark; without either column the time progress is a dashed line across all bars."""
    frame = frame.iloc[::-1]  # plotly draws the first row at the bottom
    values = frame["avg_completion"].astype(float)
    names = [label(v) for v in frame[label_column]]
    bar = dict(type="bar", orientation="h", x=list((values.fillna(0) * 100).clip(upper=AXIS_MAX)), y=names,
               marker=dict(color=[STATUS_COLORS[s] for s in frame["status"]]), showlegend=False,
               text=[status_label("not_reported", lang) if pd.isna(v) else percent(v) for v in values],
               textposition="outside", textfont=dict(size=18), cliponaxis=False,
               hovertemplate="%{y}: %{text}<extra></extra>")
    expected = frame["expected"] if "expected" in frame else frame.get("avg_expected")
    data, shapes, notes = [bar], [], []
    if expected is not None:  # each bar against its own due mark: a level target against 100%
        due = expected.astype(float)
        data.append(dict(type="scatter", mode="markers", x=list(due.clip(upper=1) * 100), y=names,
                         hoverinfo="skip", showlegend=False,
                         marker=dict(symbol="line-ns", size=30, line=dict(color=TIME_LINE, width=4))))
        mark = t("expected_marks", lang, time_progress=percent(time_progress))
    else:
        shapes = [dict(type="line", x0=time_progress * 100, x1=time_progress * 100, y0=0, y1=1, yref="paper",
                       line=dict(color=TIME_LINE, width=3, dash="dash"))]
        mark = f"{t('time_progress', lang)} {percent(time_progress)}"
    data += _status_legend(frame["status"], lang, mark)
    return _figure(data, 150 + 40 * len(frame), title=_title(title), shapes=shapes, annotations=notes,
                   showlegend=True, barmode="overlay",
                   legend=dict(orientation="h", x=0, xanchor="left", y=-0.02, yanchor="top", font=dict(size=16)),
                   xaxis=dict(range=[0, AXIS_MAX], showticklabels=False, gridcolor=GRID),  # each bar says its value
                   yaxis=dict(tickfont=dict(size=17), automargin=True, categoryorder="array", categoryarray=names),
                   margin=dict(l=10, r=40, t=50, b=10))


def status_stack(frame: pd.DataFrame, label_column: str, title: str, lang: str = "zh") -> go.Figure:
    """Stacked horizontal bars: count of targets in each status per group."""
    frame = frame.iloc[::-1]
    bars = [dict(type="bar", orientation="h", x=list(frame[s]), y=[label(v) for v in frame[label_column]],
                 name=status_label(s, lang), marker=dict(color=STATUS_COLORS[s]),
                 text=[v if v else "" for v in frame[s]], textposition="inside",
                 textfont=dict(size=16, color="white"),
                 hovertemplate="%{y}<br>" + status_label(s, lang) + ": %{x}<extra></extra>")
            for s in STATUSES]
    most = int(frame[list(STATUSES)].sum(axis=1).max()) if len(frame) else 0
    # the legend at the foot of the figure, under the axis: above the bars it ran into the title in English
    return _figure(bars, 150 + 34 * len(frame), barmode="stack", title=_title(title),
                   xaxis=dict(gridcolor=GRID, dtick=1 if most <= 12 else None),
                   yaxis=dict(tickfont=dict(size=17), automargin=True),
                   legend=dict(orientation="h", yref="container", y=0, yanchor="bottom", x=0, font=dict(size=16)),
                   margin=dict(l=10, r=10, t=60, b=80))


GAUGES_PER_FIGURE = 2  # two a row on a phone (the page puts two figures a row on wider screens)


def gauge_grid(frame: pd.DataFrame, lang: str = "zh", columns: int = GAUGES_PER_FIGURE) -> go.Figure:
    """One figure holding one completion gauge per target (far faster than one figure each)."""
    rows = max(1, math.ceil(len(frame) / columns))
    cell_w, cell_h, gap = 1 / columns, 1 / rows, 0.04 / columns
    gauges, notes = [], []
    for i, r in enumerate(frame.itertuples(index=False)):
        row, col = divmod(i, columns)
        x0, x1 = col * cell_w + gap, (col + 1) * cell_w - gap
        top = 1 - row * cell_h
        y0, y1 = top - 0.92 * cell_h, top - 0.40 * cell_h  # the title takes the top of the cell
        reported = r.completion is not None and not pd.isna(r.completion)
        value = r.completion * 100 if reported else 0
        color = STATUS_COLORS[r.status]
        target = number(r.target_value) + (f"–{number(r.target_max)}" if not pd.isna(r.target_max) else "")
        actual = number(r.actual) if reported else status_label("not_reported", lang)
        subtitle = (f"<span style='font-size:14px;color:#374151'>{label(r.target_id)}<br>{actual} / {target}"
                    f"{label(r.unit)}</span>")
        gauge = dict(axis=dict(range=[0, max(100, value)], visible=False),
                     bar=dict(color=color, thickness=0.75), bgcolor="#f3f4f6", borderwidth=0)
        # the value its colour was judged against: the schedule's point for a cumulative target, 100% for a level one
        gauge["threshold"] = dict(line=dict(color=TIME_LINE, width=4), thickness=0.9, value=r.expected * 100)
        gauges.append(dict(type="indicator", mode="gauge+number" if reported else "gauge", value=value,
                           number=dict(suffix="%", valueformat=".0f", font=dict(size=30, color=color)),
                           gauge=gauge, domain=dict(x=[x0, x1], y=[y0, y1]),
                           title=dict(text=f"<b>{_wrap(r.indicator, 9)}</b><br>{subtitle}", font=dict(size=16))))
        if not reported:
            notes.append(dict(text=status_label("not_reported", lang), showarrow=False, x=(x0 + x1) / 2,
                              y=y0 + 0.1 * cell_h, xref="paper", yref="paper", xanchor="center",
                              font=dict(size=22, color=color)))
    return _figure(gauges, 290 * rows, annotations=notes, margin=dict(l=10, r=10, t=20, b=10))


def _wrap(text: str, width: int) -> str:
    text = visible(text)  # cut before escaping, so that no entity is cut in two
    return "<br>".join(label(text[i:i + width]) for i in range(0, len(text), width)) if len(text) > width + 2 \
        else label(text)


def history_line(history: pd.DataFrame, target_value: float, unit: str, lang: str = "zh") -> go.Figure:
    """Reported values of one target over time (reverted reports left out), with the target as a line."""
    counted = history[~history["reverted"].astype(bool)]
    line = dict(type="scatter", x=[str(d) for d in counted["as_of"]], y=list(counted["actual"]),
                mode="lines+markers+text", text=[number(v) for v in counted["actual"]], textposition="top center",
                line=dict(color="#2563eb", width=4), marker=dict(size=12), name=t("actual", lang))
    goal = dict(type="line", x0=0, x1=1, xref="paper", y0=target_value, y1=target_value,
                line=dict(color="#15803d", width=3, dash="dash"))
    note = dict(text=f"{t('target_value', lang)} {number(target_value)}{label(unit)}", x=0, xref="paper",
                y=target_value, xanchor="left", yanchor="bottom", showarrow=False, font=dict(color="#15803d", size=16))
    top = max([target_value, *counted["actual"]]) * 1.15
    dates = [str(d) for d in counted["as_of"]]
    return _figure([line], 320, showlegend=False, shapes=[goal], annotations=[note],
                   yaxis=dict(title=dict(text=label(unit)), gridcolor=GRID, range=[0, top]),
                   xaxis=dict(type="date", tickvals=dates, tickformat="%Y-%m-%d"))


def trend_line(history: pd.DataFrame, target_value: float, unit: str, due: list, projection: tuple | None,
               schedule_name: str, lang: str = "zh", span: tuple | None = None) -> go.Figure:
    """Reports over time with the target, the schedule's expected path and a dashed projection to the deadline."""
    figure = history_line(history, target_value, unit, lang)
    traces = list(figure.data)
    if due:
        traces.append(go.Scatter(x=[str(d) for d, _ in due], y=[v for _, v in due], mode="lines",
                                 line=dict(color=TIME_LINE, width=2, dash="dot"),
                                 name=f"{t('due_path', lang)}（{label(schedule_name)}）"))
    if projection:
        d0, v0, d1, v1 = projection
        traces.append(go.Scatter(x=[str(d0), str(d1)], y=[v0, v1], mode="lines+markers+text",
                                 line=dict(color="#7c3aed", width=3, dash="dash"), marker=dict(size=10),
                                 text=["", f"{t('projected', lang)} {number(v1)}"], textposition="top left",
                                 name=t("projected", lang)))
    top = max([target_value, *history["actual"], *(v for _, v in due), projection[3] if projection else 0]) * 1.15
    return _figure(traces, 420, showlegend=True, shapes=figure.layout.shapes, annotations=figure.layout.annotations,
                   legend=dict(orientation="h", y=-0.15, font=dict(size=15)),
                   yaxis=dict(title=dict(text=label(unit)), gridcolor=GRID, range=[0, top]),
                   xaxis=dict(type="date", tickformat="%Y-%m", dtick="M1",
                              range=[str(span[0]), str(span[1])] if span else None))
