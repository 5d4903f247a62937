"""总览: headline figures, the overall gauge, status breakdown and completion by chapter."""
import streamlit as st

import ui
from tracker import charts
from tracker.samples import load_sample, remove_sample
from tracker.status import STATUSES, overall_completion, status_counts, summarize

snap = ui.page_header(ui.T("overview"))
plan, unit = snap.plan, ui.unit_filter()
targets, tasks = ui.for_unit(snap.targets, unit), ui.for_unit(snap.tasks, unit)

def _change_sample(action) -> None:
    action(plan, ui.store())
    ui.after_write()


if not snap.reported_any:
    st.info(ui.T("empty_store"))
    st.button(ui.T("load_sample"), type="primary", help=ui.T("sample_help"), on_click=_change_sample,
              args=(load_sample,))
elif ui.store().has_samples(plan.id):
    st.button(ui.T("remove_sample"), help=ui.T("sample_help"), on_click=_change_sample, args=(remove_sample,))

counts = status_counts(targets)
figures = [(ui.T("tasks_n"), len(tasks)), (ui.T("targets_n"), len(targets))]
figures += [(ui.status_text(s), counts[s]) for s in STATUSES]
for column, (name, value) in zip(st.columns(len(figures)), figures):
    column.metric(name, value)

left, right = st.columns(2)
left.plotly_chart(charts.overall_gauge(overall_completion(targets), snap.time_progress, ui.lang()),
                  config={"displayModeBar": False})
right.plotly_chart(charts.status_donut(counts, ui.lang()), config={"displayModeBar": False})

chapters = summarize(targets, "chapter")
if chapters.empty:
    st.info(ui.T("no_match"))
else:
    titles = plan.tasks.drop_duplicates("chapter").set_index("chapter")["chapter_title"]
    chapters["label"] = chapters["chapter"].map(lambda c: f"{c}. {titles[c]}")
    st.plotly_chart(charts.completion_bars(chapters, "label", snap.time_progress, ui.T("by_chapter"), ui.lang()),
                    config={"displayModeBar": False})
