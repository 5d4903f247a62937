"""审核: the rows waiting for review, oldest first, grouped by unit, a few units a page; approve or return a row, a
selection or a unit's rows."""

import pandas as pd
import streamlit as st

import ui
from tracker import changes, evidence, review
from tracker.i18n import TASK_STATE_LABELS, label
from tracker.periods import after_board
from tracker.status import STATUSES

snap = ui.page_header(ui.T("review_page"), "review")
plan, store = snap.plan, ui.store()
ui.flash(done="review_done", error="review_error")
if not review.active(store, snap.settings):
    st.info(ui.T("review_off"))

queue = ui.review_queue(snap.as_of)
left, right = st.columns(2)
left.metric(ui.T("review_waiting"), len(queue))
right.metric(ui.T("review_overdue"), int(queue["overdue"].sum()))
if queue.empty:
    st.info(ui.T("review_none"))
elif (late := after_board(queue["as_of"], snap.as_of)).any():
    st.info(ui.T("review_after_board", n=int(late.sum()), board=snap.as_of), icon=":material/event_upcoming:")

UNITS_PER_PAGE = 5
names = dict(zip(plan.targets["target_id"], plan.targets["indicator"]))
titles = {str(t): title for t, title in zip(plan.tasks["task_id"], plan.tasks["title"])}


def _decide(refs: dict[str, tuple[str, int]], unit: str, action: str) -> None:
    # Read the selection and the reason as they are at the click, not as they were when the button was drawn.
    rows = list(refs.values()) if action == "all" else [refs[r] for r in st.session_state[f"review_pick_{unit}"]]
    try:
        if action == "return":
            n = review.send_back(store, rows, st.session_state[f"review_reason_{unit}"], ui.user().name)
            st.session_state["review_done"] = ui.T("review_returned_done", n=n)
        else:
            st.session_state["review_done"] = ui.T("review_done", n=review.approve(plan, store, rows, ui.user().name))
    except ValueError as exc:  # said beside the unit's buttons, where the reviewer is looking
        st.session_state[f"review_error_{unit}"] = str(exc)
        return
    st.session_state.pop(f"review_pick_{unit}", None)
    st.session_state.pop(f"review_reason_{unit}", None)
    ui.after_write()


# Units in the order their oldest waiting row arrived, so that the longest wait is seen first; a page shows a few of
# them in full (each unit's table and buttons are what a rerun spends its time on), a table sums up all.
units = queue.groupby(queue["unit"].fillna(""), sort=False)
if units.ngroups > UNITS_PER_PAGE:
    st.dataframe(pd.DataFrame({
        ui.T("unit"): [ui.visible(u or ui.T("office_all")) for u in units.groups],
        ui.T("review_waiting"): units.size().to_numpy(),
        ui.T("review_waiting_days"): units["waiting_days"].max().to_numpy(),
        ui.T("review_overdue"): units["overdue"].sum().to_numpy(),
        ui.T("evidence_missing"): units["lacks_evidence"].sum().to_numpy(),
    }), hide_index=True, width="stretch")
