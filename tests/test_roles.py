"""Who may open and do what, through the running pages: login, roles per page, a reporter's unit, and hostile
input shown as text or refused."""
import io
import zipfile
from datetime import datetime, timedelta

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tracker import navigation
from tracker.accounts import LOGIN_REFUSED, PERMISSIONS, Accounts, User
from tracker.store import Store

ENTRY = "../dashboard.py"
ROLES = {"admin": User("office", "admin"), "reviewer": User("check", "reviewer"), "leader": User("leader", "leader"),
         "reporter": User("zhang", "reporter", "区民政局")}
# page -> roles that may open it, from the page table
PAGES = {page.name: PERMISSIONS[page.permission] for page in navigation.PAGES}


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "progress.db"))
    monkeypatch.setenv("TRACKER_PLANS", str(tmp_path / "plans"))
    st.cache_data.clear()
    st.cache_resource.clear()
    store = Store(tmp_path / "progress.db")
    accounts = Accounts(store)
    accounts.add("office", "admin", "admin-pass-1")
    accounts.add("leader", "leader", "leader-pass-1")
    accounts.add("check", "reviewer", "review-pass-1")
    accounts.add("zhang", "reporter", "correct-horse", unit="区民政局")
    yield store
    st.cache_data.clear()
    st.cache_resource.clear()


def as_user(role):
    app = AppTest.from_file(ENTRY, default_timeout=60)
    app.session_state["user"] = ROLES[role]
    app.session_state["last_seen"] = datetime.now()
    return app


@pytest.mark.parametrize("role, page", [(r, p) for p in PAGES for r in ROLES])
def test_role_matrix_each_page(db, role, page):
    """Each of a role's pages opens without refusal; any other page, reached by its address, refuses and shows
    nothing (the browser test checks that the page list shows only the role's pages)."""
    app = as_user(role).run()
    app.switch_page(f"pages/{page}.py").run()
    assert not app.exception, [e.value for e in app.exception]
    if role in PAGES[page]:
        assert not any("无权查看此页面" in e.value for e in app.error)
    else:
        assert [e.value for e in app.error] == ["您的账户无权查看此页面。"]
        assert not app.dataframe and not app.metric and not app.get("plotly_chart")


@pytest.mark.parametrize("role, page", [(r, p) for p in PAGES for r in ROLES if r not in PAGES[p]])
def test_a_page_run_directly_still_refuses_a_user_without_the_role(db, role, page):
    """Even reached without the navigation (a direct URL, a bookmark), the page itself refuses and shows nothing."""
    app = AppTest.from_file(f"../pages/{page}.py", default_timeout=60)
    app.session_state["user"] = ROLES[role]
    app.run()
    assert [e.value for e in app.error] == ["您的账户无权查看此页面。"]
    assert not app.dataframe and not app.metric and not app.get("plotly_chart")


def test_every_page_needs_a_login_once_an_account_exists(db):
    app = AppTest.from_file(ENTRY, default_timeout=60).run()
    assert app.title[0].value == "督办看板" and not app.metric
    app.text_input(key="login_name").input("zhang")
    app.text_input(key="login_password").input("wrong-password")
    app.button[0].click().run()
    assert app.error[0].value == LOGIN_REFUSED
    app.text_input(key="login_name").input("zhang")
    app.text_input(key="login_password").input("correct-horse")
    app.button[0].click().run()
    assert app.title[0].value == "总览"
    assert any("zhang" in c.value and "区民政局" in c.value for c in app.sidebar.caption)
    app.button(key="logout").click().run()
    assert app.title[0].value == "督办看板"
    assert [a for a in db.audit_log()["action"]][:3] == ["logout", "login", "login_failed"]


def test_an_idle_session_ends(db):
    app = as_user("leader")
    app.session_state["last_seen"] = datetime.now() - timedelta(minutes=31)
    app.run()
    assert app.title[0].value == "督办看板"
    assert "长时间未操作" in app.warning[0].value


def test_a_reporter_reports_for_its_own_unit_only(db):
    app = as_user("reporter").run()
    app.switch_page("pages/report.py").run()
    assert any("区民政局" in m.value for m in app.markdown)
    assert not [s for s in app.selectbox if s.key == "report_unit"]
    app.file_uploader[0].upload("mixed.csv", b"target_id,as_of,actual\nT68-1,2023-09-30,100\nT15-1,2023-09-30,60\n",
                                "text/csv").run()
    problems = app.dataframe[0].value
    assert problems["值"].tolist() == ["T15-1"] and "区民政局不能填报" in problems["问题与要求"][0]
    assert db.batches("hedong-2023").empty


def test_a_leader_sees_batches_and_problems_but_changes_nothing(db):
    from tracker.plan import load_plan
    from tracker.samples import load_sample
    load_sample(load_plan(), db)
    app = as_user("leader").run()
    app.switch_page("pages/batches.py").run()
    assert len(app.dataframe[0].value) == 1
    assert not [b for b in app.button if b.key == "revert_button"]
    app.switch_page("pages/problems.py").run()
    assert len(app.dataframe[0].value) == 5 and [b.key for b in app.button] == ["logout"]  # no forms
    app.switch_page("pages/overview.py").run()
    assert not [b for b in app.button if "示例数据" in b.label]


