"""Every page through AppTest, with an empty store and with the sample data, asserting what is shown."""
import datetime

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tracker import navigation
from tracker.samples import load_sample

ENTRY = "../dashboard.py"
# Every page with the usual frame (title, plan line, banners); the projector mode has its own, tested below.
PAGES = [page.file for page in navigation.PAGES if page.name != "present"]


@pytest.fixture
def app(tmp_path, monkeypatch):
    """A fresh app on an empty temporary store."""
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "progress.db"))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield AppTest.from_file(ENTRY, default_timeout=60)
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def sample_app(app, plan, tmp_path):
    from tracker.store import Store
    load_sample(plan, Store(tmp_path / "progress.db"))
    return app


def _open(app, page):
    app.run()
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def shown(markdown: str) -> str:
    """Markdown source as the reader sees it (the backslash escapes of ui.plain removed)."""
    import re
    return re.sub(r"\\(.)", r"\1", markdown)


def metrics(app):
    return {m.label: m.value for m in app.metric}


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_an_empty_store(app, page):
    _open(app, page)
    assert not app.error
    assert "2023-12-31" in app.caption[0].value  # a 2023 plan opened later is shown as of its end


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_with_the_sample_and_says_it_is_sample(sample_app, page):
    _open(sample_app, page)
    assert any("示例数据" in w.value for w in sample_app.warning)
    assert "2023-09-30" in sample_app.caption[0].value


def test_overview_of_an_empty_store_shows_the_whole_plan_not_reported(app):
    _open(app, PAGES[0])
    assert metrics(app) == {"重点任务": "77", "量化指标": "63", "已完成": "0", "正常推进": "0",
                            "进度滞后": "0", "严重滞后": "0", "未上报": "63"}
    assert "尚无任何进度上报" in app.info[0].value
    assert len(app.get("plotly_chart")) == 3


def test_the_sample_can_be_loaded_and_removed_from_the_overview(app):
    _open(app, PAGES[0])
    app.button[0].click().run()
    shown = metrics(app)
    assert shown["已完成"] == "19" and shown["严重滞后"] == "7" and shown["未上报"] == "6"
    assert any("示例数据" in w.value for w in app.warning)
    assert app.button[0].label == "移除示例数据"
    app.button[0].click().run()
    assert metrics(app)["未上报"] == "63"
    assert not app.warning


def test_the_unit_filter_narrows_the_overview(sample_app):
    _open(sample_app, PAGES[0])
    sample_app.selectbox(key="unit").select("区民政局").run()
    shown = metrics(sample_app)
    assert shown["重点任务"] == "3" and shown["量化指标"] == "4"


def test_the_english_switch_translates_the_page(sample_app):
    _open(sample_app, PAGES[0])
    sample_app.radio(key="lang").set_value("en").run()
    assert sample_app.title[0].value == "Overview"
    assert "Completed" in metrics(sample_app)


def test_departments_ranks_every_lead_unit(sample_app, plan):
    _open(sample_app, PAGES[1])
    ranking = sample_app.dataframe[0].value
    lead_units = {u for units in plan.tasks["lead_list"] for u in units}
    assert set(ranking["单位"]) == lead_units
    assert ranking.iloc[0]["名次"] == "1"
    assert ranking.set_index("单位").at["区政府办公室", "平均完成率"] == "—"
    sample_app.selectbox(key="department_unit").select("区民政局").run()
    targets = sample_app.dataframe[2].value
    assert list(targets["指标编号"]) == ["T66-1", "T66-2", "T67-1", "T68-1"]


def test_task_ledger_lists_77_tasks_and_filters(sample_app):
    _open(sample_app, PAGES[2])
    assert len(sample_app.dataframe[0].value) == 77
    sample_app.text_input(key="task_search").input("光伏").run()
    assert sorted(sample_app.dataframe[0].value["序号"]) == [1, 21, 36]
    sample_app.text_input(key="task_search").input("").run()
    sample_app.multiselect(key="task_chapters").select(12).run()
    assert list(sample_app.dataframe[0].value["序号"]) == [75, 76, 77]


