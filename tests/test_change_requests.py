"""Extensions and target changes (延期/调整申请): requested with a reason, approved or refused, counting from the
approval date on and not before; the CLI's change request|approve|refuse|list."""
import json
from datetime import date

import pandas as pd
import pytest
from conftest import as_user

from tracker import changes
from tracker.cli import main
from tracker.plan import load_plan
from tracker.snapshot import take
from tracker.store import Store


def report(plan, store, target_id, day, value):
    store.add_batch(plan.id, f"{target_id}{day}.csv", f"{target_id}{day}",
                    pd.DataFrame([{"target_id": target_id, "as_of": day, "actual": value, "note": ""}]))


def status(plan, store, target_id, day):
    return take(plan, store, day).targets.set_index("target_id").loc[target_id]


@pytest.mark.parametrize("day, expected", [
    (date(2023, 8, 14), "severe"),    # the day before approval: judged against 90家
    (date(2023, 8, 15), "on_track"),  # from the approval date on: against 40家
    (date(2023, 9, 30), "on_track"),
])
def test_an_approved_target_change_counts_from_its_approval_date_on_and_not_before(plan, store, day, expected):
    report(plan, store, "T15-2", date(2023, 6, 30), 30)
    number = changes.request(store, plan, "T15-2", "target_value", "40", "上级调整了任务", "zhang", "区科技局")
    changes.decide(store, number, True, "office", effective=date(2023, 8, 15))
    row = status(plan, store, "T15-2", day)
    assert row["status"] == expected
    assert bool(row.get("change_note")) is (day >= date(2023, 8, 15))


def test_the_change_is_shown_in_words_and_the_plan_as_written_keeps_the_old_value(plan, store):
    number = changes.request(store, plan, "T15-2", "target_value", "40", "上级调整了任务", "zhang")
    changes.decide(store, number, True, "office", effective=date(2023, 8, 15))
    row = status(plan, store, "T15-2", date(2023, 9, 30))
    assert row["target_value"] == 40 and row["change_note"] == "原目标 90 → 调整后 40，2023-08-15 批准"
    assert plan.targets.set_index("target_id").loc["T15-2", "target_value"] == 90


def test_an_extension_moves_the_deadline_so_a_late_target_is_no_longer_past_it(plan, store):
    report(plan, store, "T15-2", date(2023, 12, 31), 60)
    assert status(plan, store, "T15-2", date(2023, 12, 31))["status"] == "severe"
    number = changes.request(store, plan, "T15-2", "deadline", "2024-06-30", "项目审批延后", "zhang")
    changes.decide(store, number, True, "office", effective=date(2023, 12, 1))
    row = status(plan, store, "T15-2", date(2023, 12, 31))
    assert row["deadline"] == date(2024, 6, 30) and row["status"] != "severe"


def test_a_refused_or_pending_request_changes_nothing_and_everything_is_audited(plan, store):
    first = changes.request(store, plan, "T15-2", "target_value", "40", "理由", "zhang")
    second = changes.request(store, plan, "T15-2", "target_value", "50", "理由", "zhang")
    with pytest.raises(ValueError, match="不同意须写明理由"):
        changes.decide(store, first, False, "office")
    changes.decide(store, first, False, "office", "依据不足")
    with pytest.raises(ValueError, match="没有编号为 .* 的待审批申请"):
        changes.decide(store, first, True, "office")
    assert status(plan, store, "T15-2", date(2023, 9, 30))["target_value"] == 90
    assert changes.listing(store, plan.id)[["id", "state"]].values.tolist() == [[first, "refused"],
                                                                               [second, "pending"]]
    log = store.audit_log()["action"].tolist()
    assert log.count("change_request") == 2 and log.count("change_refuse") == 1


