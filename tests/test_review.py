"""Review (审核): a reporter's rows count only once approved; returned rows go back with their reason; review off,
or the local-administrator mode, counts every row on arrival."""
import json
from datetime import date

import pandas as pd
import pytest
from conftest import as_user

from tracker import evidence, review
from tracker.accounts import Accounts
from tracker.cli import main
from tracker.plan import load_plan
from tracker.snapshot import take
from tracker.store import Store

AS_OF = date(2023, 9, 30)


def rows(*items):
    return pd.DataFrame([{"target_id": t, "as_of": day, "actual": v, "note": ""} for t, day, v in items])


def task_rows(*items):
    return pd.DataFrame([{"task_id": t, "as_of": day, "state": s, "progress": "", "problems": "", "next_steps": ""}
                         for t, day, s in items])


@pytest.fixture
def reviewed(store):
    """A store with accounts: review is on by default."""
    Accounts(store).add("office", "admin", "admin-pass-1")
    Accounts(store).add("check", "reviewer", "review-pass-1")
    return store


def upload(plan, store, sha, *items, tasks=(), role="reporter", approve=False):
    state = review.arrival(review.active(store), role, approve)
    return store.add_batch(plan.id, f"{sha}.csv", sha, rows(*items), task_rows(*tasks) if tasks else None,
                           unit="区民政局", by="zhang", review=state).batch_id


def actual(plan, store, target_id, **options):
    frame = take(plan, store, AS_OF, **options).targets.set_index("target_id")
    value = frame.loc[target_id, "actual"]
    return None if pd.isna(value) else value


def test_a_reporters_rows_wait_and_count_only_once_approved(plan, reviewed):
    batch = upload(plan, reviewed, "a", ("T15-1", AS_OF, 60), ("T68-1", AS_OF, 150), tasks=[(1, AS_OF, "done")])
    snapshot = take(plan, reviewed, AS_OF)
    assert snapshot.pending == 3 and not snapshot.unreviewed
    assert actual(plan, reviewed, "T15-1") is None
    assert snapshot.tasks.set_index("task_id").loc[1, "state"] is None
    assert snapshot.history.empty and snapshot.task_history.empty  # projection and punctuality see nothing yet
    assert review.approve(plan, reviewed, review.batch_rows(reviewed, plan.id, batch), "check") == 3
    snapshot = take(plan, reviewed, AS_OF)
    assert snapshot.pending == 0 and actual(plan, reviewed, "T15-1") == 60
    assert snapshot.tasks.set_index("task_id").loc[1, "state"] == "done"


def test_including_unreviewed_counts_waiting_rows_and_says_so(plan, reviewed):
    upload(plan, reviewed, "a", ("T15-1", AS_OF, 60))
    snapshot = take(plan, reviewed, AS_OF, include_unreviewed=True)
    assert snapshot.unreviewed and snapshot.pending == 1
    assert snapshot.targets.set_index("target_id").loc["T15-1", "actual"] == 60


def test_a_returned_row_never_counts_keeps_its_reason_and_is_cleared_by_a_correction(plan, reviewed):
    batch = upload(plan, reviewed, "a", ("T15-1", AS_OF, 600), ("T68-1", AS_OF, 150))
    wrong, right = review.batch_rows(reviewed, plan.id, batch)
    assert review.send_back(reviewed, [wrong], " 多写了一个0 ", "check") == 1
    assert review.approve(plan, reviewed, [right], "check") == 1
    assert actual(plan, reviewed, "T15-1") is None and actual(plan, reviewed, "T68-1") == 150
    assert actual(plan, reviewed, "T15-1", include_unreviewed=True) is None  # returned never counts
    back = review.returned(reviewed, plan.id, "区民政局")
    assert back[["item", "actual", "reason", "decided_by"]].values.tolist() == [["T15-1", 600, "多写了一个0", "check"]]
    upload(plan, reviewed, "b", ("T15-1", AS_OF, 60))
    assert review.returned(reviewed, plan.id, "区民政局").empty
    assert actual(plan, reviewed, "T15-1") is None
    review.approve(plan, reviewed, review.batch_rows(reviewed, plan.id, 2), "check")
    assert actual(plan, reviewed, "T15-1") == 60


def test_returning_needs_a_reason_and_changes_nothing_without_one(plan, reviewed):
    batch = upload(plan, reviewed, "a", ("T15-1", AS_OF, 60))
    with pytest.raises(ValueError, match="退回须写明理由"):
        review.send_back(reviewed, review.batch_rows(reviewed, plan.id, batch), "  ", "check")
    assert review.pending(reviewed, plan.id) == 1


def test_a_decided_row_is_not_decided_again(plan, reviewed):
    batch = upload(plan, reviewed, "a", ("T15-1", AS_OF, 60))
    row = review.batch_rows(reviewed, plan.id, batch)
    assert review.approve(plan, reviewed, row, "check") == 1
    assert review.send_back(reviewed, row, "晚了", "check") == 0
    assert actual(plan, reviewed, "T15-1") == 60