def test_task_view_shows_text_units_targets_and_history(sample_app):
    _open(sample_app, PAGES[2])
    sample_app.selectbox(key="task_choice").select(15).run()
    assert any("15. 大力培育科技型企业" in m.value for m in sample_app.markdown)
    assert any("国家高新技术企业总量达到85家以上" in t.value for t in sample_app.text)
    targets = sample_app.dataframe[1].value
    assert list(targets["指标编号"]) == ["T15-1", "T15-2"]
    history = sample_app.dataframe[2].value
    assert list(history["上报日期"]) == ["2023-03-31", "2023-06-30", "2023-09-30"]


def test_task_view_marks_an_open_unit_list(app):
    _open(app, PAGES[2])
    app.selectbox(key="task_choice").select(40).run()
    assert any("以“等”结尾" in m.value for m in app.markdown)


def test_targets_page_filters_by_status(sample_app):
    _open(sample_app, PAGES[3])
    assert len(sample_app.dataframe[0].value) == 63
    sample_app.multiselect(key="target_statuses").select("severe").run()
    table = sample_app.dataframe[0].value
    assert len(table) == 7 and {s for cell in table["状态"] for s in cell} == {"严重滞后"}
    assert "共 7 项" in sample_app.caption[1].value


def test_items_without_a_report_in_the_boards_period_are_flagged_late_beside_their_status(sample_app):
    _open(sample_app, PAGES[3])
    assert "统计截至 2023-09-30" in sample_app.caption[0].value      # the sample's last period fixes the board
    cells = sample_app.dataframe[0].value.set_index("指标编号")["状态"]
    assert "未按期上报" not in list(cells["T68-1"])                    # reported for 2023-09-30
    assert "未按期上报" in cells[[c for c in cells.index if "未上报" in cells[c]][0]]
    sample_app.date_input(key="as_of").set_value(datetime.date(2023, 8, 31)).run()
    cells = sample_app.dataframe[0].value.set_index("指标编号")["状态"]
    assert "未按期上报" in cells["T68-1"]                              # its last report was for June


def test_an_earlier_as_of_date_changes_what_is_shown(sample_app):
    import datetime
    _open(sample_app, PAGES[0])
    sample_app.date_input(key="as_of").set_value(datetime.date(2023, 3, 31)).run()
    assert "2023-03-31" in sample_app.caption[0].value
    # at the end of March the sample has nothing completed yet (19 by the end of September)
    assert metrics(sample_app) == {"重点任务": "77", "量化指标": "63", "已完成": "0", "正常推进": "29", "进度滞后": "16",
                                   "严重滞后": "12", "未上报": "6"}


GOOD = "指标编号,截至日期,完成值,进展情况\nT68-1,2023/9/30,150,完成入户评估\nT66-2,2023/9/30,1.31,\n".encode()
BAD = b"target_id,as_of,actual,note\nT99-1,2023-09-30,3,\nT15-1,2023-09-30,lots,\n"


def _upload(app, name, data):
    app.file_uploader[0].upload(name, data, "text/csv").run()
    assert not app.exception, [e.value for e in app.exception]


def test_report_page_refuses_a_bad_file_naming_every_problem(app, tmp_path):
    _open(app, "pages/report.py")
    _upload(app, "bad.csv", BAD)
    assert "bad.csv 有 2 处问题" in shown(app.error[0].value)
    problems = app.dataframe[0].value
    assert problems[["行", "列", "值"]].values.tolist() == [[2, "target_id", "T99-1"], [3, "actual", "lots"]]
    from tracker.store import Store
    assert Store(tmp_path / "progress.db").batches("hedong-2023").empty


def test_report_page_previews_then_stores_a_good_file(app, tmp_path):
    _open(app, "pages/report.py")
    _upload(app, "good.csv", GOOD)
    preview = app.dataframe[0].value
    assert preview["编号"].tolist() == ["T68-1", "T66-2"]
    assert preview["新值"].tolist() == ["150户", "1.31:1"]
    assert [s for cell in preview["状态"] for s in cell] == ["严重滞后", "正常推进"]
    from tracker.store import Store
    store = Store(tmp_path / "progress.db")
    assert store.batches("hedong-2023").empty          # nothing is written before confirming
    app.button(key="import_upload").click().run()
    assert "已导入为批次 1：2 条记录（good.csv）" in shown(app.success[0].value)
    assert store.latest_target_reports("hedong-2023")["actual"].tolist() == [1.31, 150.0]


