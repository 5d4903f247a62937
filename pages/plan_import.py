"""导入计划: a new notice turned into tasks, targets and units, checked and corrected by a person, saved as a plan."""
import html
import re
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

import ui
from tracker.extract import Extracted, extract, write
from tracker.i18n import DEPARTMENT_FIELD_LABELS, DIRECTION_LABELS, KIND_LABELS, PLAN_FIELD_LABELS, label
from tracker.plan import DATA_DIR, load_plan, plans_dir
from tracker.plan_import import save_plan
from tracker.validation import ProblemsError

ui.page_header(ui.T("plan_import"), "plan_import")
st.write(ui.T("import_help"))
ui.flash(done="plan_import_done")

uploaded = st.file_uploader(ui.T("notice_file"), type=["txt", "html", "htm", "docx", "doc", "pdf"],
                            key="notice_upload")
if uploaded is None:
    st.stop()


@st.cache_data(show_spinner=False, max_entries=8)
def _extract(data: bytes, name: str) -> Extracted:
    known = pd.read_csv(DATA_DIR / "departments.csv", dtype=str, keep_default_na=False)
    return extract(data, name, known)


try:
    result = _extract(uploaded.getvalue(), uploaded.name)
except (ValueError, KeyError) as exc:
    st.error(f"{uploaded.name}：无法读取（{exc}）")
    st.stop()

st.subheader(ui.T("extracted", tasks=len(result.tasks), targets=len(result.targets), units=len(result.departments)))
if result.warnings:
    with st.expander(ui.T("to_check", n=len(result.warnings)), expanded=True):
        for warning in result.warnings:
            st.text(warning)  # text from the uploaded notice: shown as text, never as Markdown or HTML

def _heading(field: str) -> str:
    return label(PLAN_FIELD_LABELS, field, ui.lang()) or field


def _headings(frame, **special) -> dict:
    """Column settings for an editor of a plan file: each column under its name in the chosen language."""
    return {field: special.get(field, _heading(field)) for field in frame.columns}


left, right = st.columns(2)
with left:
    st.markdown(f"#### {ui.T('source_with_targets')}")
    phrases = sorted(set(result.targets["source_text"]), key=len, reverse=True)
    marked = html.escape("\n".join(result.tasks["text"]))
    for phrase in phrases:  # every character of the notice is escaped before the marks are added
        marked = marked.replace(html.escape(phrase), f"<mark>{html.escape(phrase)}</mark>")
    st.markdown(f"<div style='height:640px;overflow:auto;white-space:pre-wrap;font-size:1rem'>{marked}</div>",
                unsafe_allow_html=True)
with right:
    st.markdown(f"#### {ui.T('tasks')}")
    tasks = st.data_editor(result.tasks, key="edit_tasks", hide_index=True, height=640, num_rows="dynamic",
                           column_config=_headings(result.tasks, text=st.column_config.TextColumn(
                               _heading("text"), width="large")))

st.markdown(f"#### {ui.T('targets')}")
targets = st.data_editor(result.targets, key="edit_targets", hide_index=True, num_rows="dynamic",
                         column_config=_headings(
                             result.targets,
                             direction=st.column_config.SelectboxColumn(
                                 _heading("direction"), options=list(DIRECTION_LABELS),
                                 format_func=lambda code: label(DIRECTION_LABELS, code, ui.lang())),
                             kind=st.column_config.SelectboxColumn(
                                 _heading("kind"), options=list(KIND_LABELS),
                                 format_func=lambda code: label(KIND_LABELS, code, ui.lang())),
                             uncertain=st.column_config.TextColumn(_heading("uncertain"), help=ui.T("uncertain_help"))))
st.markdown(f"#### {ui.T('departments')}")
departments = st.data_editor(result.departments, key="edit_departments", hide_index=True, num_rows="dynamic",
                             column_config=_headings(result.departments, **{
                                 field: label(DEPARTMENT_FIELD_LABELS, field, ui.lang())
                                 for field in DEPARTMENT_FIELD_LABELS}))

year = result.meta["start"].year
suggested = re.sub(r"[^a-z0-9-]+", "-", Path(uploaded.name).stem.lower()).strip("-") or f"plan-{year}"
plan_id = st.text_input(ui.T("plan_id"), value=suggested if suggested[:1].isalpha() else f"plan-{suggested}",
                        key="new_plan_id", max_chars=40)


def _save() -> None:
    target = plans_dir() / plan_id
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", plan_id):
        st.session_state["plan_import_error"] = [ui.T("bad_plan_id")]
        return
    if target.exists() or plan_id in ui.plans():
        st.session_state["plan_import_error"] = [ui.T("plan_exists", id=plan_id)]
        return
    corrected = Extracted(tasks, targets, departments, result.meta, result.warnings)
    with tempfile.TemporaryDirectory() as tmp:
        write(corrected, tmp, plan_id)
        try:
            load_plan(tmp)
        except ProblemsError as exc:
            st.session_state["plan_import_error"] = [p.message() for p in exc.problems]
            return
    save_plan(corrected, target, plan_id, ui.store(), by=ui.user().name, source=uploaded.name)
    st.session_state["plan_import_done"] = ui.T("plan_saved", id=plan_id)
    st.session_state.pop("plan_import_error", None)


st.button(ui.T("save_plan"), type="primary", on_click=_save, key="save_plan")
if st.session_state.get("plan_import_error"):
    st.error(ui.T("plan_invalid"))
    for message in st.session_state["plan_import_error"]:
        st.text(message)
