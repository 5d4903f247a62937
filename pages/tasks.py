"""任务台账: the ledger of all tasks with search and filters, and one task in full."""
import pandas as pd
import streamlit as st

import ui
from tracker import evidence, views
from tracker.i18n import TASK_STATE_LABELS, label
from tracker.plan import is_open_list
from tracker.status import STATUSES

snap = ui.page_header(ui.T("tasks"), "tasks")
plan = snap.plan
chapter_titles = views.chapter_titles(snap)
search_col, chapter_col, status_col = st.columns([2, 2, 2])
query = search_col.text_input(ui.T("search"), key="task_search").strip()
chapters = chapter_col.multiselect(ui.T("filter_chapter"), list(chapter_titles), key="task_chapters",
                                   format_func=lambda c: f"{c}. {chapter_titles[c]}", placeholder=ui.T("all"))
statuses = status_col.multiselect(ui.T("filter_status"), list(STATUSES), key="task_statuses",
                                  format_func=ui.status_text, placeholder=ui.T("all"))
tasks = ui.memo(views.tasks, ui.unit_filter(), query, tuple(chapters), tuple(statuses))

st.caption(ui.T("rows_shown", n=len(tasks)))
if tasks.empty:
    st.info(ui.T("no_match"))
    st.stop()

ledger = pd.DataFrame({
    ui.T("task_id"): tasks["task_id"],
    ui.T("title"): tasks["title"],
    ui.T("status"): ui.status_cells(tasks["status"], tasks["late"]),
    ui.T("lead_units"): tasks["lead_units"],
    ui.T("reported_on"): tasks["reported_on"].map(ui.day),
    ui.T("targets_n"): tasks["targets"],
    ui.T("participating_units"): tasks["participating_units"],
    ui.T("chapter"): tasks["chapter"],
})
if tasks["change_note"].astype(bool).any():  # approved extensions
    ledger[ui.T("task_change")] = tasks["change_note"].to_numpy()
ui.status_table(ledger, ui.T("status"),
                column_config={ui.T("title"): st.column_config.TextColumn(width="medium"),
                               ui.T("lead_units"): st.column_config.TextColumn(width="large"),
                               ui.T("participating_units"): st.column_config.TextColumn(width="medium")})

st.subheader(ui.T("choose_task"))
titles = dict(zip(tasks["task_id"], tasks["title"]))
choice = st.selectbox(ui.T("title"), list(titles), placeholder=ui.T("choose"), key="task_choice", format_func=lambda i: f"{i}. {titles[i]}")
task = tasks.set_index("task_id").loc[choice]
st.markdown(f"### {choice}. {ui.plain(task['title'])}  ·  {ui.status_text(task['status'])}")
st.text(task["text"])  # notice text shown as text, never interpreted as Markdown
lead = task["lead_units"] or ui.T("none")
part = task["participating_units"] or ui.T("none")
st.markdown(ui.T("labelled", label=ui.T("lead_units"), value=ui.plain(lead)))
st.markdown(ui.T("labelled", label=ui.T("participating_units"), value=ui.plain(part))
            + (f" {ui.T('open_list')}" if is_open_list(task["participating_units"]) else ""))
deadline = ui.day(task["deadline"])
st.markdown(ui.T("labelled", label=ui.T("deadline"), value=ui.T("with_aside", text=deadline, aside=ui.plain(
    task["change_note"])) if task["change_note"] else deadline))
if task["state"]:
    st.markdown(ui.T("labelled", label=ui.T("task_state"), value=ui.T(
        "with_aside", text=label(TASK_STATE_LABELS, task["state"], ui.lang()), aside=task["reported_on"])))
if task["progress_text"]:
    st.markdown(ui.T("labelled", label=ui.T("progress_text"), value=""))
    st.text(ui.visible(task["progress_text"]))

problems = ui.memo(views.problems, None, int(choice))
if not problems.empty:
    st.markdown(f"#### {ui.T('problems_page')}")
    ui.problem_table(problems, ("id", "text", "raised_on", "state", "overdue"))

targets = snap.targets[snap.targets["task_id"] == choice]
st.markdown(f"#### {ui.T('task_targets')}")
if targets.empty:
    st.write(ui.T("no_targets"))
else:
    table = ui.target_table(targets, **{ui.T("deadline"): targets["deadline"].astype(str),
                                        ui.T("source_text"): targets["source_text"]})
    ui.status_table(table, ui.T("status"))

st.markdown(f"#### {ui.T('history')}")
history, task_history = ui.memo(views.task_history, choice)
if history.empty and task_history.empty:
    st.write(ui.T("no_history"))
for target in targets.itertuples(index=False):
    rows = history[history["target_id"] == target.target_id]
    if rows.empty:
        continue
    st.markdown(f"**{ui.plain(target.target_id)} {ui.plain(target.indicator)}**")
    ui.chart(ui.memo(views.history_figure, target.target_id, ui.lang()), key=f"history_{target.target_id}")
    st.dataframe(pd.DataFrame({
        ui.T("reported_on"): rows["as_of"].astype(str), ui.T("actual"): rows["actual"].map(ui.number),
        ui.T("note"): rows["note"].map(ui.visible), ui.T("batch"): rows["batch_id"],
        ui.T("reverted"): rows["reverted"].map(lambda r: "✓" if r else ""),
    }), hide_index=True, width="stretch")
if not task_history.empty:
    st.dataframe(pd.DataFrame({
        ui.T("reported_on"): task_history["as_of"].astype(str),
        ui.T("task_state"): task_history["state"].map(lambda s: label(TASK_STATE_LABELS, s, ui.lang())),
        ui.T("progress_text"): task_history["progress"].map(ui.visible), ui.T("reverted"): task_history["reverted"].map(
            lambda r: "✓" if r else ""),
    }), hide_index=True, width="stretch")

st.markdown(f"#### {ui.T('evidence')}")
ui.evidence_files(evidence.backing(ui.store(), plan.id, targets["target_id"].tolist(), [int(choice)]), "task_evidence")