def test_report_page_asks_to_confirm_warnings(app):
    _open(app, "pages/report.py")
    _upload(app, "pct.csv", "指标编号,截至日期,完成值\nT19-2,2023-09-30,0.3\n".encode())
    assert "按比例理解为 30%" in " ".join(t.value for t in app.text)
    assert app.button(key="import_upload").disabled
    app.checkbox(key="confirm_upload").check().run()
    assert not app.button(key="import_upload").disabled


def test_report_page_restricts_rows_to_the_chosen_unit(app):
    _open(app, "pages/report.py")
    app.selectbox(key="report_unit").select("区民政局").run()
    _upload(app, "mixed.csv", b"target_id,as_of,actual\nT68-1,2023-09-30,100\nT15-1,2023-09-30,60\n")
    assert app.dataframe[0].value["值"].tolist() == ["T15-1"]


def test_quick_edit_goes_through_the_same_validation_and_batches(app, tmp_path):
    _open(app, "pages/report.py")
    app.selectbox(key="report_unit").select("区民政局").run()
    assert any(b.label == "检查并预览" for b in app.button)
    editor = next(frame for frame in app.dataframe if frame.proto.editing_mode)
    # an empty cell, a 任务状态 too, shows empty rather than a grey None
    assert editor.proto.HasField("placeholder") and editor.proto.placeholder == ""
    # AppTest cannot type into a data editor's cells: put the checked edit where the button's callback puts it.
    from tracker.ingest import ingest_frame
    from tracker.plan import load_plan
    plan = load_plan()
    frame = pd.DataFrame({"指标编号": ["T68-1"], "截至日期": ["2023-09-30"], "完成值": ["120"]})
    app.session_state["pending_edit"] = ingest_frame(plan, frame, "在线填报 test", unit="区民政局")
    app.run()
    app.button(key="import_edit").click().run()
    assert "已导入为批次 1" in app.success[0].value
    from tracker.store import Store
    batch = Store(tmp_path / "progress.db").batches("hedong-2023").iloc[0]
    assert batch["source"] == "edit" and batch["unit"] == "区民政局"


def test_batches_page_lists_and_reverts_a_batch(sample_app, tmp_path):
    _open(sample_app, "pages/batches.py")
    table = sample_app.dataframe[0].value
    assert table["文件"].tolist() == ["progress_sample.csv"] and table["示例"].tolist() == ["✓"]
    assert len(sample_app.dataframe[1].value) == 171        # the batch's target reports
    assert sample_app.button(key="revert_button").disabled
    sample_app.checkbox(key="revert_sure_1").check().run()
    sample_app.button(key="revert_button").click().run()
    assert "批次 1 已撤销" in sample_app.success[0].value
    sample_app.switch_page("pages/overview.py").run()
    assert metrics(sample_app)["未上报"] == "63"


def test_searching_by_a_short_unit_name_finds_its_tasks(app):
    _open(app, PAGES[2])
    app.text_input(key="task_search").input("区投资促进服务中心").run()
    assert 5 in app.dataframe[0].value["序号"].tolist()       # task 5 writes 区投资促进中心
    app.text_input(key="task_search").input("区发改局").run()
    assert {1, 4, 10, 36} <= set(app.dataframe[0].value["序号"])


def test_the_task_history_stops_at_the_as_of_date(sample_app):
    import datetime
    _open(sample_app, PAGES[2])
    sample_app.date_input(key="as_of").set_value(datetime.date(2023, 6, 30)).run()
    sample_app.selectbox(key="task_choice").select(15).run()
    assert list(sample_app.dataframe[2].value["上报日期"]) == ["2023-03-31", "2023-06-30"]


def test_the_english_unit_filter_names_all_units(sample_app):
    _open(sample_app, PAGES[0])
    sample_app.radio(key="lang").set_value("en").run()
    assert sample_app.selectbox(key="unit").value == ""
    assert sample_app.selectbox(key="unit").options[0] == "All units"


@pytest.mark.parametrize("page", ["pages/warnings.py", "pages/meeting.py"])
def test_headings_with_counts_read_in_english_without_chinese_brackets(sample_app, page):
    _open(sample_app, page)
    sample_app.radio(key="lang").set_value("en").run()  # one run in English: AppTest trips over a second one
    headings = [s.value for s in sample_app.subheader] + [m.value for m in sample_app.markdown
                                                         if m.value.startswith("#### ")]
    counted = [h for h in headings if h.endswith(")")]
    assert counted and not [h for h in headings if "（" in h], headings
    if page == "pages/warnings.py":
        assert "Open problems (5, 2 overdue)" in counted