@pytest.mark.parametrize("target, field, value, reason, message", [
    ("T99-9", "target_value", "40", "r", "不是本计划的指标编号"),
    ("T15-2", "target_value", "四十", "r", "应为数字"),
    ("T15-2", "target_value", "90", "r", "与现在的相同"),
    ("T15-2", "deadline", "2022-01-01", "r", "以后的日期"),
    ("T15-2", "deadline", "明年", "r", "以后的日期"),
    ("T15-2", "target_value", "40", " ", "须写明理由"),
])
def test_a_request_that_makes_no_sense_is_refused(plan, store, target, field, value, reason, message):
    with pytest.raises(ValueError, match=message):
        changes.request(store, plan, target, field, value, reason, "zhang")
    assert changes.listing(store, plan.id).empty


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_change_request_approve_refuse_list(capsys, tmp_path):
    db = tmp_path / "progress.db"
    code, out, err = run(capsys, "change", "request", "T15-2", "--value", "40", "--reason", "上级调整", "--db", db,
                         "--unit", "区科技局")
    assert code == 0 and "已登记申请 1" in out, out + err
    run(capsys, "change", "request", "T15-2", "--deadline", "2024-06-30", "--reason", "延后", "--db", db)
    code, out, err = run(capsys, "change", "approve", "1", "--from", "2023-08-15", "--db", db)
    assert code == 0 and "自 2023-08-15 起计" in out, out + err
    code, out, err = run(capsys, "change", "refuse", "2", "--reason", "依据不足", "--db", db)
    assert code == 0, out + err
    listed = json.loads(run(capsys, "change", "list", "--db", db, "--json")[1])
    assert [(r["field"], r["old_value"], r["new_value"], r["state"]) for r in listed] == [
        ("target_value", "90", "40", "approved"), ("deadline", "2023-12-31", "2024-06-30", "refused")]
    statuses = json.loads(run(capsys, "status", "--db", db, "--as-of", "2023-09-30", "--json")[1])
    assert next(r for r in statuses if r["target_id"] == "T15-2")["target_value"] == 40
    code, out, err = run(capsys, "change", "approve", "2", "--db", db)
    assert code == 1 and "没有编号为 2 的待审批申请" in err


@pytest.mark.parametrize("today, expected", [
    (date(2023, 8, 1), date(2023, 8, 1)),      # within the plan year: today
    (date(2026, 12, 1), date(2023, 12, 31)),   # after it: the plan's last day, so that the approval still counts
    (date(2022, 11, 30), date(2023, 1, 1)),    # before it (next year's plan approved early): its first day
])
def test_an_approval_counts_from_today_within_the_plan_year(plan, today, expected):
    assert changes.default_effective(plan, today) == expected


def test_the_cli_approves_from_a_day_of_the_plan_year_unless_told(capsys, tmp_path):
    db = tmp_path / "progress.db"
    run(capsys, "change", "request", "T15-2", "--value", "40", "--reason", "上级调整", "--db", db)
    code, out, err = run(capsys, "change", "approve", "1", "--db", db)
    expected = changes.default_effective(load_plan())
    assert code == 0 and f"自 {expected} 起计" in out, out + err
    assert changes.listing(Store(str(db)), "hedong-2023")["effective"].tolist() == [expected.isoformat()]


def test_an_approval_changes_the_store_version_that_the_pages_cache_by(plan, store):
    number = changes.request(store, plan, "T15-2", "target_value", "40", "理由", "zhang")
    before = store.version(plan.id)
    changes.decide(store, number, True, "office")
    assert store.version(plan.id) != before


def test_the_office_decides_requests_on_the_review_page(plan, page_store):


    from tracker.accounts import Accounts
    store = page_store
    Accounts(store).add("office", "admin", "admin-pass-1")
    first = changes.request(store, plan, "T15-2", "target_value", "40", "上级调整", "zhang", "区科技局")
    second = changes.request(store, plan, "T15-1", "deadline", "2024-06-30", "延后", "zhang")
    app = as_user("office", "admin", page="review")
    assert "待审批的延期/调整申请 2 项" in [s.value for s in app.subheader]
    app.button(key="change_approve").click().run()
    assert app.success[0].value == f"已批准申请 {first}。"
    app.button(key="change_refuse").click().run()
    assert "不同意须写明理由" in app.error[0].value
    app.text_input(key="change_note").input("依据不足").run()
    app.button(key="change_refuse").click().run()
    assert app.success[0].value == f"已不同意申请 {second}。"
    assert changes.listing(store, plan.id)["state"].tolist() == ["approved", "refused"]


