"""进度上报: download the unit's template, upload it or edit in the app, preview every change, confirm."""
import pandas as pd
import streamlit as st

import ui
from tracker import changes, evidence, review
from tracker.i18n import CHANGE_STATE_LABELS, TASK_STATE_LABELS, label
from tracker.import_preview import preview
from tracker.ingest import ingest, ingest_frame
from tracker.periods import after_board
from tracker.template import (
    STATE_CHOICES,
    default_report_date,
    template_csv,
    template_frame,
    template_title,
    template_xlsx,
)

snap = ui.page_header(ui.T("report"), "report")
plan, store = snap.plan, ui.store()
ui.flash(done="report_done", error="report_error")

if ui.user().role == "reporter":  # a unit's clerk reports for that unit and no other
    unit = ui.user().unit
    st.markdown(ui.T("labelled", label=ui.T("report_as"), value=ui.plain(unit)))
else:
    units = [None, *plan.units]
    unit = st.selectbox(ui.T("report_as"), units, key="report_unit", index=units.index(ui.unit_filter()),
                        format_func=lambda u: ui.T("office_all") if u is None else u)


# a returned row is no one's previous value: the clerk is correcting it (ui.latest caches by store version)
latest = ui.latest(review.WITH_UNREVIEWED)


reviewing = review.active(store, snap.settings)
back = ui.returned(unit)
if len(back):
    st.warning(ui.T("returned_rows", n=len(back)))
    st.dataframe(pd.DataFrame({
        ui.T("id"): back["item"], ui.T("new_on"): back["as_of"].astype(str),
        ui.T("new_value"): [label(TASK_STATE_LABELS, s, ui.lang()) if k == "task" else ui.number(a)
                            for k, s, a in zip(back["kind"], back["state"], back["actual"])],
        ui.T("returned_reason"): back["reason"], ui.T("returned_by"): back["decided_by"],
        ui.T("returned_at"): back["decided_at"].str.replace("T", " "),
    }), hide_index=True, width="stretch")
if reviewing and ui.user().role == "admin":
    st.checkbox(ui.T("review_approve_on_import"), key="approve_on_import")


def _store(ingested, source: str) -> None:
    state = review.arrival(reviewing, ui.user().role, st.session_state.get("approve_on_import", False))
    if state == review.APPROVED:
        try:
            review.check_approval_on_import(plan, store, ingested.targets, ingested.tasks,
                                            ui.T("review_approve_on_import"))
        except ValueError as exc:
            st.session_state["report_error"] = str(exc)
            return
    batch = store.add_batch(plan.id, ingested.file_name, ingested.sha256, ingested.targets, ingested.tasks,
                            unit=unit, by=ui.user().name, source=source, review=state)
    rows = len(ingested.targets) + len(ingested.tasks)
    st.session_state["report_done"] = (ui.T("duplicate", batch=batch.batch_id) if batch.duplicate else
                                       ui.T("imported", batch=batch.batch_id, rows=rows,
                                            name=ui.plain(ingested.file_name))
                                       + (ui.T("review_imported_pending") if state == "pending" else ""))
    st.session_state["upload_round"] = st.session_state.get("upload_round", 0) + 1
    st.session_state.pop("pending_edit", None)
    st.session_state["evidence_for"] = ("batch", str(batch.batch_id))  # ready for a table covering the whole upload
    st.session_state["evidence_open"] = True  # and open from now on: a changed choice must not fold it away
    ui.after_write()


def show(ingested, source: str, key: str) -> None:
    """Every problem of a rejected file, or the preview of an accepted one with its confirmation."""
    earlier = store.find_batch(plan.id, ingested.sha256)
    if earlier is not None:
        st.info(ui.T("duplicate", batch=earlier))
        return
    if ingested.errors:
        st.error(ui.T("problems_found", name=ui.plain(ingested.file_name), n=len(ingested.errors)))
        st.dataframe(pd.DataFrame({
            ui.T("row"): [p.row or "" for p in ingested.errors],
            ui.T("column"): [p.column or "" for p in ingested.errors],
            ui.T("value"): [p.value or "" for p in ingested.errors],
            ui.T("expected"): [p.expected for p in ingested.errors],
        }), hide_index=True, width="stretch")
        return
    changes = preview(plan, ingested, *latest, snap.settings)
    st.subheader(ui.T("preview", n=len(changes)))
    shown = lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)  # noqa: E731
    ui.status_table(pd.DataFrame({
        ui.T("row"): changes["row"],
        ui.T("id"): changes["id"],
        ui.T("indicator"): changes["name"],
        ui.T("previous"): [label(TASK_STATE_LABELS, v, ui.lang()) if k == "task" else ui.number(v)
                           for k, v in zip(changes["kind"], changes["previous"])],
        ui.T("previous_on"): changes["previous_on"].map(shown),
        ui.T("new_value"): [label(TASK_STATE_LABELS, v, ui.lang()) if k == "task" else v
                            for k, v in zip(changes["kind"], changes["new"])],
        ui.T("new_on"): changes["new_on"].map(shown),
        ui.T("completion"): changes["completion"].map(ui.pct),
        ui.T("status"): ui.status_cells(changes["status"]),
    }), ui.T("status"))
    late = changes[after_board(changes["new_on"], snap.as_of)]
    if len(late):
        st.info(ui.T("after_board", n=len(late), board=snap.as_of, items=ui.plain("、".join(late["id"]))),
                icon=":material/event_upcoming:")
    confirmed = True
    if ingested.warnings:
        st.warning(ui.T("warnings_found", n=len(ingested.warnings)))
        for problem in ingested.warnings:
            st.text(problem.message())  # file content shown as text, never as Markdown
        confirmed = st.checkbox(ui.T("confirm_warnings"), key=f"confirm_{key}")
    st.button(ui.T("confirm_import"), type="primary", disabled=not confirmed, key=f"import_{key}",
              on_click=_store, args=(ingested, source))