@pytest.mark.parametrize("page, line", [
    ("pages/tasks.py", "**Deadline**: 2023-12-31"), ("pages/tasks.py", "**Task state**: "),
    ("pages/departments.py", "**Targets led**: "), ("pages/trends.py", "**Lead units**: "),
])
def test_labelled_lines_read_in_english_with_english_punctuation(sample_app, page, line):
    _open(sample_app, page)
    if page == "pages/tasks.py":
        sample_app.selectbox(key="task_choice").select(21).run()  # a task with a reported state
    sample_app.radio(key="lang").set_value("en").run()
    lines = [m.value for m in sample_app.markdown]
    assert any(line in text for text in lines), lines
    assert not [text for text in lines if "**：" in text]


def test_warnings_list_targets_behind_with_their_gaps_and_units_to_chase(sample_app):
    _open(sample_app, "pages/warnings.py")
    behind = sample_app.dataframe[0].value
    assert len(behind) == 18                                       # 11 lagging + 7 severe
    assert {s for cell in behind["状态"] for s in cell} == {"进度滞后", "严重滞后"}
    first = behind.iloc[0]
    assert first["较应达还差"].startswith("还差 ")
    behind_share = [float(v.rstrip("%")) for v in behind["落后进度"]]
    assert behind_share == sorted(behind_share, reverse=True)
    assert "未解决的问题（5，超期 2）" in [s.value for s in sample_app.subheader]
    chase = sample_app.dataframe[3].value
    assert "区文化旅游发展促进中心" in set(chase["单位"])
    assert sample_app.selectbox(key="notice_unit").value in set(chase["单位"])
    assert sample_app.code[0].value.startswith("督办通知")


def test_trends_show_the_projection_for_a_target(sample_app):
    _open(sample_app, "pages/trends.py")
    sample_app.selectbox(key="trend_target").select("T15-1").run()
    shown = metrics(sample_app)
    assert shown["完成率"] == "35%" and shown["按进度应达"] == "40%"      # quarterly:0,0,40,100 at 09-30
    assert shown["年底预测"] in ("将完成", "有风险", "难完成")
    assert any("季度节点" in m.value for m in sample_app.markdown)
    assert len(sample_app.dataframe[0].value) == 63


def test_ranking_shows_scores_weights_and_items(sample_app):
    _open(sample_app, "pages/ranking.py")
    assert "0.6" in sample_app.info[0].value and "0.3" in sample_app.info[0].value
    table = sample_app.dataframe[0].value
    assert table.iloc[0]["名次"] == "1"
    ranked = [(group == "仅自报", -float(v)) for group, v in zip(table["分组"], table["牵头得分"]) if v]
    assert ranked == sorted(ranked)          # units that lead targets first, each group by score
    assert "仅自报" in set(table["分组"]) and "单列一组" in sample_app.info[0].value
    sample_app.selectbox(key="rank_unit").select("区民政局").run()
    assert set(sample_app.dataframe[1].value["编号"]) == {"T66-1", "T66-2", "T67-1", "T68-1"}
    assert any("区民政局" in m.value and "= 100 ×" in m.value for m in sample_app.markdown)
    sample_app.selectbox(key="rank_kind").select("驻区单位").run()
    assert set(sample_app.dataframe[0].value["类型"]) == {"驻区单位"}


