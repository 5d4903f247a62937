"""总览: headline figures, the overall gauge, status breakdown and completion by chapter."""
import streamlit as st

import ui
from tracker import views
from tracker.samples import has_sample, load_sample, remove_sample
from tracker.status import STATUSES

snap = ui.page_header(ui.T("overview"), "overview")
plan = snap.plan


def _change_sample(action) -> None:
    action(plan, ui.store(), by=ui.user().name)
    ui.after_write()


if not snap.reported_any:
    st.info(ui.T("empty_store"))
    if ui.allowed("plan") and has_sample(plan):
        st.button(ui.T("load_sample"), type="primary", help=ui.T("sample_help"), on_click=_change_sample,
                  args=(load_sample,))
elif snap.has_samples and ui.allowed("plan"):
    st.button(ui.T("remove_sample"), help=ui.T("sample_help"), on_click=_change_sample, args=(remove_sample,))

unit = ui.unit_filter()
view = ui.memo(views.overview, unit, ui.lang())
if unit and view.tasks == 0:
    joined = snap.tasks[snap.tasks["participating_list"].map(lambda names: unit in names)]
    st.info(ui.T("participating_only", unit=ui.plain(unit), n=len(joined),
                 tasks=ui.plain("、".join(f"{k}. {t}" for k, t in zip(joined["task_id"], joined["title"])))))
figures = [("tasks", ui.T("tasks_n"), view.tasks), ("targets", ui.T("targets_n"), view.targets)]
figures += [(s, ui.status_text(s), view.counts[s]) for s in STATUSES]


def _open_list(key: str) -> None:
    """Filter the targets page by the status clicked (all statuses for the count of targets), then go there."""
    st.session_state["target_statuses"] = [key] if key in STATUSES else []
    st.session_state["kpi_page"] = "pages/tasks.py" if key == "tasks" else "pages/targets.py"


# each figure in its status colour (ui.status_css), with a link to the list behind it
st.html(ui.status_css("kpi"))
for column, (key, name, value) in zip(st.columns(len(figures)), figures):
    with column.container(key=f"kpi_{key}"):
        st.metric(name, value)
        st.button(ui.T("open_kpi_list"), key=f"kpi_open_{key}", type="tertiary", icon=":material/list:",
                  on_click=_open_list, args=(key,))
if "kpi_page" in st.session_state:
    st.switch_page(st.session_state.pop("kpi_page"))
st.caption(f"{ui.T('tasks_by_status')}：" + " · ".join(f"{ui.status_text(s)} {n}" for s, n in view.task_counts.items()))

left, right = st.columns(2)
ui.chart(view.gauge, left)
ui.chart(view.donut, right)
if view.chapters is None:
    st.info(ui.T("no_match"))
else:
    ui.chart(view.chapters)
if view.untargeted_chapters:
    st.caption(ui.T("chapters_without_targets", chapters="、".join(map(str, view.untargeted_chapters))))