def test_decisions_are_audited_and_kept_in_the_history(plan, reviewed):
    batch = upload(plan, reviewed, "a", ("T15-1", AS_OF, 60), ("T68-1", AS_OF, 150))
    first, second = review.batch_rows(reviewed, plan.id, batch)
    review.approve(plan, reviewed, [first], "check")
    review.send_back(reviewed, [second], "无佐证", "check")
    log = reviewed.audit_log()
    assert log[log["action"].str.startswith("review")][["user", "action"]].values.tolist() == [
        ["check", "review_return"], ["check", "review_approve"]]
    with reviewed.connect() as conn:
        events = conn.exec_driver_sql("SELECT kind, report_id, decision, reason, by FROM review_events"
                                      " ORDER BY id").fetchall()
    assert [tuple(e) for e in events] == [("target", first[1], "approved", "", "check"),
                                          ("target", second[1], "returned", "无佐证", "check")]


def test_an_admins_own_import_may_be_approved_on_import_and_is_recorded_as_such(plan, reviewed):
    upload(plan, reviewed, "a", ("T15-1", AS_OF, 60), role="admin", approve=True)
    assert actual(plan, reviewed, "T15-1") == 60 and review.pending(reviewed, plan.id) == 0
    with reviewed.connect() as conn:
        assert conn.exec_driver_sql("SELECT decision, reason FROM review_events").fetchall() == [
            ("approved", "导入时批准")]
    upload(plan, reviewed, "b", ("T68-1", AS_OF, 150), role="reporter", approve=True)  # a reporter cannot
    assert review.pending(reviewed, plan.id) == 1


@pytest.mark.parametrize("accounts, setting, counts", [
    (False, 1, True),   # the local-administrator mode never reviews
    (True, 0, True),    # review switched off: today's behaviour
    (True, 1, False),   # review on
])
def test_review_off_or_without_accounts_counts_every_row_on_arrival(plan, store, accounts, setting, counts):
    if accounts:
        Accounts(store).add("office", "admin", "admin-pass-1")
    store.set_settings({**take(plan, store, AS_OF).settings, "review": setting})
    upload(plan, store, "a", ("T15-1", AS_OF, 60))
    assert actual(plan, store, "T15-1") == (60 if counts else None)
    assert take(plan, store, AS_OF).pending == (0 if counts else 1)


def test_switching_review_off_lets_waiting_rows_count(plan, reviewed):
    upload(plan, reviewed, "a", ("T15-1", AS_OF, 60))
    reviewed.set_settings({**take(plan, reviewed, AS_OF).settings, "review": 0})
    assert actual(plan, reviewed, "T15-1") == 60


def test_the_queue_shows_previous_value_change_and_what_approval_does_to_the_status(plan, reviewed):
    upload(plan, reviewed, "a", ("T15-2", AS_OF, 30), role="admin", approve=True)
    upload(plan, reviewed, "b", ("T15-2", AS_OF, 90))
    queue = review.queue(plan, reviewed, AS_OF, today=date(2030, 1, 1))
    row = queue.iloc[0]
    assert (row["row"], row["previous"], row["change"]) == (f"target:{row['report_id']}", 30, 60)
    assert (row["status_now"], row["status_after"]) == ("severe", "completed")
    assert bool(row["overdue"])
    assert not review.queue(plan, reviewed, AS_OF, today=date.today())["overdue"].iloc[0]


def test_the_queue_lists_a_batchs_rows_in_the_plans_order_not_in_text_order(plan, reviewed):
    """A plan imported from another notice may number T1-1 … T10-1: text order would put T10-1 before T2-1."""
    from dataclasses import replace
    upload(plan, reviewed, "a", ("T15-1", AS_OF, 10), ("T03-1", AS_OF, 20), ("T68-1", AS_OF, 30),
           ("T03-1", date(2023, 6, 30), 15), tasks=[(10, AS_OF, "in_progress"), (9, AS_OF, "in_progress")])
    backwards = replace(plan, targets=plan.targets.iloc[::-1].reset_index(drop=True))
    queue = review.queue(backwards, reviewed, AS_OF)
    assert list(zip(queue["item"], queue["as_of"].astype(str))) == [
        ("T68-1", "2023-09-30"), ("T15-1", "2023-09-30"), ("T03-1", "2023-06-30"), ("T03-1", "2023-09-30"),
        ("9", "2023-09-30"), ("10", "2023-09-30")]


@pytest.mark.parametrize("start, end, days", [
    (date(2023, 9, 29), date(2023, 10, 2), 1),   # Friday to Monday: one working day
    (date(2023, 9, 25), date(2023, 9, 28), 3),
    (date(2023, 9, 28), date(2023, 9, 28), 0),
])
def test_working_days_skip_weekends(start, end, days):
    assert review.working_days(start, end) == days