def test_problems_can_be_raised_and_moved_with_their_history_kept(app):
    _open(app, "pages/problems.py")
    assert "暂无问题。" in [m.value for m in app.markdown]
    app.selectbox(key="new_task").select(21)
    app.text_area(key="new_text").input("金属生态城二期用地指标未落实")
    app.text_input(key="new_by").input("督办室")
    app.button[0].click().run()
    assert "已登记问题 #1" in app.success[0].value
    assert app.dataframe[0].value["问题"].tolist() == ["金属生态城二期用地指标未落实"]
    assert app.selectbox(key="change_1_found_state").value == "found"  # opens on the problem's current state
    assert app.selectbox(key="change_1_found_state").options == ["发现", "协调中", "已解决"]
    app.selectbox(key="change_1_found_state").select("coordinating")
    app.text_input(key="change_1_found_note").input("已提请分管区长协调")
    app.button[1].click().run()
    assert "问题 #1 已更新为“协调中”" in app.success[0].value
    history = app.dataframe[1].value
    assert history["状态"].tolist() == ["发现", "协调中"] and history["说明"].tolist()[1] == "已提请分管区长协调"
    assert app.selectbox(key="change_1_coordinating_state").value == "coordinating"  # the form follows the move
    assert app.selectbox(key="change_id").options == ["#1 金属生态城二期用地指标未落实（协调中）"]
    app.selectbox(key="change_1_coordinating_state").select("solved")
    app.button[1].click().run()
    assert app.selectbox(key="change_1_solved_state").value == "solved"
    assert app.selectbox(key="change_1_solved_state").options == ["已解决", "已反馈/销号", "协调中"]
    app.button[1].click().run()  # keeping the state without a note
    assert "须填写进展说明" in app.error[0].value
    assert len(app.dataframe[-1].value) == 3


def test_the_problem_form_and_history_follow_the_chosen_problem(app, plan, tmp_path):
    from datetime import date

    from tracker.store import Store
    store = Store(tmp_path / "progress.db")
    first = store.add_problem(plan.id, 21, "用地指标未落实", date(2023, 6, 1))
    second = store.add_problem(plan.id, 32, "拆迁进度慢", date(2023, 6, 2))
    for state in ("solved", "closed"):
        store.change_problem(second, state, note="已办结")
    _open(app, "pages/problems.py")
    assert len(app.dataframe[-1].value) == 1  # the first problem's history
    app.selectbox(key="change_id").select(second).run()
    assert any("已反馈销号" in i.value for i in app.info)
    assert not [box.key for box in app.selectbox if box.key.startswith(f"change_{second}_")]
    assert app.dataframe[-1].value["状态"].tolist() == ["发现", "已解决", "已反馈/销号"]
    app.selectbox(key="change_id").select(first).run()
    assert app.selectbox(key=f"change_{first}_found_state").value == "found"


def test_meeting_comparison_sorts_changes_per_unit(sample_app):
    import datetime
    _open(sample_app, "pages/meeting.py")
    sample_app.date_input(key="meeting_date").set_value(datetime.date(2023, 6, 30)).run()
    shown = metrics(sample_app)
    assert shown == {"新完成": "22", "新落后": "7", "已好转": "17", "未再上报": "27"}  # each item once
    per_unit = sample_app.dataframe[0].value
    assert "区民政局" in set(per_unit["单位"])


def test_present_mode_pages_through_the_deck(sample_app):
    _open(sample_app, "pages/present.py")
    assert sample_app.title[0].value == "河东区深化新旧动能转换推动绿色低碳高质量发展2023年重点工作任务"
    assert sample_app.button(key="prev").disabled
    sample_app.button(key="next").click().run()
    assert sample_app.title[0].value == "总体进展"
    assert "2/51 · 统计截至 2023-09-30 · 临东政办字〔2023〕19号" in sample_app.caption[0].value
    assert metrics(sample_app)["已完成"] == "19"
    jump = sample_app.selectbox(key="slide_jump")
    jump.select(next(i for i, o in enumerate(jump.options) if o.endswith("第12章 组织实施"))).run()
    assert sample_app.title[0].value == "第12章 组织实施"
    assert sample_app.table[0].value.index.tolist() == ["75", "76", "77"]
    # a chapter of milestones only counts its tasks, and says so
    assert metrics(sample_app) == {"任务": "3", "指标": "0", "已完成任务": "0", "正常推进任务": "1", "进度滞后任务": "0",
                                   "严重滞后任务": "0", "未上报任务": "2"}
    sample_app.toggle(key="print_all").set_value(True).run()
    assert len(sample_app.title) == 51  # every slide, one after another


NOTICE = ("青山县2024年重点工作任务\n全年地区生产总值增长6%左右。\n一、产业发展\n"
          "1.培育企业。新增规上企业10家，<script>alert(1)</script>。（牵头单位：县工信局）\n"
          "2.建设园区。完成园区道路5公里。（牵头单位：区发改局；配合单位：县财政局）\n").encode()


