"""Reading progress files: encodings, headers, numbers, dates, and every problem reported at once."""
import io
import re
import time
import tracemalloc
import zipfile
from datetime import date

import pandas as pd
import pytest
from openpyxl import Workbook

from tracker.ingest import ingest

TODAY = date(2026, 11, 30)
HEADER = "target_id,as_of,actual,note\n"


def _check(plan, text, encoding="utf-8", name="progress.csv", **kwargs):
    return ingest(plan, text.encode(encoding), name, today=kwargs.pop("today", TODAY), **kwargs)


def test_a_valid_file_yields_rows_and_no_problems(plan):
    result = _check(plan, HEADER + "T15-1,2023-09-30,60,已认定\nT68-1,2023/9/30,120,\n")
    assert result.ok and result.problems == []
    assert result.targets[["target_id", "as_of", "actual"]].values.tolist() == [
        ["T15-1", date(2023, 9, 30), 60.0], ["T68-1", date(2023, 9, 30), 120.0]]


def test_gbk_csv_with_chinese_headers_is_read(plan):
    result = _check(plan, "指标编号,截至日期,完成值,备注\nT15-1,2023年9月30日,60,进展顺利\n", encoding="gbk")
    assert result.ok, [p.message() for p in result.problems]
    assert result.targets.iloc[0]["note"] == "进展顺利"


def test_every_problem_is_reported_with_excel_row_column_and_value(plan):
    text = HEADER + ("T99-1,2023-09-30,5,\n"        # row 2: unknown target
                     "T15-1,2023-09-30,很多,\n"     # row 3: not a number
                     "T15-2,2024-03-01,5,\n"        # row 4: outside the plan period
                     "T68-1,2023-09-30,-4,\n"       # row 5: negative count
                     "T36-1,2023-09-30,10,\n"
                     "T36-1,2023-09-30,12,\n")      # row 7: same target and date, another value
    result = _check(plan, text)
    got = [(p.row, p.column, p.value) for p in result.errors]
    assert got == [(2, "target_id", "T99-1"), (3, "actual", "很多"), (4, "as_of", "2024-03-01"),
                   (5, "actual", "-4"), (7, "actual", "12")]
    assert "第3行" in result.errors[1].message() and "应为数字" in result.errors[1].message()
    assert "第6行" in result.errors[4].message()


def test_a_date_in_the_future_is_refused(plan):
    result = _check(plan, HEADER + "T15-1,2023-09-30,60,\n", today=date(2023, 9, 1))
    assert [p.column for p in result.errors] == ["as_of"] and "今天" in result.errors[0].message()


@pytest.mark.parametrize("text, fragment", [
    ("", "空"),
    (HEADER, "没有任何填报内容"),
    ("target_id,actual\nT15-1,60\n", "截至日期"),
    ("名称,数量\n甲,1\n", "找不到表头"),
])
def test_files_without_reports_are_refused(plan, text, fragment):
    result = _check(plan, text)
    assert not result.ok and fragment in result.errors[0].message()


def test_a_binary_file_named_csv_is_refused(plan):
    result = ingest(plan, b"PK\x03\x04\x00\x00\xff\xfe\x00garbage", "progress.csv", today=TODAY)
    assert not result.ok and "progress.csv" in result.errors[0].message()


def test_empty_rows_and_a_total_row_are_skipped(plan):
    result = _check(plan, "河东区进度表\n" + HEADER + "T15-1,2023-09-30,60,\n,,,\nT15-2,2023-09-30,,\n合计,,60,\n")
    assert result.ok and result.targets["target_id"].tolist() == ["T15-1"]
    assert result.targets.iloc[0]["excel_row"] == 3


def test_a_unit_may_report_only_what_it_leads(plan):
    result = _check(plan, HEADER + "T15-1,2023-09-30,60,\nT68-1,2023-09-30,100,\n", unit="区民政局")
    assert [(p.row, p.value) for p in result.errors] == [(2, "T15-1")]
    assert "区科学技术局" in result.errors[0].message()


def test_a_tenfold_jump_is_a_warning_not_an_error(plan):
    previous = pd.DataFrame([("T15-1", date(2023, 6, 30), 50.0)], columns=["target_id", "as_of", "actual"])
    result = _check(plan, HEADER + "T15-1,2023-09-30,600,\n", previous=previous)
    assert result.ok and [p.severity for p in result.problems] == ["warning"]


def test_task_rows_carry_state_and_narrative(plan):
    text = "task_id,as_of,state,note\n2,2023-09-30,推进中,链长制已落实\n8,2023-09-30,完成了,\n"
    result = _check(plan, text)
    assert result.tasks[["task_id", "state", "progress"]].values.tolist() == [[2, "in_progress", "链长制已落实"]]
    assert [(p.row, p.column) for p in result.errors] == [(3, "state")]