# --- the command line ---------------------------------------------------------------------------------------------

def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cli_db(tmp_path, capsys):
    path = tmp_path / "progress.db"
    run(capsys, "status", "--db", path, "--json")
    Accounts(Store(path)).add("office", "admin", "admin-pass-1")
    return path


def test_cli_import_waits_for_review_and_review_list_approve_return_work(capsys, tmp_path, cli_db):
    source = tmp_path / "p.csv"
    source.write_text("target_id,as_of,actual,note\nT15-1,2023-09-30,60,\nT68-1,2023-09-30,150,\n")
    code, out, err = run(capsys, "import", source, "--db", cli_db)
    assert code == 0 and "待审核" in out, out + err
    code, out, err = run(capsys, "review", "list", "--db", cli_db, "--json")
    assert code == 0, err
    waiting = json.loads(out)
    assert [(r["item"], r["actual"], r["review"]) for r in waiting] == [("T15-1", 60, "pending"),
                                                                       ("T68-1", 150, "pending")]
    code, out, err = run(capsys, "review", "return", "--db", cli_db, "--row", waiting[0]["row"], "--reason", "核对口径",
                         "--by", "check")
    assert code == 0 and "退回 1 行" in out and "尚有 1 行待审核" in out, out + err
    code, out, err = run(capsys, "review", "approve", "--db", cli_db, "--batch", waiting[0]["batch_id"])
    assert code == 0 and "审核通过 1 行" in out, out + err
    code, out, err = run(capsys, "review", "list", "--db", cli_db, "--returned", "--json")
    assert [(r["item"], r["reason"], r["decided_by"]) for r in json.loads(out)] == [("T15-1", "核对口径", "check")]
    status = {r["target_id"]: r["actual"] for r in json.loads(run(capsys, "status", "--db", cli_db, "--as-of",
                                                                   "2023-09-30", "--json")[1])}
    assert status["T15-1"] is None and status["T68-1"] == 150


@pytest.mark.parametrize("argv, message", [
    (["approve"], "--row 或 --batch"),
    (["approve", "--row", "T15-1"], "应形如 target:12"),
    (["approve", "--row", "target:999"], "没有待审核的行"),
    (["return", "--row", "target:1", "--reason", " "], "退回须写明理由"),
])
def test_cli_review_refuses_what_it_cannot_do(capsys, tmp_path, cli_db, argv, message):
    source = tmp_path / "p.csv"
    source.write_text("target_id,as_of,actual,note\nT15-1,2023-09-30,60,\n")
    run(capsys, "import", source, "--db", cli_db)
    code, out, err = run(capsys, "review", *argv, "--db", cli_db)
    assert code == 1 and message in err, out + err


def test_cli_import_approve_counts_at_once(capsys, tmp_path, cli_db):
    source = tmp_path / "p.csv"
    source.write_text("target_id,as_of,actual,note\nT15-1,2023-09-30,60,\n")
    code, out, err = run(capsys, "import", source, "--db", cli_db, "--approve")
    assert code == 0 and "导入时已审核通过" in out, out + err
    assert json.loads(run(capsys, "review", "list", "--db", cli_db, "--json")[1]) == []


# --- the pages: the whole loop --------------------------------------------------------------------------------------

@pytest.fixture
def app_db(page_store):
    store = page_store
    accounts = Accounts(store)
    accounts.add("office", "admin", "admin-pass-1")
    accounts.add("check", "reviewer", "review-pass-1")
    accounts.add("zhang", "reporter", "correct-horse", unit="区民政局")
    accounts.add("leader", "leader", "leader-pass-1")
    store.set_settings({**take(load_plan(), store, AS_OF).settings, "board_date": 20230930})
    return store


def not_reported():
    app = as_user("leader", "leader", page="overview")
    return {m.label: m.value for m in app.metric}["未上报"]


def reporter_uploads(data: bytes, name: str):
    app = as_user("zhang", "reporter", "区民政局", "report")
    app.file_uploader[0].upload(name, data, "text/csv").run()
    app.button(key="import_upload").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert "已提交审核" in app.success[0].value
    return app