def test_pending_requests_show_on_warnings_and_an_approved_change_in_the_target_view_and_ledger(
        plan, page_store):
    import datetime

    from streamlit.testing.v1 import AppTest

    from tracker.exports import ledger_frames
    store = page_store
    asked = changes.request(store, plan, "T15-1", "target_value", "80", "统计口径调整", "office")
    changes.request(store, plan, "T68-1", "deadline", "2024-03-31", "施工季节受限", "office")
    changes.decide(store, asked, True, "office", effective=datetime.date(2023, 8, 15))
    app = AppTest.from_file("../dashboard.py", default_timeout=60).run()
    app.switch_page("pages/warnings.py").run()
    assert not app.exception, [e.value for e in app.exception]
    waiting = next(d.value for d in app.dataframe if "申请内容" in d.value.columns)
    assert waiting[["指标/任务", "申请内容"]].values.tolist() == [["T68-1", "期限 2023-12-31 → 2024-03-31"]]
    app.switch_page("pages/targets.py").run()
    shown = app.dataframe[0].value.set_index("指标编号")
    assert "调整后 80" in shown.at["T15-1", "目标调整"] and shown.at["T68-1", "目标调整"] == ""
    assert shown.columns.get_loc("目标调整") < shown.columns.get_loc("牵头单位"), "in view, before the long column"
    ledger = ledger_frames(take(plan, store, datetime.date(2023, 9, 30)), store.batches(plan.id))
    sheet = next(f for f in ledger.values() if "目标调整" in f.columns)
    assert "调整后 80" in sheet.set_index("指标编号").at["T15-1", "目标调整"]


# --- extensions of tasks (延期申请) -----------------------------------------------------------------------------------

def report_task(plan, store, task_id, day, state):
    store.add_batch(plan.id, f"{task_id}{day}.csv", f"task{task_id}{day}{state}", pd.DataFrame(columns=["target_id"]),
                    pd.DataFrame([{"task_id": task_id, "as_of": day, "state": state, "progress": "", "problems": "",
                                   "next_steps": ""}]))


def task_status(plan, store, task_id, day):
    return take(plan, store, day).tasks.set_index("task_id").loc[task_id]


@pytest.mark.parametrize("deadline, day, expected", [
    # not started: lagging once a quarter of the time allowed has passed (not_started_grace)
    ("2024-06-30", date(2023, 4, 9), "lagging"),    # the day before approval: 99 of the plan's 365 days
    ("2024-06-30", date(2023, 4, 10), "on_track"),  # from the approval date on: 100 of the task's 547 days
    ("2024-06-30", date(2023, 4, 15), "on_track"),
    ("2023-03-31", date(2023, 4, 9), "lagging"),
    ("2023-03-31", date(2023, 4, 10), "severe"),    # a deadline brought forward and passed
])
def test_a_task_extension_counts_from_its_approval_date_on_and_not_before(plan, store, deadline, day, expected):
    report_task(plan, store, 2, date(2023, 1, 5), "not_started")
    number = changes.request(store, plan, 2, "deadline", deadline, "项目审批延后", "li", "区工业和信息化局", kind="task")
    changes.decide(store, number, True, "office", effective=date(2023, 4, 10))
    row = task_status(plan, store, 2, day)
    assert row["status"] == expected
    assert row["deadline"] == (date.fromisoformat(deadline) if day >= date(2023, 4, 10) else plan.end)
    assert (row["change_note"] == f"原截止日期 2023-12-31 → 调整后 {deadline}，2023-04-10 批准") is (day >= date(2023, 4, 10))
    assert "deadline" not in plan.tasks  # the plan as written keeps the plan's end


@pytest.mark.parametrize("task, field, value, message", [
    (99, "deadline", "2024-03-31", "99 不是本计划的任务序号"),
    ("二", "deadline", "2024-03-31", "不是本计划的任务序号"),
    (2, "target_value", "40", "任务 2 只能申请延期"),
    (2, "deadline", "2023-12-31", "与现在的相同"),
    (2, "deadline", "下个月", "以后的日期"),
])
def test_a_task_request_that_makes_no_sense_is_refused(plan, store, task, field, value, message):
    with pytest.raises(ValueError, match=message):
        changes.request(store, plan, task, field, value, "理由", "li", kind="task")
    assert changes.listing(store, plan.id).empty