@pytest.mark.parametrize("permission, roles", [
    ("review", {"admin", "reviewer"}),
    ("report", {"admin", "reporter"}),
    ("accounts", {"admin"}),
    ("revert", {"admin"}),
    ("export", {"admin", "reviewer", "leader"}),
])
def test_who_may_review_report_and_manage(permission, roles):
    assert {role for role, user in ROLES.items() if user.can(permission)} == roles


def test_a_reviewer_approves_what_a_reporter_sent_and_a_leader_cannot(db):
    reporter = as_user("reporter").run()
    reporter.switch_page("pages/report.py").run()
    reporter.file_uploader[0].upload("p.csv", b"target_id,as_of,actual\nT68-1,2023-09-30,150\n", "text/csv").run()
    reporter.button(key="import_upload").click().run()
    assert "已提交审核" in reporter.success[0].value
    leader = as_user("leader").run()
    leader.switch_page("pages/review.py").run()
    assert [e.value for e in leader.error] == ["您的账户无权查看此页面。"]
    reviewer = as_user("reviewer").run()
    reviewer.switch_page("pages/review.py").run()
    reviewer.button(key="review_all_区民政局").click().run()
    assert reviewer.success[0].value == "已审核通过 1 行。"
    log = db.audit_log()
    assert log[log["action"] == "review_approve"]["user"].tolist() == ["check"]


def test_the_admin_page_manages_accounts_and_shows_the_audit_log(db):
    app = as_user("admin").run()
    app.switch_page("pages/admin.py").run()
    assert app.dataframe[0].value["账户"].tolist() == ["check", "leader", "office", "zhang"]
    app.text_input(key="acc_name").input("wang")
    app.selectbox(key="acc_role").select("leader")
    app.text_input(key="acc_password").input("wang-pass-12")
    app.button[0].click().run()
    assert "已创建账户 wang" in app.success[0].value.replace("\\", "")
    assert "新建账户" in app.dataframe[1].value["操作"].tolist()  # the audit log in words
    app.radio(key="lang").set_value("en").run()
    assert [s.value for s in app.subheader] == ["Accounts", "Rule settings", "Audit log", "Backups"]
    assert app.dataframe[0].value.columns.tolist() == ["Account", "Role", "Unit", "State", "Created"]


def test_the_admin_edits_the_rule_settings_and_every_page_follows(db, tmp_path):
    app = as_user("admin").run()
    app.switch_page("pages/admin.py").run()
    tolerance = app.number_input(key="setting_tolerance")
    assert tolerance.label == "容差" and tolerance.value == 0.05
    tolerance.set_value(0.2)
    app.number_input(key="setting_weight_severe").set_value(0.2)     # the weights no longer add up to 1
    app.button(key="FormSubmitter:settings-保存").click().run()
    assert "未保存，规则参数未作改动" in app.error[0].value and "三项考核权重之和应为 1" in app.error[0].value
    assert Store(tmp_path / "progress.db").settings() == {}
    app.number_input(key="setting_weight_severe").set_value(0.1)
    app.button(key="FormSubmitter:settings-保存").click().run()
    assert "1 项改动" in app.success[0].value
    assert Store(tmp_path / "progress.db").settings() == {"tolerance": 0.2}
    assert "容差（tolerance）：0.05 → 0.2" in app.dataframe[1].value["内容"].tolist()
    app.switch_page("pages/overview.py").run()
    app.switch_page("pages/admin.py").run()
    assert app.number_input(key="setting_tolerance").value == 0.2   # in force in this server, no restart


@pytest.mark.parametrize("name, label, default", [("review", "上报审核", True), ("evidence_required", "完成需佐证", False)])
def test_an_on_off_rule_is_a_switch_saved_as_one_or_zero(db, tmp_path, name, label, default):
    app = as_user("admin").run()
    app.switch_page("pages/admin.py").run()
    switch = app.toggle(key=f"setting_{name}")
    assert switch.label == label and switch.value is default
    switch.set_value(not default)
    app.button(key="FormSubmitter:settings-保存").click().run()
    assert "1 项改动" in app.success[0].value
    assert Store(tmp_path / "progress.db").settings() == {name: float(not default)}
    assert f"{label}（{name}）：{default:d} → {not default:d}" in app.dataframe[1].value["内容"].tolist()
    assert app.toggle(key=f"setting_{name}").value is (not default)


HOSTILE = ["<script>alert('x')</script>", "[点我](http://evil.example)", "'; DROP TABLE batches; --",
           "=HYPERLINK(\"http://evil\",\"x\")", "<img src=x onerror=alert(1)>"]