upload_tab, edit_tab, template_tab = st.tabs([ui.T("tab_upload"), ui.T("tab_edit"), ui.T("tab_template")])

with template_tab:
    st.write(ui.T("template_help"))
    as_of = st.date_input(ui.T("template_date"), value=default_report_date(plan), min_value=plan.start,
                          max_value=plan.end, key="template_date", format="YYYY-MM-DD")
    name = f"进度填报模板_{unit or '全部单位'}_{as_of:%Y%m%d}"
    frame = template_frame(plan, *latest, unit, as_of)
    left, right = st.columns(2)
    left.download_button(ui.T("download_xlsx"), lambda: template_xlsx(frame, template_title(plan, unit)),
                         file_name=f"{name}.xlsx", type="primary", on_click="ignore",
                         mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    right.download_button(ui.T("download_csv"), lambda: template_csv(frame), file_name=f"{name}.csv", mime="text/csv",
                          on_click="ignore")

with upload_tab:
    uploaded = st.file_uploader(ui.T("upload_label"), type=["csv", "txt", "xlsx", "xls", "ods", "et"],
                                key=f"upload_{st.session_state.get('upload_round', 0)}")
    if uploaded is not None:
        show(ingest(plan, uploaded.getvalue(), uploaded.name, unit=unit, previous=latest[0]), "upload", "upload")

with edit_tab:
    st.write(ui.T("edit_help"))
    fill = ("完成值", "任务状态", "进展情况", "存在问题", "下步计划")
    rows = frame.assign(截至日期=default_report_date(plan)).astype({c: "string" for c in fill})
    rows["截至日期"] = pd.to_datetime(rows["截至日期"])
    # empty cells shown empty, not "None" (the reference columns are put back before checking, and an empty text
    # to fill is a blank cell as an empty cell is; a choice column shows an empty string as missing, hence the
    # placeholder); on a phone the id, the name and the target come first, then what there is to fill, then the rest
    reference = rows[[c for c in rows.columns if c not in ("截至日期", *fill)]]
    shown = rows.assign(**{c: reference[c].astype("string").fillna("") for c in reference},
                        **{c: rows[c].fillna("") for c in fill})
    first = ["指标编号", "任务编号", "任务/指标", "目标值", "计量单位", *fill[:3], "截至日期", *fill[3:]]
    edited = st.data_editor(
        shown, hide_index=True, width="stretch", placeholder="",
        key=f"editor_{unit}_{st.session_state.get('upload_round', 0)}",
        disabled=[c for c in rows.columns if c not in ("截至日期", *fill)],
        column_order=first + [c for c in rows.columns if c not in first],
        column_config={
            "指标编号": st.column_config.TextColumn(pinned=True), "任务编号": st.column_config.Column(pinned=True),
            "任务/指标": st.column_config.TextColumn(pinned=True, width="medium"),
            "截至日期": st.column_config.DateColumn(min_value=plan.start, max_value=plan.end, format="YYYY-MM-DD"),
            "完成值": st.column_config.TextColumn(),
            "任务状态": st.column_config.SelectboxColumn(options=list(STATE_CHOICES)),
            "进展情况": st.column_config.TextColumn(width="medium"),
            "存在问题": st.column_config.TextColumn(width="medium"),
            "下步计划": st.column_config.TextColumn(width="medium"),
        })

    def _check() -> None:
        stamp = pd.Timestamp.now().strftime("%Y-%m-%d %H:%M")
        # the reference columns cannot be edited: check the rows with them as they were
        st.session_state["pending_edit"] = ingest_frame(plan, edited.assign(**reference),
                                                        f"{ui.T('edit_name')} {stamp}", unit=unit,
                                                        previous=ui.latest()[0])

    st.button(ui.T("check_edit"), on_click=_check)
    if "pending_edit" in st.session_state:
        show(st.session_state["pending_edit"], "edit", "edit")

# the unit's targets and tasks (all of them for the office), as evidence and requests name them
choices = [("target", t) for t in frame.loc[frame["指标编号"].notna(), "指标编号"]] + [
    ("task", str(int(t))) for t in frame.loc[frame["指标编号"].isna(), "任务编号"]]
names = dict(zip(frame["指标编号"].fillna(frame["任务编号"].astype(str)), frame["任务/指标"]))


def _choice(c: tuple[str, str]) -> str:
    return c[1] if c[0] == "target" else f"{ui.T('task_id')} {c[1]}"


with st.expander(ui.T("evidence_attach"), expanded=st.session_state.get("evidence_open", False)):
    recent, _ = ui.batches(unit, limit=20)  # the unit's newest uploads, for files that back a whole batch
    recent = recent[recent["reverted_at"].isna()].head(10)
    uploads = dict(zip(recent["id"].astype(str), recent["file_name"]))
    evidence_choices = choices + [("batch", b) for b in uploads]
    if st.session_state.get("evidence_for") not in evidence_choices:
        st.session_state.pop("evidence_for", None)

    def _label(choice: tuple[str, str]) -> str:
        kind, item = choice
        return ui.T("evidence_whole_batch", batch=item, name=uploads[item]) if kind == "batch" else _choice(choice)

    kind, item = st.selectbox(ui.T("evidence_for"), evidence_choices, key="evidence_for", format_func=_label)
    chosen = st.file_uploader(ui.T("evidence_attach"), accept_multiple_files=True,
                              key=f"evidence_files_{st.session_state.get('evidence_round', 0)}")
    if chosen:  # what the server holds, so that nobody saves before the upload has arrived
        st.caption(ui.T("evidence_ready", n=len(chosen), names=ui.plain("、".join(f.name for f in chosen))))

    def _attach() -> None:
        # the message above moves the panel down a place, which Streamlit draws as a new, folded one: keep it open
        st.session_state["evidence_open"] = True
        kind, item = st.session_state["evidence_for"]
        round_ = st.session_state.get("evidence_round", 0)
        files = [(f.name, f.getvalue()) for f in st.session_state.get(f"evidence_files_{round_}") or []]
        if not files:
            st.session_state["evidence_error"] = ui.T("evidence_no_file")
            return
        try:
            n = len(evidence.add(store, plan.id, kind, item, files, ui.user().name))
        except ValueError as exc:
            st.session_state["evidence_error"] = str(exc)
            return
        st.session_state["report_done"] = ui.T("evidence_saved", n=n)
        st.session_state["evidence_round"] = round_ + 1  # an empty uploader for the next files
        ui.after_write()

    st.button(ui.T("evidence_save"), key="evidence_save", on_click=_attach)
    if "evidence_error" in st.session_state:
        st.error(st.session_state.pop("evidence_error"))
    ui.evidence_files(evidence.listing(store, plan.id, kind, item), "report_evidence")

with st.expander(ui.T("change_request"), expanded=st.session_state.get("change_open", False)):
    st.caption(ui.T("change_request_help"))
    if not choices:
        st.stop()
    kind, item = st.selectbox(ui.T("change_for"), choices, key="change_for",
                              format_func=lambda c: f"{_choice(c)} {names.get(c[1], '')}")
    # a task is extended only; its targets' values are changed each on its own
    field = st.radio(ui.T("change_field"), ["deadline"] if kind == "task" else ["deadline", "target_value"],
                     key=f"change_field_{kind}", format_func=lambda f: ui.T(f"change_{f}"), horizontal=True)
    st.text_input(ui.T("change_new_value"), key="change_value", placeholder="2024-03-31" if field == "deadline"
                  else "")
    st.text_area(ui.T("change_reason"), key="change_reason")

    def _ask() -> None:
        st.session_state["change_open"] = True  # as the evidence panel: open after a request, right or wrong
        try:
            number = changes.request(store, plan, item, field, st.session_state.get("change_value", ""),
                                     st.session_state.get("change_reason", ""), ui.user().name, unit, kind)
        except ValueError as exc:  # said under the form, where the clerk is looking
            st.session_state["change_error"] = str(exc)
            return
        st.session_state["report_done"] = ui.T("change_requested", n=number)
        for key in ("change_value", "change_reason"):
            st.session_state.pop(key, None)
        ui.after_write()

    st.button(ui.T("change_submit"), key="change_submit", on_click=_ask)
    ui.flash(error="change_error")
    mine = changes.unit_requests(store, plan.id, unit, ui.lang())
    if len(mine):  # followed here until the office decides, with its reasons for a refusal
        st.caption(ui.T("unit_requests" if unit else "all_requests"))
        st.dataframe(pd.DataFrame({
            "#": mine["id"], **({} if unit else {ui.T("unit"): mine["unit"].fillna("")}),
            ui.T("review_item"): mine["what"], ui.T("change_asked"): mine["asked"],
            ui.T("change_state"): mine["state"].map(lambda s: label(CHANGE_STATE_LABELS, s, ui.lang())),
            ui.T("change_decision_note"): mine["decision_note"].map(ui.visible),
            ui.T("change_effective_from"): mine["effective"].fillna(""),
            ui.T("change_asked_on"): mine["requested_at"].str[:10],
        }), hide_index=True, width="stretch")