def test_rows_dated_after_the_board_date_are_said_to_count_only_from_then_in_the_preview_and_on_review(app_db):
    clerk = as_user("zhang", "reporter", "区民政局", "report")
    clerk.date_input(key="as_of").set_value(date(2023, 9, 30)).run()
    clerk.file_uploader[0].upload("q4.csv", b"target_id,as_of,actual\nT67-1,2023-09-30,95\nT68-1,2023-12-31,300\n",
                                  "text/csv").run()
    [note] = [i.value.replace("\\", "") for i in clerk.info if "统计截至" in i.value]  # shown as plain text
    assert note.startswith("有 1 行的截至日期晚于统计截至 2023-09-30（T68-1）：它们在看板统计到该日期时计入，"
                           "2023-09-30 的看板上不含这些行。")
    clerk.button(key="import_upload").click().run()
    assert "已提交审核" in clerk.success[0].value

    reviewer = as_user("check", "reviewer", page="review")
    reviewer.date_input(key="as_of").set_value(date(2023, 9, 30)).run()
    assert any(i.value.startswith("有 1 行的截至日期晚于统计截至 2023-09-30：通过后") for i in reviewer.info)
    reviewer.date_input(key="as_of").set_value(date(2023, 12, 31)).run()
    assert not any("统计截至" in i.value for i in reviewer.info)


def test_the_whole_loop_reporter_reviewer_correction_and_only_then_the_overview_changes(app_db):
    before = not_reported()
    reporter_uploads(b"target_id,as_of,actual\nT68-1,2023-09-30,1500\nT67-1,2023-09-30,95\n", "p.csv")
    assert not_reported() == before
    assert any("待审核 2 条" in c.value for c in as_user("leader", "leader", page="overview").caption)

    reviewer = as_user("check", "reviewer", page="review")
    assert [s.value for s in reviewer.subheader] == ["区民政局（2 条）"]
    waiting = reviewer.dataframe[0].value
    # a batch's rows are kept by target and date
    assert waiting["新值"].tolist() == ["95", "1,500"] and waiting["通过后"].tolist() == ["正常推进", "已完成"]
    wrong = waiting["行号"].iloc[1]
    assert reviewer.multiselect(key="review_pick_区民政局").options == [
        f"T67-1 · 2023-09-30 · 95（{waiting['行号'].iloc[0]}）", f"T68-1 · 2023-09-30 · 1,500（{wrong}）"]
    reviewer.multiselect(key="review_pick_区民政局").select(wrong).run()
    reviewer.text_input(key="review_reason_区民政局").input("改造户数多写了一个0").run()
    reviewer.button(key="review_return_区民政局").click().run()
    assert reviewer.success[0].value == "已退回 1 行。"
    reviewer.button(key="review_all_区民政局").click().run()
    assert reviewer.success[0].value == "已审核通过 1 行。"
    assert reviewer.info[-1].value == "没有待审核的上报。"
    assert int(not_reported()) == int(before) - 1

    clerk = as_user("zhang", "reporter", "区民政局", "report")
    assert "有 1 条上报被退回" in clerk.warning[0].value
    assert clerk.dataframe[0].value[["编号", "退回理由", "退回人"]].values.tolist() == [
        ["T68-1", "改造户数多写了一个0", "check"]]
    reporter_uploads(b"target_id,as_of,actual\nT68-1,2023-09-30,150\n", "fixed.csv")
    assert not as_user("zhang", "reporter", "区民政局", "report").warning
    assert int(not_reported()) == int(before) - 1

    reviewer = as_user("check", "reviewer", page="review")
    reviewer.button(key="review_all_区民政局").click().run()
    assert int(not_reported()) == int(before) - 2
    audit = app_db.audit_log()
    assert audit[audit["action"].str.startswith("review")]["action"].tolist() == [
        "review_approve", "review_approve", "review_return"]


def test_an_admin_may_approve_its_own_import_on_the_report_page(app_db):
    before = not_reported()
    app = as_user("office", "admin", page="report")
    app.checkbox(key="approve_on_import").check().run()
    app.file_uploader[0].upload("own.csv", b"target_id,as_of,actual\nT68-1,2023-09-30,150\n", "text/csv").run()
    app.button(key="import_upload").click().run()
    assert "已提交审核" not in app.success[0].value
    assert int(not_reported()) == int(before) - 1


def test_a_decision_changes_the_store_version_that_the_pages_cache_by(plan, reviewed):
    batch = upload(plan, reviewed, "a", ("T15-1", AS_OF, 60))
    before = reviewed.version(plan.id)
    review.approve(plan, reviewed, review.batch_rows(reviewed, plan.id, batch), "check")
    assert reviewed.version(plan.id) != before


def test_a_leader_may_switch_on_the_unreviewed_figures_and_every_page_says_so(app_db):
    before = not_reported()
    reporter_uploads(b"target_id,as_of,actual\nT68-1,2023-09-30,150\n", "p.csv")
    leader = as_user("leader", "leader", page="overview")
    assert {m.label: m.value for m in leader.metric}["未上报"] == before          # waiting figures do not count
    leader.toggle(key="include_unreviewed").set_value(True).run()
    assert int({m.label: m.value for m in leader.metric}["未上报"]) == int(before) - 1
    assert "本页含未审核数据（待审核 1 条）" in leader.warning[0].value
    leader.switch_page("pages/ranking.py").run()
    assert any("本页含未审核数据" in w.value for w in leader.warning)
    clerk = as_user("zhang", "reporter", "区民政局", "report")
    assert not [t for t in clerk.toggle if t.key == "include_unreviewed"]   # a clerk has no such switch