pages = -(-units.ngroups // UNITS_PER_PAGE)
first = UNITS_PER_PAGE * (st.selectbox(ui.T("review_units_page", n=UNITS_PER_PAGE), range(pages),
                                       key="review_units_page",
                                       format_func=lambda n: ui.T("page_n_of", n=n + 1, of=pages))
                          if pages > 1 else 0)
shown_units = list(units.groups)[first:first + UNITS_PER_PAGE]
page = queue[queue["unit"].fillna("").isin(shown_units)]
# the page's rows written out once, column by column, then cut by unit; what decides an approval (the status it
# leads to, the evidence) comes before what explains it, so that a projector's width shows it
statuses = {s: ui.status_text(s) for s in STATUSES}
states = {s: label(TASK_STATE_LABELS, s, ui.lang()) for s in TASK_STATE_LABELS}
missing = ui.T("evidence_missing")
table = pd.DataFrame({
    ui.T("review_row"): page["row"],
    ui.T("review_item"): [f"{i} {names.get(i) or titles.get(i, '')}" for i in page["item"]],
    ui.T("new_on"): page["as_of"].astype(str),
    ui.T("previous"): page["previous"].map(ui.number),
    ui.T("new_value"): [states.get(s, "") if k == "task" else ui.number(a)
                        for k, s, a in zip(page["kind"], page["state"], page["actual"])],
    ui.T("review_status_now"): page["status_now"].map(statuses).fillna(""),
    ui.T("review_status_after"): page["status_after"].map(statuses).fillna(""),
    ui.T("evidence_n"): [f"{n} {missing}" if lack else f"{n}"
                         for n, lack in zip(page["evidence"], page["lacks_evidence"])],
    ui.T("note"): page["note"].map(ui.visible),
    ui.T("user"): page["user"].fillna(""),
    ui.T("created_at"): page["created_at"].str.replace("T", " "),
    ui.T("review_waiting_days"): page["waiting_days"],
    ui.T("review_overdue"): page["overdue"].map({True: "⚠", False: ""}),
})
for unit in shown_units:
    rows = page[page["unit"].fillna("") == unit]
    st.subheader(ui.T("review_unit", unit=ui.plain(unit or ui.T("office_all")), n=len(rows)))
    shown = table.loc[rows.index]
    st.dataframe(shown, hide_index=True, width="stretch")
    refs = dict(zip(rows["row"], zip(rows["kind"], rows["report_id"].astype(int))))
    # each row named by what it reports, its 行号 kept for the command line
    readable = dict(zip(rows["row"], [ui.T("with_aside", text=f"{i} · {d} · {v}", aside=r) for i, d, v, r in zip(
        rows["item"], shown[ui.T("new_on")], shown[ui.T("new_value")], rows["row"])]))
    picked = st.multiselect(ui.T("review_pick"), list(refs), key=f"review_pick_{unit}", placeholder=ui.T("choose"),
                            format_func=readable.get)
    st.text_input(ui.T("review_reason"), key=f"review_reason_{unit}")
    a, b, c = st.columns(3)
    a.button(ui.T("review_approve_picked"), key=f"review_approve_{unit}", disabled=not picked,
             on_click=_decide, args=(refs, unit, "approve"))
    b.button(ui.T("review_return_picked"), key=f"review_return_{unit}", disabled=not picked,
             on_click=_decide, args=(refs, unit, "return"))
    c.button(ui.T("review_approve_unit"), key=f"review_all_{unit}", type="primary",
             on_click=_decide, args=(refs, unit, "all"))
    ui.flash(error=f"review_error_{unit}")

backed = queue[queue["evidence"] > 0]
if len(backed):
    st.subheader(ui.T("evidence"))
    shown = {r: ui.T("evidence_row_n", row=r, item=f"{i} {names.get(i) or titles.get(i, '')}", n=n)
             for r, i, n in zip(backed["row"], backed["item"], backed["evidence"])}
    row = backed.set_index("row").loc[st.selectbox(ui.T("evidence_of_row"), list(shown), key="review_evidence",
                                                   format_func=shown.get)]
    # names only, the row's own and its batch's; a file's content is read for a download clicked
    ui.evidence_files(pd.concat([evidence.listing(store, plan.id, row["kind"], row["item"]),
                                 evidence.listing(store, plan.id, "batch", str(row["batch_id"]))], ignore_index=True),
                      "review_evidence")

requests = changes.pending_requests(store, plan.id, ui.lang())
if len(requests):
    st.subheader(ui.T("change_requests_n", n=len(requests)))
    st.dataframe(pd.DataFrame({
        "#": requests["id"], ui.T("review_item"): requests["what"],
        ui.T("change_field"): requests["field"].map(lambda f: ui.T(f"change_{f}")),
        ui.T("previous"): requests["old_value"], ui.T("new_value"): requests["new_value"],
        ui.T("change_reason"): requests["reason"], ui.T("unit"): requests["unit"].fillna(""),
        ui.T("change_requested_at"): requests["requested_at"].str.replace("T", " "),
    }), hide_index=True, width="stretch")
    st.selectbox(ui.T("change_pick"), requests["id"].tolist(), key="change_pick")
    left, right = st.columns([3, 1])
    left.text_input(ui.T("change_note"), key="change_note")
    right.date_input(ui.T("change_effective"), value=changes.default_effective(plan), key="change_effective",
                     format="YYYY-MM-DD",
                     help=ui.T("change_effective_help"))

    def _change(approve: bool) -> None:
        try:
            changes.decide(store, st.session_state["change_pick"], approve, ui.user().name,
                           st.session_state.get("change_note", ""), st.session_state.get("change_effective"))
            st.session_state["review_done"] = ui.T("change_approved" if approve else "change_refused",
                                                   n=st.session_state["change_pick"])
        except ValueError as exc:
            st.session_state["change_error"] = str(exc)
            return
        st.session_state.pop("change_note", None)
        ui.after_write()

    a, b = st.columns(2)
    a.button(ui.T("change_approve"), key="change_approve", on_click=_change, args=(True,))
    b.button(ui.T("change_refuse"), key="change_refuse", on_click=_change, args=(False,))
    ui.flash(error="change_error")
