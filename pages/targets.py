"""指标: a grid of completion gauges, one per target, filterable, with the figures in a table."""
import pandas as pd
import streamlit as st

import ui
from tracker import charts
from tracker.status import STATUSES

snap = ui.page_header(ui.T("targets"))
plan = snap.plan
targets = ui.for_unit(snap.targets, ui.unit_filter())

chapter_titles = plan.tasks.drop_duplicates("chapter").set_index("chapter")["chapter_title"].to_dict()
search_col, chapter_col, status_col, sort_col = st.columns([2, 2, 2, 1])
query = search_col.text_input(ui.T("search"), key="target_search").strip()
chapters = chapter_col.multiselect(ui.T("filter_chapter"), sorted(targets["chapter"].unique()), key="target_chapters",
                                   format_func=lambda c: f"{c}. {chapter_titles[c]}", placeholder=ui.T("all"))
statuses = status_col.multiselect(ui.T("filter_status"), list(STATUSES), key="target_statuses",
                                  format_func=ui.status_text, placeholder=ui.T("all"))
order = sort_col.radio(ui.T("sort_by"), ["id", "completion"], key="target_sort",
                       format_func=lambda o: ui.T("sort_id") if o == "id" else ui.T("sort_completion"))
if query:
    targets = targets[(targets["indicator"] + targets["source_text"] + targets["lead_units"]).str.contains(
        query, regex=False)]
if chapters:
    targets = targets[targets["chapter"].isin(chapters)]
if statuses:
    targets = targets[targets["status"].isin(statuses)]
if order == "completion":
    targets = targets.sort_values("completion", na_position="first", kind="stable")

st.caption(ui.T("rows_shown", n=len(targets)) + " · " + ui.T("gauge_hint"))
if targets.empty:
    st.info(ui.T("no_match"))
    st.stop()

st.plotly_chart(charts.gauge_grid(targets, ui.lang()), config={"displayModeBar": False})

table = pd.DataFrame({
    ui.T("target_id"): targets["target_id"], ui.T("indicator"): targets["indicator"],
    ui.T("target_value"): [ui.number(v) + ("" if pd.isna(m) else f"–{ui.number(m)}")
                           for v, m in zip(targets["target_value"], targets["target_max"])],
    ui.T("measure_unit"): targets["unit"],
    ui.T("actual"): targets["actual"].map(ui.number),
    ui.T("completion"): targets["completion"].map(ui.pct),
    ui.T("time_progress"): targets["time_progress"].map(ui.pct),
    ui.T("deadline"): targets["deadline"].astype(str),
    ui.T("lead_units"): targets["lead_units"],
    ui.T("status"): targets["status"].map(ui.status_text),
})
st.dataframe(ui.style_status(table, ui.T("status")), hide_index=True, width="stretch")