# --- 完成需佐证: a completed row without evidence cannot be approved ------------------------------------------------

def evidence_required(store):
    store.set_settings({**take(load_plan(), store, AS_OF).settings, "evidence_required": 1})


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.mark.parametrize("kind, item, actual, state, held, required, lacks", [
    ("target", "T68-1", 300, None, 0, 1, True),     # at the target, no file
    ("target", "T68-1", 350, None, 0, 1, True),     # over it
    ("target", "T68-1", 299, None, 0, 1, False),    # not completed: nothing to back
    ("target", "T68-1", 300, None, 1, 1, False),    # a file is held for the target
    ("target", "T68-1", 300, None, 0, 0, False),    # the setting off
    ("target", "T66-2", 1.2, None, 0, 1, True),     # lower is better: 1.2:1 is within 1.28:1
    ("target", "T66-2", 1.3, None, 0, 1, False),
    ("task", "66", None, "done", 0, 1, True),       # a task reported 已完成
    ("task", "66", None, "in_progress", 0, 1, False),
    ("task", "66", None, "done", 2, 1, False),
])
def test_a_row_lacks_evidence_when_it_says_completed_and_nothing_backs_it(plan, kind, item, actual, state, held,
                                                                          required, lacks):
    rows = pd.DataFrame([{"kind": kind, "item": item, "actual": actual, "state": state}])
    flags = review.unbacked(plan, rows, {(kind, item): held} if held else {}, {"evidence_required": required})
    assert flags.tolist() == [lacks]


def test_approving_a_completed_row_without_evidence_is_refused_and_returning_it_still_works(plan, reviewed):
    evidence_required(reviewed)
    batch = upload(plan, reviewed, "a", ("T68-1", AS_OF, 300))
    rows = review.batch_rows(reviewed, plan.id, batch)
    with pytest.raises(ValueError, match="^T68-1 已完成但没有佐证材料，不能审核通过；请退回或待单位补充佐证$"):
        review.approve(plan, reviewed, rows, "check")
    assert review.pending(reviewed, plan.id) == 1
    assert review.send_back(reviewed, rows, "请补充佐证", "check") == 1


def test_a_units_rows_are_approved_all_or_none_and_the_message_names_every_blocking_row(plan, reviewed):
    evidence_required(reviewed)
    batch = upload(plan, reviewed, "a", ("T68-1", AS_OF, 300), ("T67-1", AS_OF, 100), ("T66-2", AS_OF, 1.5),
                   tasks=[(66, AS_OF, "done")])
    rows = review.batch_rows(reviewed, plan.id, batch)
    with pytest.raises(ValueError) as refused:
        review.approve(plan, reviewed, rows, "check")
    assert str(refused.value) == ("T67-1、T68-1、任务 66 已完成但没有佐证材料，不能审核通过；请退回或待单位补充佐证"
                                  "（本次未审核通过任何一行）")
    assert review.pending(reviewed, plan.id) == 4 and actual(plan, reviewed, "T66-2") is None
    evidence.add(reviewed, plan.id, "target", "T68-1", [("清单.pdf", PDF)], "zhang")
    evidence.add(reviewed, plan.id, "target", "T67-1", [("表.pdf", PDF)], "zhang")
    evidence.add(reviewed, plan.id, "task", "66", [("报告.pdf", PDF)], "zhang")
    assert review.approve(plan, reviewed, rows, "check") == 4


def test_the_queue_marks_the_rows_approval_would_refuse(plan, reviewed):
    evidence_required(reviewed)
    upload(plan, reviewed, "a", ("T68-1", AS_OF, 300), ("T67-1", AS_OF, 90))
    queue = review.queue(plan, reviewed, AS_OF)
    assert queue.set_index("item")["lacks_evidence"].to_dict() == {"T68-1": True, "T67-1": False}


def test_an_admins_approval_on_import_of_a_completed_row_without_evidence_is_refused(plan, reviewed):
    evidence_required(reviewed)
    targets = rows(("T68-1", AS_OF, 300), ("T67-1", AS_OF, 90))
    with pytest.raises(ValueError, match="T68-1 已完成但没有佐证材料，不能在导入时审核通过"):
        review.check_approval_on_import(plan, reviewed, targets, None, "--approve")
    review.check_approval_on_import(plan, reviewed, targets, None, "--approve", frozenset({("target", "T68-1")}))
    reviewed.set_settings({**take(plan, reviewed, AS_OF).settings, "evidence_required": 0})
    review.check_approval_on_import(plan, reviewed, targets, None, "--approve")