def test_a_unit_may_report_only_tasks_it_leads(plan):
    result = _check(plan, "task_id,as_of,state\n66,2023-09-30,推进中\n2,2023-09-30,推进中\n", unit="区民政局")
    assert [(p.row, p.value) for p in result.errors] == [(3, "2")]


# --- files that declare more than they hold, and the upload limits (settings) ----------------------------------


def _xlsx(rows: list[list], patch=lambda xml: xml) -> bytes:
    """A workbook of these rows whose sheet XML is then rewritten by patch(xml)."""
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    source, out = zipfile.ZipFile(buffer), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info, patch(data.decode()).encode() if info.filename.endswith("sheet1.xml") else data)
    return out.getvalue()


REPORT = [["指标编号", "截至日期", "完成值"], ["T15-1", "2023-09-30", 60]]


def _whole_grid(last_row: str) -> bytes:
    return _xlsx(REPORT, lambda xml: re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', xml)
                 .replace("</sheetData>", f'<row r="1048576">{last_row}</row></sheetData>'))


@pytest.mark.parametrize("last_row, problem", [
    ('<c r="A1048576" t="inlineStr"><is><t>x</t></is></c>', (1048576, "A", "最多 5000 行")),
    ('<c r="XFD1048576"><v>1</v></c>', (1048576, "XFD", "最多 5000 行")),
    ('<c r="XFD1048576" s="0"/>', None),                       # an empty styled cell: the file is read as it is
])
def test_a_sheet_declaring_the_whole_grid_is_read_in_seconds_and_little_memory(plan, last_row, problem):
    """Issue 12: 5 KB that declared A1:XFD1048576 grew the server to 5 GB. Now: under 5 s and 200 MB of peak."""
    data = _whole_grid(last_row)
    started = time.perf_counter()
    tracemalloc.start()
    try:
        result = ingest(plan, data, "grid.xlsx", today=TODAY)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 5 and peak < 200 * 2**20, (time.perf_counter() - started, peak)
    if problem is None:
        assert result.ok and result.targets["actual"].tolist() == [60.0]
    else:
        assert [(p.row, p.column) for p in result.errors] == [problem[:2]] and problem[2] in result.errors[0].message()


@pytest.mark.parametrize("name, data, fragment", [
    ("rows.csv", ("指标编号,截至日期,完成值\n" + "T15-1,2023-09-30,60\n" * 120).encode(), "第101行"),
    ("columns.csv", "指标编号,截至日期,完成值,,,,,,,,多余\nT15-1,2023-09-30,60\n".encode(), "第1行 “K”列"),
    ("blank_lines.csv", ("指标编号,截至日期,完成值\nT15-1,2023-09-30,60\n" + "\n" * 500).encode(), "文件有 502 行"),
    ("rows.xlsx", _xlsx(REPORT + [["T15-1", "2023-09-30", 60]] * 120), "第101行"),
    ("cells.xlsx", _xlsx(REPORT, lambda xml: xml.replace("</sheetData>", '<row r="50">' + '<c s="0"/>' * 4000
                                                             + "</row></sheetData>")), "单元格过多"),
])
def test_the_upload_limits_come_from_the_settings_and_are_named(plan, name, data, fragment):
    """With 100 rows and 10 columns allowed, content past them refuses the file, saying where and which limit."""
    result = ingest(plan, data, name, today=TODAY, settings={"upload_max_rows": 100, "upload_max_columns": 10})
    assert len(result.errors) == 1 and fragment in result.errors[0].message(), result.errors
    assert any(limit in result.errors[0].message() for limit in ("最多 100 行", "最多 10 列", "单元格过多"))


def test_a_gbk_file_with_one_utf8_line_names_that_line(plan):
    data = ("指标编号,截至日期,完成值,备注\nT15-1,2023-09-30,60,进展顺利\nT15-2,2023-09-30,45,正常\n".encode("gbk")
            + "T68-1,2023-09-30,120,已完成入户评估\n".encode("utf-8"))
    result = ingest(plan, data, "mixed.csv", today=TODAY)
    assert [(p.row, p.column, p.value) for p in result.errors] == [(4, "D", "已完成入户评估")]
    assert "这一行是 UTF-8 编码，而文件其余部分是 GBK" in result.errors[0].message()


def test_a_formula_whose_result_is_empty_text_is_an_empty_cell_not_an_error(plan):
    data = _xlsx(REPORT + [["T15-2", "2023-09-30", 45]], lambda xml: xml.replace(
        '<c r="C3" t="n"><v>45</v></c>', '<c r="C3" t="str"><f>IF(1,"","")</f><v></v></c>'))
    result = ingest(plan, data, "formula.xlsx", today=TODAY)
    assert result.ok and result.targets["target_id"].tolist() == ["T15-1"]