def test_a_notice_is_extracted_checked_and_saved_as_a_plan_to_switch_to(app, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_PLANS", str(tmp_path / "plans"))
    _open(app, "pages/plan_import.py")
    app.file_uploader[0].upload("qingshan.txt", NOTICE, "text/plain").run()
    assert app.subheader[0].value == "提取结果：3 项任务、3 个指标、3 个单位"
    source = next(m.value for m in app.markdown if "<mark>" in m.value)
    assert "<mark>新增规上企业10家</mark>" in source
    assert "&lt;script&gt;" in source and "<script>" not in source     # the notice is shown as text
    assert "新单位，请确认：县工信局" in [t.value for t in app.text]
    app.text_input(key="new_plan_id").input("qingshan-2024").run()
    app.button(key="save_plan").click().run()
    assert "已保存计划 qingshan-2024" in app.success[0].value
    assert (tmp_path / "plans" / "qingshan-2024" / "targets.csv").exists()
    app.button(key="save_plan").click().run()                           # the same id twice is refused
    assert "已有编号为 qingshan-2024 的计划，请换一个编号。" in [t.value for t in app.text]
    plans = app.selectbox(key="plan_dir")
    assert plans.options == ["hedong-2023", "qingshan-2024"]
    plans.select(str(tmp_path / "plans" / "qingshan-2024")).run()
    app.switch_page("pages/overview.py").run()
    assert metrics(app)["重点任务"] == "3" and metrics(app)["量化指标"] == "3"
    assert "青山县2024年重点工作任务" in app.caption[0].value


def test_progress_is_kept_per_plan(app, tmp_path, monkeypatch, plan):
    from tracker.extract import extract, write
    from tracker.samples import load_sample
    from tracker.store import Store
    monkeypatch.setenv("TRACKER_PLANS", str(tmp_path / "plans"))
    write(extract(NOTICE, "qingshan.txt"), tmp_path / "plans" / "qingshan-2024", "qingshan-2024")
    load_sample(plan, Store(tmp_path / "progress.db"))                  # Hedong progress only
    _open(app, PAGES[0])
    assert metrics(app)["未上报"] == "6"
    app.selectbox(key="plan_dir").select(str(tmp_path / "plans" / "qingshan-2024")).run()
    assert metrics(app)["未上报"] == "3" and not app.warning             # nothing reported for the new plan


def test_quick_edit_of_the_page_frame_keeps_only_the_rows_typed_in(plan, store):
    """The editor's empty cells (pd.NA) are empty, so only the rows a clerk filled are checked and stored."""
    from datetime import date

    from tracker.ingest import ingest_frame
    from tracker.template import template_frame
    frame = template_frame(plan, store.latest_target_reports(plan.id), store.latest_task_reports(plan.id), "区民政局",
                           date(2023, 9, 30))
    rows = frame.astype({c: "string" for c in ("完成值", "任务状态", "进展情况", "存在问题", "下步计划")})
    rows.loc[rows["指标编号"] == "T68-1", "完成值"] = "150"
    result = ingest_frame(plan, rows, "在线填报", unit="区民政局", today=date(2026, 11, 30))
    assert result.ok, [p.message() for p in result.problems]
    assert result.targets["target_id"].tolist() == ["T68-1"] and result.tasks.empty


def test_the_same_file_again_is_recognised_before_the_preview(app):
    _open(app, "pages/report.py")
    _upload(app, "good.csv", GOOD)
    app.button(key="import_upload").click().run()
    _upload(app, "good.csv", GOOD)
    assert any("已于批次 1 导入过" in i.value for i in app.info)
    assert not [b for b in app.button if b.key == "import_upload"]


def test_the_sample_button_appears_only_for_the_plan_it_belongs_to(app, tmp_path, monkeypatch):
    from tracker.extract import extract, write
    monkeypatch.setenv("TRACKER_PLANS", str(tmp_path / "plans"))
    write(extract(NOTICE, "qingshan.txt"), tmp_path / "plans" / "qingshan-2024", "qingshan-2024")
    _open(app, PAGES[0])
    assert [b.label for b in app.button if not (b.key or "").startswith("kpi_open_")] == ["载入示例数据"]
    app.selectbox(key="plan_dir").select(str(tmp_path / "plans" / "qingshan-2024")).run()
    assert not [b for b in app.button if b.label == "载入示例数据"]


def test_the_presentation_marks_sample_data_on_every_slide(sample_app):
    _open(sample_app, "pages/present.py")
    sample_app.toggle(key="print_all").set_value(True).run()
    plan_lines = [c.value for c in sample_app.caption if "统计截至" in c.value]
    assert len(plan_lines) == 51 and all(line.startswith(":red[**示例数据（虚构）**]") for line in plan_lines)


def _components(app) -> list[str]:
    return [c.proto.component_name for c in app.get("bidi_component")]


def test_the_first_page_of_a_session_draws_its_figures_and_charts_in_one_run(sample_app):
    """The charts are not held back for a second run: bench/README.md (Pages) has the measurements."""
    sample_app.run()
    assert metrics(sample_app)["已完成"] == "19"
    assert len(sample_app.get("plotly_chart")) == 3
    assert not _components(sample_app), "nothing in the run asks the browser for another"


def _login(app, name, password):
    app.run()
    app.text_input(key="login_name").input(name)
    app.text_input(key="login_password").input(password)
    app.button[0].click().run()
    assert not app.exception, [e.value for e in app.exception]


def _lock(accounts, name):
    for _ in range(5):  # LOCK_AFTER wrong passwords
        accounts.login(name, "wrong-password")


@pytest.mark.parametrize("change", [
    lambda accounts, app: accounts.disable("zhang", by="office"),
    lambda accounts, app: accounts.set_password("zhang", "another-horse", by="office"),
    lambda accounts, app: accounts.close_session(app.session_state["session_token"]),  # a logout in another tab
    lambda accounts, app: _lock(accounts, "zhang"),
], ids=["disabled", "new_password", "logged_out_elsewhere", "locked"])
def test_an_open_session_ends_at_its_next_run_once_the_account_or_session_no_longer_holds(app, tmp_path, change):
    from tracker.accounts import Accounts
    from tracker.store import Store
    accounts = Accounts(Store(tmp_path / "progress.db"))
    accounts.add("office", "admin", "admin-pass-1")
    accounts.add("zhang", "reporter", "correct-horse", unit="区民政局")
    _login(app, "zhang", "correct-horse")
    app.switch_page("pages/report.py").run()
    assert app.title[0].value == "进度上报" and app.file_uploader
    change(accounts, app)
    app.run()                                                   # the clerk's next click
    assert app.title[0].value == "督办看板" and app.text_input(key="login_name")
    assert "登录已失效" in app.warning[0].value
    assert not app.file_uploader and "user" not in app.session_state


def test_the_sidebar_shows_account_and_unit_names_as_written(app, tmp_path):
    from markdown_it import MarkdownIt

    from tracker.accounts import Accounts
    from tracker.store import Store
    hostile = "[x](http://e)**b**![i](//e/i.pn)"
    accounts = Accounts(Store(tmp_path / "progress.db"))
    accounts.add("office", "admin", "admin-pass-1")
    accounts.add(hostile, "reporter", "correct-horse", unit=hostile)
    _login(app, hostile, "correct-horse")
    caption = next(c.value for c in app.sidebar.caption if "当前用户" in c.value)
    html = MarkdownIt().render(caption)                         # CommonMark, as the browser's Markdown renders it
    assert "<a" not in html and "<img" not in html and "<strong>" not in html, html
    assert html.count(hostile) == 2                             # the name and the unit, each shown as written


def test_headline_numbers_carry_their_status_colour_and_open_the_list_behind_them(sample_app):
    from tracker.charts import STATUS_COLORS
    _open(sample_app, PAGES[0])
    styles = " ".join(h.proto.body for h in sample_app.get("html"))
    assert f'.st-key-kpi_severe [data-testid="stMetricValue"] {{ color: {STATUS_COLORS["severe"]}; }}' in styles
    sample_app.button(key="kpi_open_severe").click().run()
    assert not sample_app.exception and sample_app.session_state["target_statuses"] == ["severe"]
    sample_app.switch_page("pages/targets.py").run()  # AppTest does not follow st.switch_page: go where it went
    assert sample_app.multiselect(key="target_statuses").value == ["severe"]


def test_the_language_choice_is_kept_in_the_address_and_read_back_on_a_reload(sample_app):
    _open(sample_app, PAGES[0])
    sample_app.radio(key="lang").set_value("en").run()
    assert sample_app.query_params.get("lang") in ("en", ["en"])
    reloaded = AppTest.from_file(ENTRY, default_timeout=60)
    reloaded.query_params["lang"] = "en"
    reloaded.run()
    assert reloaded.title[0].value == "Overview"


def test_english_selectboxes_offer_a_translated_placeholder(sample_app):
    _open(sample_app, "pages/tasks.py")
    sample_app.radio(key="lang").set_value("en").run()
    assert sample_app.selectbox(key="task_choice").proto.placeholder == "Choose"


def test_upload_history_names_its_sources_in_the_interface_language(sample_app):
    _open(sample_app, "pages/batches.py")
    sources = sample_app.dataframe[0].value["来源"]
    assert set(sources) == {"示例数据"}


def test_online_entry_puts_id_name_target_and_the_fields_to_fill_first_with_no_none_shown(app):
    import json
    _open(app, "pages/report.py")
    app.selectbox(key="report_unit").select("区民政局").run()
    editor = next(e for e in app.dataframe if e.proto.editing_mode)
    assert list(editor.proto.column_order)[:6] == ["指标编号", "任务编号", "任务/指标", "目标值", "计量单位", "完成值"]
    config = json.loads(editor.proto.columns)
    assert config["指标编号"]["pinned"] and config["任务/指标"]["pinned"]
    shown = editor.value
    reference = ["指标编号", "任务编号", "计量单位", "上次上报值", "上次任务状态"]
    assert not shown[reference].isna().any().any() and "None" not in shown[reference].astype(str).values


def test_a_refused_account_keeps_the_form_and_the_first_account_says_what_comes_next(app):
    _open(app, "pages/admin.py")
    app.text_input(key="acc_name").input("wang")
    app.selectbox(key="acc_role").select("leader")
    app.text_input(key="acc_password").input("short")
    app.button(key="FormSubmitter:add_account-创建").click().run()
    assert app.error and app.text_input(key="acc_name").value == "wang"
    assert app.selectbox(key="acc_role").value == "leader"
    app.selectbox(key="acc_role").select("admin")
    app.text_input(key="acc_password").input("wang-pass-12")
    app.button(key="FormSubmitter:add_account-创建").click().run()
    assert not app.exception and app.text_input(key="login_name")  # the login page, saying why
    assert any("请用刚创建的账户 wang 登录" in s.value for s in app.success), [s.value for s in app.success]


def test_a_note_with_a_bidirectional_override_is_shown_with_the_control_visible(app, plan, tmp_path):
    import pandas as pd

    from tracker.store import Store
    rows = pd.DataFrame([("T68-1", datetime.date(2023, 9, 30), 270.0, "县\u202e局财政")],
                        columns=["target_id", "as_of", "actual", "note"])
    Store(tmp_path / "progress.db").add_batch(plan.id, "a.csv", "sha-a", rows, pd.DataFrame(
        columns=["task_id", "as_of", "state", "progress", "problems", "next_steps"]))
    _open(app, "pages/batches.py")
    notes = next(d.value for d in app.dataframe if "备注" in d.value.columns)["备注"].tolist()
    assert notes == ["县⟨U+202E⟩局财政"]


def test_the_batches_page_lists_the_newest_and_finds_the_others(app, plan, tmp_path, monkeypatch):
    import ui.cache
    from tracker.store import Store
    store = Store(tmp_path / "progress.db")
    for n in range(1, 5):
        store.add_batch(plan.id, f"第{n}次.csv", f"sha-{n}", pd.DataFrame(
            [("T15-1", datetime.date(2023, 9, 30), 60 + n, "")], columns=["target_id", "as_of", "actual", "note"]))
    monkeypatch.setattr(ui.cache, "BATCHES_SHOWN", 2)
    _open(app, "pages/batches.py")
    assert app.dataframe[0].value["批次"].tolist() == [4, 3] and any("共 4 个" in c.value for c in app.caption)
    app.text_input(key="batch_search").input("第1次").run()
    assert app.dataframe[0].value["批次"].tolist() == [1] and app.selectbox(key="batch_choice").value == 1
    app.text_input(key="batch_search").input("2").run()      # a batch number
    assert app.dataframe[0].value["批次"].tolist() == [2]
    app.text_input(key="batch_search").input("没有这个").run()
    assert "没有符合的批次" in app.info[0].value