def test_cli_approve_is_refused_for_a_completed_row_without_evidence(capsys, tmp_path, cli_db):
    evidence_required(Store(cli_db))
    source = tmp_path / "p.csv"
    source.write_text("target_id,as_of,actual,note\nT68-1,2023-09-30,300,\nT67-1,2023-09-30,90,\n")
    run(capsys, "import", source, "--db", cli_db)
    code, out, err = run(capsys, "review", "approve", "--db", cli_db, "--batch", 1)
    assert code == 1 and "T68-1 已完成但没有佐证材料，不能审核通过" in err and "本次未审核通过任何一行" in err, out + err
    assert len(json.loads(run(capsys, "review", "list", "--db", cli_db, "--json")[1])) == 2
    waiting = json.loads(run(capsys, "review", "list", "--db", cli_db, "--json")[1])
    code, out, err = run(capsys, "review", "return", "--db", cli_db, "--row", waiting[0]["row"], "--reason", "补佐证")
    assert code == 0, out + err


def test_cli_import_approve_of_a_completed_row_needs_its_evidence_file(capsys, tmp_path, cli_db):
    evidence_required(Store(cli_db))
    source = tmp_path / "p.csv"
    source.write_text("target_id,as_of,actual,note\nT68-1,2023-09-30,300,\n")
    code, out, err = run(capsys, "import", source, "--db", cli_db, "--approve")
    assert code == 1 and "T68-1 已完成但没有佐证材料，不能在导入时审核通过" in err and "--approve" in err, out + err
    assert Store(cli_db).batches(load_plan().id).empty
    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "T68-1_清单.pdf").write_bytes(PDF)
    code, out, err = run(capsys, "import", source, "--db", cli_db, "--approve", "--evidence", folder)
    assert code == 0 and "导入时已审核通过" in out, out + err
    code, out, err = run(capsys, "import", source, "--db", cli_db)  # without --approve it waits, as ever
    assert code == 0, out + err


def test_the_review_page_refuses_to_approve_a_unit_with_a_row_lacking_evidence(app_db):
    evidence_required(app_db)
    reporter_uploads(b"target_id,as_of,actual\nT68-1,2023-09-30,300\nT67-1,2023-09-30,90\n", "p.csv")
    reviewer = as_user("check", "reviewer", page="review")
    reviewer.button(key="review_all_区民政局").click().run()
    assert reviewer.error[0].value == ("T68-1 已完成但没有佐证材料，不能审核通过；请退回或待单位补充佐证"
                                       "（本次未审核通过任何一行）")
    assert review.pending(app_db, load_plan().id) == 2
    lacking = reviewer.dataframe[0].value
    row = lacking.loc[lacking["佐证"] == "0 缺佐证", "行号"].iloc[0]
    reviewer.multiselect(key="review_pick_区民政局").select(row).run()
    reviewer.text_input(key="review_reason_区民政局").input("请补充验收清单").run()
    reviewer.button(key="review_return_区民政局").click().run()
    assert reviewer.success[0].value == "已退回 1 行。"
    reviewer.button(key="review_all_区民政局").click().run()
    assert reviewer.success[0].value == "已审核通过 1 行。"


def test_an_admins_approval_on_import_on_the_report_page_is_refused_without_evidence(app_db):
    evidence_required(app_db)
    app = as_user("office", "admin", page="report")
    app.checkbox(key="approve_on_import").check().run()
    app.file_uploader[0].upload("own.csv", b"target_id,as_of,actual\nT68-1,2023-09-30,300\n", "text/csv").run()
    app.button(key="import_upload").click().run()
    assert "T68-1 已完成但没有佐证材料，不能在导入时审核通过" in app.error[0].value
    assert app_db.batches(load_plan().id).empty


# --- the deck and the workbooks say what they count ----------------------------------------------------------------

UNREVIEWED_NOTE = "含未审核数据（待审核 1 条），仅供研判进展，不作考核依据"
WAITING_NOTE = "待审核 1 条未计入（审核通过后计入）"


def _waiting(plan, store):
    upload(plan, store, "a", ("T68-1", AS_OF, 150))
    upload(plan, store, "b", ("T15-1", AS_OF, 60), role="admin", approve=True)


@pytest.mark.parametrize("include, warning, title_metric", [
    (True, UNREVIEWED_NOTE, ("数据", UNREVIEWED_NOTE)),
    (False, "", ("审核", WAITING_NOTE)),
])
def test_every_slide_says_when_the_deck_counts_unreviewed_rows(plan, reviewed, include, warning, title_metric):
    import io

    from pptx import Presentation

    from tracker import deck
    from tracker.pptx import to_pptx
    _waiting(plan, reviewed)
    now = take(plan, reviewed, AS_OF, include_unreviewed=include)
    slides = deck.build(now, take(plan, reviewed, date(2023, 8, 31), include_unreviewed=include))
    assert {s.warning for s in slides} == {warning}
    assert title_metric in slides[0].metrics and (warning or WAITING_NOTE) in slides[0].notes
    shown = Presentation(io.BytesIO(to_pptx(plan, slides, now.as_of)))
    for slide in shown.slides:
        first = slide.shapes[0].text_frame
        if include:
            assert first.text == warning and str(first.paragraphs[0].runs[0].font.color.rgb) == "B91C1C"
        else:
            assert "未审核" not in first.text
    assert shown.core_properties.comments == warning


