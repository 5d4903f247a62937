"""上报记录: every upload and in-app edit as a batch, its rows, and reverting a batch (nothing is deleted)."""
import pandas as pd
import streamlit as st

import ui
from tracker import evidence
from tracker.i18n import TASK_STATE_LABELS, label

snap = ui.page_header(ui.T("batches"), "batches")
plan, store = snap.plan, ui.store()
ui.flash(done="revert_done")

unit = ui.user().unit if ui.user().role == "reporter" else None  # a clerk sees its own unit's batches only
batches, total = ui.batches(unit, limit=ui.cache.BATCHES_SHOWN)
search = ""
if total > ui.cache.BATCHES_SHOWN:  # the newest only, and the others found by name or number
    search = st.text_input(ui.T("batch_search"), key="batch_search").strip()
    if search:
        batches, _ = ui.batches(unit, search, ui.cache.BATCHES_SHOWN)
    st.caption(ui.T("batches_found", shown=len(batches), limit=ui.cache.BATCHES_SHOWN) if search else
               ui.T("batches_newest", shown=len(batches), total=total))
if batches.empty:
    st.info(ui.T("no_batches") if not total else ui.T("no_batch_found"))
    st.stop()

st.dataframe(pd.DataFrame({
    ui.T("batch"): batches["id"],
    ui.T("created_at"): batches["created_at"].str.replace("T", " "),
    ui.T("file_name"): batches["file_name"],
    ui.T("unit"): batches["unit"].fillna(""),
    ui.T("user"): batches["user"].fillna(""),
    ui.T("rows_n"): batches["row_count"],
    ui.T("source"): batches["source"].map(lambda s: ui.i18n.label(ui.i18n.SOURCE_LABELS, s, ui.lang()) or s),
    ui.T("sample_flag"): batches["is_sample"].map(lambda s: "✓" if s else ""),
    ui.T("reverted"): batches["reverted_at"].fillna("").str.replace("T", " "),
}), hide_index=True, width="stretch")

file_names = dict(zip(batches["id"], batches["file_name"]))
choice = st.selectbox(ui.T("choose_batch"), list(batches["id"]), key="batch_choice",
                      format_func=lambda b: f"{b} · {file_names[b]}")
batch = batches.set_index("id").loc[choice]
st.subheader(ui.T("batch_rows", batch=choice))
targets, tasks = store.batch_rows(int(choice))
indicators = dict(zip(plan.targets["target_id"], plan.targets["indicator"]))
titles = dict(zip(plan.tasks["task_id"], plan.tasks["title"]))
if not targets.empty:
    st.dataframe(pd.DataFrame({
        ui.T("target_id"): targets["target_id"], ui.T("indicator"): targets["target_id"].map(indicators),
        ui.T("reported_on"): targets["as_of"], ui.T("actual"): targets["actual"].map(ui.number),
        ui.T("note"): targets["note"].map(ui.visible),
    }), hide_index=True, width="stretch")
if not tasks.empty:
    st.dataframe(pd.DataFrame({
        ui.T("task_id"): tasks["task_id"], ui.T("title"): tasks["task_id"].map(titles),
        ui.T("reported_on"): tasks["as_of"],
        ui.T("task_state"): tasks["state"].map(lambda s: label(TASK_STATE_LABELS, s, ui.lang())),
        ui.T("progress_text"): tasks["progress"].map(ui.visible), ui.T("problem"): tasks["problems"].map(ui.visible),
        ui.T("next_steps"): tasks["next_steps"].map(ui.visible),
    }), hide_index=True, width="stretch")

st.markdown(f"#### {ui.T('evidence')}")  # the batch's own files, and its rows' files sent with it
ui.evidence_files(evidence.listing(store, plan.id, batch_id=int(choice)), "batch_evidence")


def _revert() -> None:
    if store.revert_batch(int(choice), ui.user().name):
        st.session_state["revert_done"] = ui.T("reverted_ok", batch=choice)
    ui.after_write()


reverted = batch["reverted_at"] is not None and not pd.isna(batch["reverted_at"])
if reverted:
    st.info(f"{ui.T('reverted')}：{batch['reverted_at'].replace('T', ' ')}")
elif ui.allowed("revert"):
    sure = st.checkbox(ui.T("revert_confirm"), key=f"revert_sure_{choice}")
    st.button(ui.T("revert"), disabled=not sure, on_click=_revert, key="revert_button")
