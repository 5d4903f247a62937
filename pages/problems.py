"""问题清单: problems found in reports or raised here, each moved through 发现 → 协调中 → 已解决 → 已反馈/销号."""
import pandas as pd
import streamlit as st

import ui
from tracker import views
from tracker.i18n import PROBLEM_STATE_LABELS, label
from tracker.problem_list import PROBLEM_FLOW, PROBLEM_STATES

snap = ui.page_header(ui.T("problems_page"), "problems")
plan, store = snap.plan, ui.store()
ui.flash(done="problem_done")
state_name = lambda s: label(PROBLEM_STATE_LABELS, s, ui.lang())  # noqa: E731

problems = ui.memo(views.problems, ui.unit_filter())
left, right = st.columns([3, 1])
states = left.multiselect(ui.T("filter_state"), list(PROBLEM_STATES), key="problem_states",
                          default=["found", "coordinating"], format_func=state_name, placeholder=ui.T("all"))
only_overdue = right.toggle(ui.T("only_overdue"), key="problem_overdue")
shown = problems[problems["state"].isin(states)] if states else problems
if only_overdue:
    shown = shown[shown["overdue"]]
st.caption(ui.T("rows_shown", n=len(shown)))
if shown.empty:
    st.write(ui.T("no_problems"))
else:
    ui.problem_table(shown, ("id", "text", "state", "overdue", "age", "raised_on", "task_id", "title", "owner",
                             "lead_units"))

titles = dict(zip(plan.tasks["task_id"], plan.tasks["title"]))


def _add() -> None:
    state = st.session_state
    if not state["new_text"].strip():
        return
    new = store.add_problem(plan.id, state["new_task"], state["new_text"], state["new_raised"],
                            unit=ui.unit_filter(), owner=state["new_owner"] or None,
                            by=ui.user().name, shown_as=state["new_by"])
    state["problem_done"] = ui.T("problem_saved", id=new) if new else ui.T("problem_exists")
    ui.after_write()


def _change(problem_id: int, key: str) -> None:
    state = st.session_state
    try:
        store.change_problem(problem_id, state[f"{key}_state"], by=ui.user().name,
                             shown_as=state[f"{key}_by"], note=state[f"{key}_note"])
    except ValueError as exc:  # e.g. a colleague moved it meanwhile, or a kept state without a note
        state["problem_error"] = str(exc)
        return
    state["problem_done"] = ui.T("problem_changed", id=problem_id, state=state_name(state[f"{key}_state"]))
    ui.after_write()


if not ui.allowed("problems"):
    st.stop()
add, change = st.columns(2)
with add.form("add_problem", clear_on_submit=True):
    st.markdown(f"#### {ui.T('add_problem')}")
    st.selectbox(ui.T("title"), list(titles), format_func=lambda k: f"{k}. {titles[k]}", placeholder=ui.T("choose"), key="new_task")
    st.text_area(ui.T("problem_text"), key="new_text", max_chars=500)
    st.text_input(ui.T("owner"), key="new_owner", max_chars=50)
    st.date_input(ui.T("raised_on"), value=snap.as_of, min_value=plan.start, key="new_raised",
                           format="YYYY-MM-DD")
    st.text_input(ui.T("by_whom"), key="new_by", max_chars=50)
    st.form_submit_button(ui.T("save"), type="primary", on_click=_add)

if not problems.empty:
    with change.container(border=True):  # the same frame as the form beside it
        st.markdown(f"#### {ui.T('change_problem')}")
        texts = dict(zip(problems["id"], problems["text"]))
        current = dict(zip(problems["id"], problems["state"]))
        chosen = st.selectbox(ui.T("problem"), list(texts), placeholder=ui.T("choose"), key="change_id",
                              format_func=lambda i: ui.T("with_aside", text=f"#{i} {texts[i][:30]}",
                                                         aside=state_name(current[i])))
        ui.flash(error="problem_error")
        moves = PROBLEM_FLOW[current[chosen]]
        if not moves:
            st.info(ui.T("problem_is_closed"))
        else:
            key = f"change_{chosen}_{current[chosen]}"  # new widgets once the state moves: they open on it
            with st.form(key, clear_on_submit=True, border=False):
                st.selectbox(ui.T("state"), moves, format_func=state_name, placeholder=ui.T("choose"), key=f"{key}_state",
                             help=ui.T("problem_flow_help"))
                st.text_input(ui.T("state_note"), key=f"{key}_note", max_chars=300)
                st.text_input(ui.T("by_whom"), key=f"{key}_by", max_chars=50)
                st.form_submit_button(ui.T("save"), type="primary", on_click=_change, args=(int(chosen), key))
    st.markdown(f"#### {ui.T('problem_history')} #{chosen}")
    history = store.problem_history(int(chosen))
    st.dataframe(pd.DataFrame({
        ui.T("changed_at"): history["at"].str.replace("T", " "), ui.T("state"): history["state"].map(state_name),
        ui.T("by_whom"): history["by"].fillna(""), ui.T("state_note"): history["note"].map(ui.visible),
    }), hide_index=True, width="stretch")
