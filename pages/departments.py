"""部门: per-unit charts, a ranking table, and one unit's tasks and targets."""
import pandas as pd
import streamlit as st

import ui
from tracker import ranking, views
from tracker.status import STATUSES

snap = ui.page_header(ui.T("departments"), "departments")
plan = snap.plan

view = ui.memo(views.units, ui.lang())
units = view.table

left, right = st.columns(2)
ui.chart(view.completion, left)
ui.chart(view.statuses, right)

st.subheader(ui.T("ranking"))
kinds = plan.departments.set_index("unit")["kind"]
scores = ui.memo(ranking.scores).set_index("unit")
units = units.assign(score=units["lead_unit"].map(scores["score"]), rank=units["lead_unit"].map(scores["rank"]))
units = units.sort_values(["rank", "lead_unit"], na_position="last")
table = pd.DataFrame({
    ui.T("rank"): units["rank"].map(lambda r: "" if pd.isna(r) else str(int(r))),
    ui.T("unit"): units["lead_unit"],
    ui.T("score"): units["score"].map(lambda v: "" if pd.isna(v) else f"{v:.1f}"),
    ui.T("kind"): units["kind"],
    ui.T("tasks_led"): units["tasks_led"],
    ui.T("targets_led"): units["targets"],
    ui.T("reported"): units["reported"],
    ui.T("avg_completion"): units["avg_completion"].map(ui.pct),
    **{ui.status_text(s): units[s] for s in STATUSES},
})
st.dataframe(table, hide_index=True, width="stretch")
st.caption(ui.T("ranking_note"))

st.subheader(ui.T("choose_unit"))
unit = ui.unit_filter() or st.selectbox(ui.T("unit"), list(units["lead_unit"]), placeholder=ui.T("choose"), key="department_unit")
st.markdown(f"### {ui.plain(unit)}")
tasks, targets = views.led_by(snap.tasks, unit), views.led_by(snap.targets, unit)
participating = snap.tasks[snap.tasks["participating_list"].map(lambda names: unit in names)]
st.markdown(" · ".join(ui.T("labelled", label=ui.T(name), value=value) for name, value in (
    ("kind", ui.plain(kinds.get(unit, ""))), ("unit_tasks", len(tasks)), ("unit_targets", len(targets)),
    ("unit_participating", len(participating)))))

st.markdown(f"#### {ui.T('unit_tasks')}")
if tasks.empty:
    st.write(ui.T("none"))
else:
    table = pd.DataFrame({ui.T("task_id"): tasks["task_id"], ui.T("title"): tasks["title"],
                          ui.T("lead_units"): tasks["lead_units"], ui.T("status"): ui.status_cells(tasks["status"], tasks["late"])})
    ui.status_table(table, ui.T("status"))

st.markdown(f"#### {ui.T('unit_targets')}")
if targets.empty:
    st.write(ui.T("none"))
else:
    table = ui.target_table(targets, **{
        ui.T("reported_on"): targets["reported_on"].map(ui.day)})
    ui.status_table(table, ui.T("status"))

if not participating.empty:
    st.markdown(f"#### {ui.T('unit_participating')}")
    table = pd.DataFrame({ui.T("task_id"): participating["task_id"], ui.T("title"): participating["title"],
                          ui.T("lead_units"): participating["lead_units"],
                          ui.T("status"): ui.status_cells(participating["status"])})
    ui.status_table(table, ui.T("status"))