@pytest.mark.parametrize("typed, said", [
    ("15-1", "不是指标编号（应形如 T15-1"),                   # what Excel leaves of an id it took for a date
    ("T15-3", "本计划没有这个指标：任务 15 的指标为 T15-1、T15-2"),  # well formed, but the task has two targets
    ("T01-1", "任务 1 没有量化指标，请按任务行填写任务状态"),
])
def test_an_unknown_target_id_says_whether_it_is_malformed_or_just_not_in_the_plan(plan, typed, said):
    result = ingest(plan, f"target_id,as_of,actual\n{typed},2023-09-30,1\n".encode(), "p.csv")
    assert not result.ok and said in result.errors[0].message()


PREVIOUS = pd.DataFrame({"target_id": ["T15-1", "T68-1"], "as_of": [date(2023, 6, 30), date(2023, 6, 30)],
                         "actual": [40.0, 10.0], "note": ["", ""]})
MIXED = [  # (file, keyword arguments, rows checked for the whole file at once)
    (HEADER + "T15-1,2023-09-30,60,已认定\nT68-1,2023-09-30,120,\nT03-1, 2023-09-30 ,+5, 说明 \n", {}, 3),
    (HEADER + "T15-1,2023-09-30,60,\nt15-1,2023-09-30,61,\nT03-1,2023-09-30,5,\n", {}, 2),  # typed id repeats
    (HEADER + "t15-1,2023-09-30,61,\nT15-1,2023-09-30,60,\nT03-1,2023-09-30,5,\n", {}, 2),
    (HEADER + "T15-1,2023-09-30,60,\nT15-1,2023-09-30,60,\nT15-1,2023-10-31,61,\nT03-1,2023/9/30,5,\n", {}, 1),
    (HEADER + "T06-1,2023-09-30,0.5,\nT19-2,2023-09-30,101,\nT66-1,2023-09-30,-1,\nT03-1,2023-09-30,-1,\n"
              "T40-1,2023-09-30,99.5,\nT03-2,2023-09-30,1e3,\nT03-3,2023-09-30,1，000,\n", {}, 2),
    (HEADER + "T15-1,2023-09-30,500,\nT68-1,2023-09-30,5,\nT15-1,2023-05-31,30,\nT03-1,2023-09-30,5,\n",
     {"previous": PREVIOUS}, 2),
    (HEADER + "T15-1,2023-09-30,60,\nT03-1,2023-09-30,5,\nT68-1,2026-12-01,5,\nT68-1,2024-01-01,5,\n"
              "T68-1,2023-02-30,5,\n", {"unit": "区科学技术局"}, 1),
    ("target_id,task_id,as_of,actual,note\nT15-1,15,2023-09-30,60,\nT15-1,16,2023-10-31,61,\n"
     "T03-1,3.0,2023-09-30,5,\nT03-2,合计,2023-09-30,5,\n,15,2023-09-30,,\nT05-1,,2023-09-30,,写了\n", {}, 2),
    (HEADER + "T15-1,2023-09-30,60," + "长" * 5001 + "\nT03-1,2023-09-30,5,\n", {}, 1),
]


@pytest.mark.parametrize("text, kwargs, plain", MIXED)
def test_rows_checked_at_once_give_what_the_row_by_row_checks_give(plan, monkeypatch, text, kwargs, plain):
    import tracker.ingest as ingest_module

    header = ingest_module._find_header([line.split(",") for line in text.splitlines()])
    rows = [line.split(",") for line in text.splitlines()]
    assert len(ingest_module._plain_target_rows(plan, rows, header, kwargs.get("unit"), TODAY,
                                                kwargs.get("previous"))[1]) == plain
    fast = _check(plan, text, **kwargs)
    monkeypatch.setattr(ingest_module, "_plain_target_rows", lambda *args: ({}, []))
    slow = _check(plan, text, **kwargs)
    assert fast.problems == slow.problems
    pd.testing.assert_frame_equal(fast.targets, slow.targets)
    pd.testing.assert_frame_equal(fast.tasks, slow.tasks)


def test_rows_checked_at_once_read_workbook_cells_as_the_row_checks_do(plan, monkeypatch):
    import tracker.ingest as ingest_module

    rows = [["指标编号", "任务编号", "截至日期", "完成值", "备注"],
            ["T15-1", 15, date(2023, 9, 30), 60, 7], ["T03-1", 3.0, date(2023, 9, 30), 5.5, None],
            ["T03-2", None, "2023-09-30", float("inf"), None], ["T68-1", None, "2023-09-30", True, None]]
    fast = ingest_module.validate(plan, rows, "x.xlsx", "sha", today=TODAY)
    monkeypatch.setattr(ingest_module, "_plain_target_rows", lambda *args: ({}, []))
    slow = ingest_module.validate(plan, rows, "x.xlsx", "sha", today=TODAY)
    assert fast.problems == slow.problems and len(fast.targets) == 2
    pd.testing.assert_frame_equal(fast.targets, slow.targets)