def test_a_pending_task_extension_is_listed_with_what_it_asks_and_its_decision_audited(plan, store):
    number = changes.request(store, plan, 2, "deadline", "2024-03-31", "施工季节受限", "li", kind="task")
    assert changes.pending_requests(store, plan.id)[["kind", "item", "what", "asked"]].values.tolist() == [
        ["task", "2", "任务 2", "期限 2023-12-31 → 2024-03-31"]]
    changes.decide(store, number, False, "office", "理由不充分")
    log = store.audit_log()
    assert log[log["action"].str.startswith("change")]["detail"].tolist() == [
        f"#{number} 任务 2", f"#{number} 任务 2 deadline: 2023-12-31 → 2024-03-31"]


def test_cli_change_request_for_a_task(capsys, tmp_path):
    db = tmp_path / "progress.db"
    code, out, err = run(capsys, "change", "request", "--task", 2, "--deadline", "2024-03-31", "--reason", "施工季节受限",
                         "--db", db, "--unit", "区工业和信息化局")
    assert code == 0 and "已登记申请 1" in out, out + err
    listed = json.loads(run(capsys, "change", "list", "--db", db, "--json")[1])
    assert [(r["kind"], r["item"], r["field"], r["old_value"], r["new_value"], r["unit"]) for r in listed] == [
        ("task", "2", "deadline", "2023-12-31", "2024-03-31", "区工业和信息化局")]
    code, out, err = run(capsys, "change", "list", "--db", db)
    assert out.startswith("1\t任务 2\tdeadline\t2023-12-31 → 2024-03-31\tpending"), out + err
    code, out, err = run(capsys, "change", "request", "--task", 2, "--value", "40", "--reason", "r", "--db", db)
    assert code == 1 and "任务 2 只能申请延期" in err
    for both in (["T15-1", "--task", "2"], []):
        code, out, err = run(capsys, "change", "request", *both, "--deadline", "2024-03-31", "--reason", "r", "--db", db)
        assert code == 1 and "二者选一" in err, out + err
    code, out, err = run(capsys, "change", "approve", "1", "--from", "2023-08-15", "--db", db)
    assert code == 0, out + err
    tasks = json.loads(run(capsys, "status", "--tasks", "--db", db, "--as-of", "2023-09-30", "--json")[1])
    assert next(t for t in tasks if t["task_id"] == 2)["status"] == "not_reported"


def test_a_clerk_follows_the_units_requests_and_reads_why_one_was_refused(plan, page_store):
    changes.request(page_store, plan, "T68-1", "deadline", "2024-03-31", "政策待定", "zhang", "区民政局")
    changes.request(page_store, plan, "66", "deadline", "2024-06-30", "低保扩围", "zhang", "区民政局", "task")
    changes.request(page_store, plan, "T15-2", "target_value", "40", "上级调整", "li", "区科学技术局")
    changes.decide(page_store, 1, False, "office", "依据不足，请附市级文件")

    def requests_table(app):
        return next(d.value for d in app.dataframe if "审批意见" in d.value.columns)

    clerk = as_user("zhang", "reporter", "区民政局", "report")
    mine = requests_table(clerk)
    assert mine[["#", "指标/任务", "申请内容", "审批", "审批意见"]].values.tolist() == [
        [2, "任务 66", "期限 2023-12-31 → 2024-06-30", "待审批", ""],            # newest first
        [1, "T68-1", "期限 2023-12-31 → 2024-03-31", "不同意", "依据不足，请附市级文件"]]
    other = as_user("li", "reporter", "区科学技术局", "report")
    assert requests_table(other)["指标/任务"].tolist() == ["T15-2"]   # a unit sees its own requests only
    office = as_user("office", "admin", page="report")                 # reporting for all units
    assert "各单位的申请" in [c.value for c in office.caption]
    assert requests_table(office)[["单位", "指标/任务"]].values.tolist() == [
        ["区科学技术局", "T15-2"], ["区民政局", "任务 66"], ["区民政局", "T68-1"]]


