"""指标: a grid of completion gauges, one per target, filterable, with the figures in a table."""
import pandas as pd
import streamlit as st

import ui
from tracker import evidence, views
from tracker.status import STATUSES

snap = ui.page_header(ui.T("targets"), "targets")
plan = snap.plan
chapter_titles = views.chapter_titles(snap)
search_col, chapter_col, status_col, sort_col = st.columns([2, 2, 2, 1])
query = search_col.text_input(ui.T("search_targets"), key="target_search").strip()
chapters = chapter_col.multiselect(ui.T("filter_chapter"), sorted(snap.targets["chapter"].unique()), key="target_chapters",
                                   format_func=lambda c: f"{c}. {chapter_titles[c]}", placeholder=ui.T("all"))
statuses = status_col.multiselect(ui.T("filter_status"), list(STATUSES), key="target_statuses",
                                  format_func=ui.status_text, placeholder=ui.T("all"))
order = sort_col.radio(ui.T("sort_by"), ["id", "completion"], key="target_sort",
                       format_func=lambda o: ui.T("sort_id") if o == "id" else ui.T("sort_completion"))
choice = (ui.unit_filter(), query, tuple(chapters), tuple(statuses), order)
targets = ui.memo(views.targets, *choice)

st.caption(ui.T("rows_shown", n=len(targets)) + " · " + ui.T("gauge_hint"))
if targets.empty:
    st.info(ui.T("no_match"))
    st.stop()

gauges = ui.memo(views.gauges, *choice, ui.lang())
for first in range(0, len(gauges), 2):  # two figures a row; Streamlit stacks the columns on a phone
    for column, figure in zip(st.columns(2), gauges[first:first + 2]):
        ui.chart(figure, column)

# an approved change is said beside the deadline, before the long 牵头单位 column (at 1280 px with the sidebar open
# the table is wider than the screen: id, name and status stay pinned while it scrolls sideways)
changed = "change_note" in targets and targets["change_note"].astype(bool).any()
table = pd.DataFrame({
    ui.T("target_id"): targets["target_id"], ui.T("indicator"): targets["indicator"],
    ui.T("status"): ui.status_cells(targets["status"], targets["late"]),
    ui.T("target_value"): [ui.number(v) + ("" if pd.isna(m) else f"–{ui.number(m)}")
                           for v, m in zip(targets["target_value"], targets["target_max"])],
    ui.T("measure_unit"): targets["unit"],
    ui.T("actual"): targets["actual"].map(ui.number),
    ui.T("completion"): targets["completion"].map(ui.pct),
    ui.T("time_progress"): targets["time_progress"].map(ui.pct),
    ui.T("deadline"): targets["deadline"].astype(str),
    **({ui.T("target_change"): targets["change_note"].to_numpy()} if changed else {}),
    ui.T("lead_units"): targets["lead_units"],
})
ui.status_table(table, ui.T("status"))

indicators = dict(zip(targets["target_id"], targets["indicator"]))
shown = st.selectbox(ui.T("evidence_of_target"), list(indicators), index=None, key="target_evidence",
                     format_func=lambda t: f"{t} {indicators[t]}", placeholder=ui.T("choose"))
if shown is not None:
    ui.evidence_files(evidence.backing(ui.store(), plan.id, targets=[shown]), "target_evidence")
