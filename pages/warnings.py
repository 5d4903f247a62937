"""预警: targets and tasks behind schedule, open problems, and units to chase with a notice for each."""
from datetime import date, timedelta

import pandas as pd
import streamlit as st

import ui
from tracker import changes, chase, review, views
from tracker.exports import chase_xlsx, warnings_xlsx
from tracker.i18n import PROJECTED_LABELS, TASK_STATE_LABELS, label

snap = ui.page_header(ui.T("warnings"), "warnings")
plan, unit = snap.plan, ui.unit_filter()
shown = lambda d: "" if d is None or pd.isna(d) else str(d)  # noqa: E731

targets = ui.memo(views.behind, unit)
tasks = ui.memo(views.tasks_behind, unit)
st.subheader(ui.T("targets_behind"))
if targets.empty:
    st.success(ui.T("none_behind"))
target_table = pd.DataFrame({
    ui.T("target_id"): targets["target_id"], ui.T("indicator"): targets["indicator"],
    ui.T("status"): ui.status_cells(targets["status"], targets["late"]),
    ui.T("behind"): targets["behind"].map(ui.pct),
    ui.T("short_of_due"): [ui.T("short_by", value=f"{ui.number(v)}{u}") if v > 0 else "—"
                           for v, u in zip(targets["short_of_due"], targets["unit"])],
    ui.T("actual"): [f"{ui.number(v)}{u}" for v, u in zip(targets["actual"], targets["unit"])],
    ui.T("due_now"): [f"{ui.number(v)}{u}" for v, u in zip(targets["due"], targets["unit"])],
    ui.T("target_value"): [f"{ui.number(v)}{u}" for v, u in zip(targets["target_value"], targets["unit"])],
    ui.T("short_of_target"): [f"{ui.number(v)}{u}" for v, u in zip(targets["short_of_target"], targets["unit"])],
    ui.T("projected_status"): targets["projected_status"].map(lambda s: label(PROJECTED_LABELS, s, ui.lang())),
    ui.T("reported_on"): targets["reported_on"].map(shown),
    ui.T("lead_units"): targets["lead_units"],
})
if not targets.empty:
    ui.status_table(target_table, ui.T("status"))

st.subheader(ui.T("tasks_behind"))
task_table = pd.DataFrame({
    ui.T("task_id"): tasks["task_id"], ui.T("title"): tasks["title"], ui.T("status"): ui.status_cells(tasks["status"], tasks["late"]),
    ui.T("targets_n"): tasks["targets"],
    ui.T("task_state"): tasks["state"].map(lambda s: label(TASK_STATE_LABELS, s, ui.lang())),
    ui.T("reported_on"): tasks["reported_on"].map(shown), ui.T("lead_units"): tasks["lead_units"],
})
if tasks.empty:
    st.success(ui.T("none_behind"))
else:
    ui.status_table(task_table, ui.T("status"))

problems = ui.memo(views.problems, unit)
problems = problems[problems["open"]]
st.subheader(ui.T("open_problems_n", n=len(problems), overdue=int(problems["overdue"].sum())))
if problems.empty:
    st.write(ui.T("no_problems"))
else:
    ui.problem_table(problems, ("id", "text", "state", "overdue", "age", "raised_on", "task_id", "title", "lead_units"))

st.download_button(ui.T("download_warnings"), lambda: warnings_xlsx(targets, tasks, review.counting_note(snap)),
                   file_name=f"预警清单_{snap.as_of:%Y%m%d}.xlsx", on_click="ignore")

requests = changes.pending_requests(ui.store(), plan.id, ui.lang())
if len(requests):  # what units asked for and the office has not decided yet
    st.subheader(ui.T("pending_changes", n=len(requests)))
    st.dataframe(pd.DataFrame({
        ui.T("review_item"): requests["what"], ui.T("change_asked"): requests["asked"],
        ui.T("change_reason"): requests["reason"].map(ui.visible), ui.T("unit"): requests["unit"].fillna(""),
        ui.T("change_asked_on"): requests["requested_at"].str[:10],
    }), hide_index=True, width="stretch")

st.divider()
st.subheader(ui.T("chase"))
left, right = st.columns(2)
since = left.date_input(ui.T("chase_since"), value=chase.period_start(snap),
                        min_value=plan.start, max_value=plan.end, key="chase_since", format="YYYY-MM-DD")
report_by = right.date_input(ui.T("report_by"), value=date.today() + timedelta(days=7), key="report_by",
                             format="YYYY-MM-DD")
late_units = ui.memo(chase.units, since)
if unit is not None:
    late_units = late_units[late_units["unit"] == unit]
if late_units.empty:
    st.success(ui.T("nobody_late"))
    st.stop()
chase_table = pd.DataFrame({
    ui.T("unit"): late_units["unit"], ui.T("items_n"): late_units["items"], ui.T("overdue_n"): late_units["overdue"],
    ui.T("last_report"): late_units["last_report"].map(lambda d: ui.T("never") if d is None else str(d)),
    ui.T("silent"): late_units["silent"].map(lambda s: "✓" if s else ""),
})
st.dataframe(chase_table, hide_index=True, width="stretch")
# Notices are built when one is shown or all are downloaded, not one per late unit on every run.
issued = date.today()
left, right = st.columns(2)
left.download_button(ui.T("download_chase"),
                     lambda: chase_xlsx(late_units, chase.overdue(snap, since), review.counting_note(snap)),
                     file_name=f"催办清单_{since:%Y%m%d}.xlsx", on_click="ignore")
right.download_button(ui.T("download_notices"),
                      lambda: "\n\n\n".join(chase.notice(snap, u, since, report_by, issued)
                                               for u in late_units["unit"]).encode("utf-8"),
                      file_name=f"督办通知_{since:%Y%m%d}.txt", mime="text/plain", on_click="ignore")
chosen = st.selectbox(ui.T("notice_for"), list(late_units["unit"]), key="notice_unit")
st.code(ui.memo(chase.notice, chosen, since, report_by, issued), language=None, wrap_lines=True)
