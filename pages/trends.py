"""趋势: one target's reported history with its target, schedule and year-end projection; every target's outlook."""
import pandas as pd
import streamlit as st

import ui
from tracker import schedule, views
from tracker.i18n import PROJECTED_LABELS, label

snap = ui.page_header(ui.T("trends"), "trends")
targets = views.led_by(snap.targets, ui.unit_filter())
names = dict(zip(targets["target_id"], targets["indicator"]))
choice = st.selectbox(ui.T("choose_target"), list(names), placeholder=ui.T("choose"), key="trend_target",
                      format_func=lambda t: f"{t} {names[t]}")
target = targets.set_index("target_id").loc[choice]

columns = st.columns(4)
columns[0].metric(ui.T("completion"), ui.pct(target["completion"]))
columns[1].metric(ui.T("due_now"), ui.pct(target["expected"]))
columns[2].metric(ui.T("projected_completion"), ui.pct(target["projected_completion"]))
columns[3].metric(ui.T("projected_status"), label(PROJECTED_LABELS, target["projected_status"], ui.lang()) or "—")
st.markdown(" · ".join(ui.T("labelled", label=ui.T(name), value=value) for name, value in (
    ("schedule", schedule.label(target["schedule"], ui.lang())),
    ("target_value", f"{ui.number(target['target_value'])}{ui.plain(target['unit'])}"),
    ("lead_units", ui.plain(target["lead_units"])))))
ui.chart(ui.memo(views.trend, choice, ui.lang()))
st.caption(ui.T("projection_method", risk=f"{snap.settings['projection_risk']:.0%}"))

st.subheader(ui.T("all_projections"))
ui.status_table(pd.DataFrame({
    ui.T("target_id"): targets["target_id"], ui.T("indicator"): targets["indicator"],
    ui.T("status"): ui.status_cells(targets["status"], targets["late"]),
    ui.T("target_value"): [f"{ui.number(v)}{u}" for v, u in zip(targets["target_value"], targets["unit"])],
    ui.T("actual"): targets["actual"].map(ui.number),
    ui.T("schedule"): targets["schedule"].map(lambda s: schedule.label(s, ui.lang())),
    ui.T("projected"): [f"{ui.number(v)}{u}" if not pd.isna(v) else "—"
                        for v, u in zip(targets["projected"], targets["unit"])],
    ui.T("projected_completion"): targets["projected_completion"].map(ui.pct),
    ui.T("projected_status"): targets["projected_status"].map(lambda s: label(PROJECTED_LABELS, s, ui.lang())),
}), ui.T("status"))