def test_a_clerk_asks_for_a_task_extension_the_office_approves_it_and_the_pages_and_ledger_show_it(
        plan, page_store):


    from tracker.accounts import Accounts
    from tracker.exports import ledger_frames
    store = page_store
    Accounts(store).add("office", "admin", "admin-pass-1")
    Accounts(store).add("zhang", "reporter", "correct-horse", unit="区民政局")

    clerk = as_user("zhang", "reporter", "区民政局", "report")
    clerk.selectbox(key="change_for").set_value(("task", "66")).run()
    assert clerk.radio(key="change_field_task").options == ["延期（截止日期）"]
    clerk.text_input(key="change_value").input("2024-03-31").run()
    clerk.button(key="change_submit").click().run()
    assert clerk.error[0].value == "申请须写明理由"
    form = next(e for e in clerk.expander if e.label == "申请延期或调整目标")
    assert form.proto.expanded and form.error[0].value == "申请须写明理由"  # said in the form, which stays open
    clerk.text_area(key="change_reason").input("低保扩围需待市级政策出台").run()
    clerk.button(key="change_submit").click().run()
    assert clerk.success[0].value == "已提交申请 1，待督办室审批。"
    assert changes.listing(store, plan.id)[["kind", "item", "unit", "requested_by"]].values.tolist() == [
        ["task", "66", "区民政局", "zhang"]]

    office = as_user("office", "admin", page="warnings")
    waiting = next(d.value for d in office.dataframe if "申请内容" in d.value.columns)
    assert waiting[["指标/任务", "申请内容"]].values.tolist() == [["任务 66", "期限 2023-12-31 → 2024-03-31"]]
    office.switch_page("pages/review.py").run()
    asked = next(d.value for d in office.dataframe if "申请理由" in d.value.columns)
    assert asked["指标/任务"].tolist() == ["任务 66"]
    assert office.date_input(key="change_effective").value == changes.default_effective(plan)  # within the year
    office.date_input(key="change_effective").set_value(date(2023, 8, 15)).run()
    office.button(key="change_approve").click().run()
    assert office.success[0].value == "已批准申请 1。"
    office.switch_page("pages/tasks.py").run()
    shown = office.dataframe[0].value.set_index("序号")["期限调整"]
    assert shown[66] == "原截止日期 2023-12-31 → 调整后 2024-03-31，2023-08-15 批准" and shown[67] == ""
    office.selectbox(key="task_choice").set_value(66).run()
    assert "**截止日期**：2024-03-31（原截止日期 2023-12-31 → 调整后 2024-03-31，2023-08-15 批准）" in [
        m.value.replace("\\", "") for m in office.markdown]  # shown as plain text: Markdown escapes taken off
    sheet = ledger_frames(take(plan, store), store.batches(plan.id))["任务台账"].set_index("序号")
    assert sheet.at[66, "截止日期"] == date(2024, 3, 31) and "调整后 2024-03-31" in sheet.at[66, "期限调整"]
    assert sheet.at[67, "截止日期"] == date(2023, 12, 31) and sheet.at[67, "期限调整"] == ""


# --- the change notes on the slides -----------------------------------------------------------------------------------

def test_an_approved_change_is_said_on_the_slides_where_its_target_or_task_appears_and_in_the_notes(plan, store):
    import io

    from pptx import Presentation

    from tracker import deck
    from tracker.pptx import to_pptx
    report(plan, store, "T15-2", date(2023, 9, 30), 20)
    number = changes.request(store, plan, "T15-2", "target_value", "40", "上级调整了任务", "zhang")
    changes.decide(store, number, True, "office", effective=date(2023, 8, 15))
    number = changes.request(store, plan, 27, "deadline", "2024-03-31", "施工季节受限", "li", kind="task")
    changes.decide(store, number, True, "office", effective=date(2023, 8, 15))
    now = take(plan, store, date(2023, 9, 30))
    slides = deck.build(now)
    said = "原目标 90 → 调整后 40，2023-08-15 批准"
    with_bar = [s for s in slides if s.bars is not None and "T15-2 科技型中小企业" in set(s.bars["label"])]
    assert {s.key for s in with_bar} == {"chapter-2", "unit-区科学技术局"}
    for slide in with_bar:
        assert f"目标调整：T15-2 {said}" in slide.aside and f"T15-2 科技型中小企业：50%（严重滞后）；{said}" in slide.notes
    warning = next(s for s in slides if s.key.startswith("warnings-") and "T15-2" in set(s.table["编号"]))
    assert warning.table.set_index("编号").at["T15-2", "目标调整"] == said and said in warning.notes
    assert not any("目标调整：T15-1" in s.aside for s in slides)  # unchanged targets say nothing
    task_slide = next(s for s in slides if s.table is not None and "期限调整" in s.table
                      and "27" in set(s.table["序号"]))
    assert task_slide.key == "chapter-5"
    assert task_slide.table.set_index("序号").at["27", "期限调整"] == "原截止日期 2023-12-31 → 调整后 2024-03-31，2023-08-15 批准"
    assert "调整后 2024-03-31" in task_slide.notes
    shown = Presentation(io.BytesIO(to_pptx(plan, slides, now.as_of)))
    texts = ["\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)
             for slide in shown.slides]
    assert sum(f"目标调整：T15-2 {said}" in text for text in texts) == 2
    assert sum(said in slide.notes_slide.notes_text_frame.text for slide in shown.slides) >= 3
    cells = [cell.text for slide in shown.slides for shape in slide.shapes if shape.has_table
             for row in shape.table.rows for cell in row.cells]
    assert said in cells and "原截止日期 2023-12-31 → 调整后 2024-03-31，2023-08-15 批准" in cells