def test_hostile_text_is_stored_as_written_and_shown_as_text(db, tmp_path, capsys):
    from tracker.cli import main
    quoted = [h.replace('"', '""') for h in HOSTILE]
    name = "[report](evil).csv"                     # a Markdown link as a file name
    path = tmp_path / name
    path.write_text("task_id,target_id,as_of,actual,state,note,problems,next_steps\n"
                    f'66,,2023-09-30,,推进中,"{quoted[0]}","{quoted[1]}","{quoted[2]}"\n'
                    + "".join(f',T68-1,2023-0{n + 3}-28,{n + 1},,"{h}",,\n' for n, h in enumerate(quoted)),
                    encoding="utf-8")
    assert main(["import", str(path), "--db", str(db.path), "--user", HOSTILE[2], "--approve"]) == 0, \
        capsys.readouterr()
    with __import__("sqlite3").connect(db.path) as conn:
        tables = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        notes = [n for (n,) in conn.execute("SELECT note FROM target_reports ORDER BY id")]
    assert {"batches", "target_reports", "task_reports", "problems", "users", "audit"} <= tables
    assert notes == HOSTILE                          # stored exactly as written
    app = as_user("admin").run()
    app.switch_page("pages/tasks.py").run()
    app.selectbox(key="task_choice").select(66).run()
    assert not app.exception, [e.value for e in app.exception]
    rendered = " ".join(m.value for m in app.markdown if "<style>" not in m.value)
    assert "<script>" not in rendered and "](http" not in rendered and "onerror" not in rendered
    assert HOSTILE[0] in [t.value for t in app.text]     # the narrative, as plain text
    problems = next(d.value for d in app.dataframe if "问题" in d.value.columns)
    assert problems["问题"].tolist() == [HOSTILE[1]]     # a table cell, never a link
    app.switch_page("pages/batches.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.dataframe[0].value[["文件", "操作人"]].values.tolist() == [[name, HOSTILE[2]]]  # the names as written
    app.switch_page("pages/report.py").run()
    app.file_uploader[0].upload(name, b"target_id,as_of,actual\nT99-9,2023-09-30,1\n", "text/csv").run()
    assert not app.exception, [e.value for e in app.exception]
    # escaped Markdown, which the page draws as the name exactly as written
    assert app.error[0].value == "\\[report\\]\\(evil\\)\\.csv 有 1 处问题，未导入任何数据。请按下表修改后重新上传："


def test_a_zip_bomb_named_xlsx_is_refused_without_unpacking(plan):
    from tracker.ingest import ingest
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (120 * 2**20))   # 120 MB of nothing
    data = buffer.getvalue()
    assert len(data) < 2**20
    started = datetime.now()
    result = ingest(plan, data, "bomb.xlsx")
    assert not result.ok and "解压后超过 100 MB" in result.errors[0].message()
    assert (datetime.now() - started).total_seconds() < 5


def test_sql_text_in_every_field_is_only_ever_data(db, plan):
    import pandas as pd
    evil = "'; DROP TABLE batches; --"
    db.add_batch(plan.id, evil + ".csv", evil, pd.DataFrame([("T15-1", "2023-09-30", 1.0, evil)],
                                                            columns=["target_id", "as_of", "actual", "note"]),
                 pd.DataFrame([(2, "2023-09-30", "in_progress", evil, evil, evil)],
                              columns=["task_id", "as_of", "state", "progress", "problems", "next_steps"]),
                 unit=evil, by=evil)
    db.add_problem(plan.id, 2, evil + "2", "2023-09-30", unit=evil, owner=evil, by=evil)
    Accounts(db).add(evil, "leader", "long-enough-1", by=evil)
    assert Accounts(db).login(evil, evil)[0] is None
    db.audit(evil, evil, evil)
    assert db.batches(plan.id)["file_name"].tolist() == [evil + ".csv"]
    assert db.latest_target_reports(plan.id)["note"].tolist() == [evil]
    assert set(db.problems(plan.id)["text"]) == {evil, evil + "2"}


def test_plan_text_from_an_imported_notice_is_shown_as_text(tmp_path, monkeypatch):
    """Unit names, titles and indicators come from uploaded notices too: never rendered as links or HTML."""
    from tracker.extract import extract, write
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "p.db"))
    monkeypatch.setenv("TRACKER_PLANS", str(tmp_path / "plans"))
    st.cache_data.clear()
    st.cache_resource.clear()
    notice = ("青山县2024年重点工作任务\n一、产业\n1.甲[点此](http://evil.example)任务。新增企业8个。"
              "（牵头单位：县科技局 [点此登录](http://evil.example)）\n2.乙任务。文。（牵头单位：县乙局）\n").encode()
    write(extract(notice, "evil.txt"), tmp_path / "plans" / "evil", "evil")
    app = AppTest.from_file(ENTRY, default_timeout=60)
    app.session_state["plan_dir"] = str(tmp_path / "plans" / "evil")  # as the sidebar's plan list sets it
    app.run()
    for page in ("tasks", "trends", "ranking", "departments"):
        app.switch_page(f"pages/{page}.py").run()
        if page == "tasks":
            app.selectbox(key="task_choice").select(1).run()
            assert app.dataframe[0].value["任务"].tolist()[0] == "甲[点此](http://evil.example)任务"  # as written
        assert not app.exception, (page, [e.value for e in app.exception])
        rendered = " ".join(m.value for m in app.markdown if "<style>" not in m.value)
        assert "](http://evil" not in rendered, page
    st.cache_data.clear()
    st.cache_resource.clear()
