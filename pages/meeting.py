"""调度会对比: since the last review meeting, per unit: what became completed, fell behind, recovered, stayed silent."""
from datetime import timedelta

import pandas as pd
import streamlit as st

import ui
from tracker import since_meeting
from tracker.i18n import CHANGE_LABELS, label

snap = ui.page_header(ui.T("meeting"), "meeting")
plan = snap.plan
last = st.date_input(ui.T("meeting_date"), value=max(plan.start, snap.as_of - timedelta(days=30)),
                     min_value=plan.start, max_value=snap.as_of, key="meeting_date", format="YYYY-MM-DD")
changes = ui.memo_compare(since_meeting.compare, last)
if ui.unit_filter():
    changes = changes[changes["unit"] == ui.unit_filter()]
names = {kind: label(CHANGE_LABELS, kind, ui.lang()) for kind in since_meeting.CHANGES}

counts = changes.drop_duplicates("item")["change"].value_counts()  # an item led by three units counts once
for column, kind in zip(st.columns(4), since_meeting.CHANGES[:4]):
    column.metric(names[kind], int(counts.get(kind, 0)))

st.subheader(ui.T("changes_by_unit"))
per_unit = since_meeting.by_unit(changes)
st.dataframe(per_unit.rename(columns={"unit": ui.T("unit"), **names}), hide_index=True, width="stretch")

for kind in since_meeting.CHANGES[:4]:
    rows = changes[changes["change"] == kind]
    st.markdown(f"#### {ui.T('with_aside', text=names[kind], aside=rows['item'].nunique())}")
    if rows.empty:
        st.write(ui.T("none"))
        continue
    table = pd.DataFrame({
        ui.T("unit"): rows["unit"], ui.T("id"): rows["item"], ui.T("indicator"): rows["name"],
        ui.T("before"): ui.status_cells(rows["before"]), ui.T("now"): ui.status_cells(rows["now"]),
        ui.T("reported_on"): rows["reported_on"].map(ui.day),
    })
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={ui.T("before"): ui.status_column(), ui.T("now"): ui.status_column()})