def test_a_deck_with_nothing_waiting_says_nothing_of_review(plan, reviewed):
    from tracker import deck
    upload(plan, reviewed, "b", ("T15-1", AS_OF, 60), role="admin", approve=True)
    slides = deck.build(take(plan, reviewed, AS_OF))
    assert {s.warning for s in slides} == {""} and "审核" not in slides[0].notes


@pytest.mark.parametrize("include, notice", [(True, UNREVIEWED_NOTE), (False, WAITING_NOTE)])
def test_every_sheet_of_the_ledger_says_what_it_counts_in_its_first_row(plan, reviewed, include, notice):
    import io

    from openpyxl import load_workbook

    from tracker.exports import ledger_xlsx
    _waiting(plan, reviewed)
    snapshot = take(plan, reviewed, AS_OF, include_unreviewed=include)
    book = load_workbook(io.BytesIO(ledger_xlsx(snapshot, reviewed.batches(plan.id), per_unit=True)))
    for sheet in book.worksheets:
        assert sheet["A1"].value == notice and sheet["A1"].font.color.rgb.endswith("B91C1C"), sheet.title
        assert sheet.freeze_panes == "A3" and sheet.print_title_rows == "$1:$2"
        assert sheet.auto_filter.ref.startswith("A2:")
    targets = book["指标台账"]
    header = [c.value for c in targets[2]]
    row = dict(zip(header, (c.value for c in targets[3 + list(plan.targets["target_id"]).index("T68-1")])))
    assert row["指标编号"] == "T68-1" and row["完成值"] == (150 if include else None)
    status = next(c for c in targets[3] if c.column == header.index("状态") + 1)
    assert status.fill.fgColor.rgb != "00000000"  # the status colours still find their column under the notice
    assert book.properties.description == notice


def test_a_ledger_with_nothing_waiting_keeps_its_header_in_the_first_row(plan, reviewed):
    import io

    from openpyxl import load_workbook

    from tracker.exports import ledger_xlsx
    upload(plan, reviewed, "b", ("T15-1", AS_OF, 60), role="admin", approve=True)
    book = load_workbook(io.BytesIO(ledger_xlsx(take(plan, reviewed, AS_OF), reviewed.batches(plan.id))))
    assert book["指标台账"]["A1"].value == "指标编号" and book["指标台账"].freeze_panes == "A2"


def test_the_warnings_and_chase_lists_carry_the_same_words(plan, reviewed):
    import io

    from openpyxl import load_workbook

    from tracker import chase, views
    from tracker.exports import chase_xlsx, warnings_xlsx
    _waiting(plan, reviewed)
    snapshot = take(plan, reviewed, AS_OF, include_unreviewed=True)
    note = review.counting_note(snapshot)
    since = chase.period_start(snapshot)
    for data in (warnings_xlsx(views.behind(snapshot, None), views.tasks_behind(snapshot, None), note),
                 chase_xlsx(chase.units(snapshot, since), chase.overdue(snapshot, since), note)):
        book = load_workbook(io.BytesIO(data))
        assert all(sheet["A1"].value == UNREVIEWED_NOTE for sheet in book.worksheets)


def test_cli_export_may_include_unreviewed_rows_and_the_files_say_so(capsys, tmp_path, cli_db):
    from openpyxl import load_workbook
    from pptx import Presentation
    source = tmp_path / "p.csv"
    source.write_text("target_id,as_of,actual,note\nT68-1,2023-09-30,150,\n")
    run(capsys, "import", source, "--db", cli_db)
    code, out, err = run(capsys, "export", "--format", "xlsx", "--db", cli_db, "--as-of", "2023-09-30",
                         "--out", tmp_path / "a.xlsx")
    assert code == 0 and WAITING_NOTE in out, out + err
    assert load_workbook(tmp_path / "a.xlsx")["指标台账"]["A1"].value == WAITING_NOTE
    code, out, err = run(capsys, "export", "--format", "xlsx", "--db", cli_db, "--as-of", "2023-09-30",
                         "--include-unreviewed", "--out", tmp_path / "b.xlsx")
    assert code == 0 and UNREVIEWED_NOTE in out, out + err
    assert load_workbook(tmp_path / "b.xlsx")["指标台账"]["A1"].value == UNREVIEWED_NOTE
    code, out, err = run(capsys, "export", "--format", "pptx", "--db", cli_db, "--as-of", "2023-09-30",
                         "--include-unreviewed", "--out", tmp_path / "c.pptx")
    assert code == 0, out + err
    assert all(s.shapes[0].text_frame.text == UNREVIEWED_NOTE for s in Presentation(tmp_path / "c.pptx").slides)