def test_before_its_approval_date_a_change_is_said_on_no_slide(plan, store):
    from tracker import deck
    number = changes.request(store, plan, "T15-2", "target_value", "40", "上级调整了任务", "zhang")
    changes.decide(store, number, True, "office", effective=date(2023, 10, 15))
    slides = deck.build(take(plan, store, date(2023, 9, 30)))
    assert not any("调整后" in s.aside + s.notes for s in slides)


def test_the_change_is_said_under_the_bars_on_the_projector_too(plan, page_store):
    from streamlit.testing.v1 import AppTest

    from tracker import deck
    store = page_store
    number = changes.request(store, plan, "T15-2", "target_value", "40", "上级调整了任务", "zhang")
    changes.decide(store, number, True, "office", effective=date(2023, 8, 15))
    keys = [s.key for s in deck.build(take(plan, store))]
    app = AppTest.from_file("../dashboard.py", default_timeout=60).run()
    app.session_state["slide"] = keys.index("unit-区科学技术局")
    app.switch_page("pages/present.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("目标调整：T15-2 原目标 90 → 调整后 40，2023-08-15 批准" in c.value.replace("\\", "")
               for c in app.caption)


def test_requests_made_before_task_extensions_existed_are_kept_as_target_requests(plan, db_url):
    from sqlalchemy import text

    from tracker import db, migrations
    engine = db.engine_for(db.database_url(db_url))
    with db.writing(engine) as conn:
        migrations.upgrade(conn, "0007")
        conn.execute(text("INSERT INTO change_requests (plan_id, target_id, field, old_value, new_value, reason,"
                          " requested_at, state, effective) VALUES (:plan, 'T15-2', 'target_value', '90', '40', '上级调整',"
                          " '2023-08-01T09:00:00', 'approved', '2023-08-15')"), {"plan": plan.id})
    engine.dispose()
    store = Store(db_url)
    try:
        assert changes.listing(store, plan.id)[["kind", "item", "new_value"]].values.tolist() == [
            ["target", "T15-2", "40"]]
        assert status(plan, store, "T15-2", date(2023, 9, 30))["target_value"] == 40
    finally:
        store.close()


@pytest.mark.parametrize("lang, task, target", [
    ("zh", ("任务 21", "期限 2023-12-31 → 2024-03-31"), ("T15-1", "目标 85 → 80")),
    ("en", ("Task 21", "Deadline 2023-12-31 → 2024-03-31"), ("T15-1", "Target 85 → 80")),
])
def test_a_request_is_described_in_the_language_of_the_page(plan, store, lang, task, target):
    changes.request(store, plan, "T15-1", "target_value", "80", "统计口径调整", "office")
    changes.request(store, plan, 21, "deadline", "2024-03-31", "用地未批", "office", kind="task")
    waiting = changes.pending_requests(store, plan.id, lang)
    assert waiting[["what", "asked"]].values.tolist() == [list(target), list(task)]
    assert changes.unit_requests(store, plan.id, None, lang)[["what", "asked"]].values.tolist() == [
        list(task), list(target)]