def test_the_slides_on_screen_say_they_include_unreviewed_rows(app_db):
    reporter_uploads(b"target_id,as_of,actual\nT68-1,2023-09-30,150\n", "p.csv")
    leader = as_user("leader", "leader", page="overview")
    leader.toggle(key="include_unreviewed").set_value(True).run()
    leader.switch_page("pages/present.py").run()
    assert not leader.exception, [e.value for e in leader.exception]
    line = next(c.value for c in leader.caption if "统计截至" in c.value)
    assert line.startswith(":red[**含未审核数据，仅供研判进展，不作考核依据**] · 1/")


def test_a_unit_whose_report_waits_for_review_is_neither_late_nor_chased(plan, reviewed):
    """The wait is the office's, not the unit's: a report sent in time is on time while it waits, though its figure
    does not count yet; a returned report is not (the unit has to send a corrected one)."""
    from tracker import chase
    today = date(2023, 10, 20)  # the September report was due by now
    batch = upload(plan, reviewed, "a", ("T68-1", AS_OF, 150))
    snapshot = take(plan, reviewed, AS_OF, today=today)
    target = snapshot.targets.set_index("target_id").loc["T68-1"]
    assert pd.isna(target["actual"]) and target["reported_on"] is None   # the figure waits
    assert target["submitted_on"] == AS_OF and not target["late"]
    since = chase.period_start(snapshot)
    assert "T68-1" not in chase.overdue(snapshot, since)["target_id"].tolist()
    assert "T68-1" not in chase.notice(snapshot, "区民政局", since, date(2023, 10, 25))
    review.send_back(reviewed, review.batch_rows(reviewed, plan.id, batch), "口径不符", "check")
    snapshot = take(plan, reviewed, AS_OF, today=today)
    assert snapshot.targets.set_index("target_id").loc["T68-1", "late"]
    assert "T68-1" in chase.overdue(snapshot, chase.period_start(snapshot))["target_id"].tolist()


def test_the_queue_shows_five_units_a_page_and_sums_up_every_unit_above_them(app_db):
    plan = load_plan()
    units = plan.units[:7]
    for n, unit in enumerate(units):
        app_db.add_batch(plan.id, f"{n}.csv", f"sha{n}", rows(("T15-1", AS_OF, 10 + n)), unit=unit, by="zhang",
                         review="pending")
    reviewer = as_user("check", "reviewer", page="review")
    summary = reviewer.dataframe[0].value
    assert summary["单位"].tolist() == units and summary["待审核"].tolist() == [1] * 7
    assert [s.value for s in reviewer.subheader] == [f"{u}（1 条）" for u in units[:5]]
    reviewer.selectbox(key="review_units_page").select(1).run()
    assert [s.value for s in reviewer.subheader] == [f"{u}（1 条）" for u in units[5:]]
    reviewer.button(key=f"review_all_{units[6]}").click().run()
    assert reviewer.success[0].value == "已审核通过 1 行。"
    assert reviewer.dataframe[0].value["单位"].tolist() == units[:6]


def test_a_clerk_is_told_of_the_units_own_rows_waiting_not_the_other_units(app_db, plan):
    app_db.add_batch(plan.id, "科技局.csv", "kj", rows(("T15-1", AS_OF, 80)), unit="区科学技术局", by="li",
                     review="pending")
    waiting = lambda app: [c.value for c in app.caption if "待审核" in c.value]  # noqa: E731
    assert waiting(as_user("leader", "leader", page="overview")) == ["待审核 1 条"]
    assert waiting(as_user("zhang", "reporter", "区民政局", "report")) == []
    reporter_uploads(b"target_id,as_of,actual\nT68-1,2023-09-30,150\n", "mine.csv")
    assert waiting(as_user("zhang", "reporter", "区民政局", "report")) == ["待审核 1 条"]


def test_a_decision_refused_on_the_review_page_is_said_beside_the_units_buttons(app_db):
    reporter_uploads(b"target_id,as_of,actual\nT68-1,2023-09-30,150\n", "p.csv")
    reviewer = as_user("check", "reviewer", page="review")
    reviewer.multiselect(key="review_pick_区民政局").select(reviewer.dataframe[0].value["行号"].iloc[0]).run()
    reviewer.button(key="review_return_区民政局").click().run()             # no reason given
    assert [e.value for e in reviewer.error] == ["退回须写明理由，单位据此修改后重新上报"]
    # drawn after the unit's buttons, where the reviewer is looking, not at the top of the page
    order = [getattr(node, "key", None) or node.type for node in reviewer.main]
    assert order.index("review_all_区民政局") < order.index("error")
    assert not reviewer.success
