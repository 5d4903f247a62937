"""Clerks' real progress files (tests/fixtures): bad ones refused with every problem named, nothing stored."""
from __future__ import annotations

import importlib.util
import json
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

import tracker.ingest
from tracker.cli import main
from tracker.ingest import ingest
from tracker.store import Store

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TODAY = date(2026, 11, 30)
D = date(2023, 9, 30)
BASELINE = "指标编号,截至日期,完成值\nT03-1,2023-06-30,12\n"  # the valid import every CLI database already holds
MINZHENG = {"unit": "区民政局"}


@dataclass(frozen=True)
class Case:
    """One fixture, how it is imported, and what the clerk must get back."""

    file: str
    kwargs: dict = field(default_factory=dict)
    errors: tuple = ()      # (row as Excel shows it, column as written, bad value, phrase of what is expected)
    warnings: tuple = ()    # same shape
    targets: tuple = ()     # valid files: (target_id, as_of, actual) parsed, in file order
    tasks: tuple = ()       # valid files: (task_id, as_of, state)
    bug: str | None = None  # a suspected importer bug: the test states what the clerk should get, xfail(strict)

    @property
    def id(self) -> str:
        return self.file + (f"@today={self.kwargs['today']}" if "today" in self.kwargs else "")


CASES = [
    # --- valid files and harmless variants --------------------------------------------------------------------
    Case("good_utf8.csv", targets=(("T15-1", date(2023, 5, 31), 52), ("T15-1", D, 60), ("T68-1", D, 120),
                                   ("T19-2", D, 30), ("T66-2", D, 1.25)), tasks=((66, D, "in_progress"),)),
    Case("good_utf8_bom.csv", targets=(("T15-1", D, 60), ("T35-3", D, 12.5), ("T40-1", D, 100))),
    Case("good_gbk.csv", targets=(("T68-1", D, 150), ("T67-1", D, 96)), tasks=((67, D, "done"),)),
    Case("title_row.csv", targets=(("T15-1", D, 60), ("T15-2", D, 45))),
    Case("template_filled.xlsx", MINZHENG, targets=(("T66-2", D, 1.26), ("T67-1", D, 98), ("T68-1", D, 120)),
         tasks=((66, D, "in_progress"), (68, date(2023, 9, 15), "done"))),
    Case("template_filled.csv", MINZHENG, targets=(("T66-1", D, 5.5), ("T68-1", D, 130)),
         tasks=((67, D, "in_progress"),)),
    Case("title_merged_header.xlsx", targets=(("T15-1", D, 60), ("T15-2", D, 70))),
    Case("several_sheets.xlsx", targets=(("T15-1", D, 60), ("T15-2", D, 70))),
    Case("xlsx_named.csv", targets=(("T15-1", D, 60),)),
    Case("csv_named.xlsx", targets=(("T15-1", D, 60),)),                # the content decides, not the name
    Case("utf16_text.csv", targets=(("T15-1", D, 60),)),                # Excel's "Unicode 文本"
    *(Case(f"office_report.{kind}", targets=(("T15-1", D, 60), ("T19-2", D, 30), ("T66-2", D, 1.25)))
      for kind in ("xls", "ods", "et")),                                  # saved by LibreOffice; .et is WPS's name
    Case("whole_grid_empty.xlsx", targets=(("T15-1", D, 60),)),         # declares A1:XFD1048576, holds one row
    Case("date_variants.csv", targets=(("T15-1", D, 60), ("T15-2", D, 70), ("T68-1", D, 120), ("T19-2", D, 30),
                                       ("T35-3", D, 12), ("T40-1", D, 100))),
    Case("formula_note.csv", targets=(("T15-1", D, 60), ("T68-1", D, 120), ("T19-2", D, 30)),
         tasks=((66, D, "in_progress"),)),
    Case("units_scaling.csv", warnings=((10, "完成值", "0.32", "按比例理解为 32%，请确认"),),
         targets=(("T63-1", D, 15000), ("T35-3", D, 1.5), ("T16-1", D, 1080), ("T15-2", D, 72), ("T05-3", D, 0.65),
                  ("T23-1", D, 1.8), ("T66-2", D, 1.26), ("T15-1", D, 80), ("T19-2", D, 32))),
    Case("id_variants.csv", targets=(("T15-1", D, 60), ("T68-1", D, 120))),
    Case("total_row_spaced.csv", targets=(("T15-1", D, 60), ("T15-2", D, 45))),   # 合　计 and 合  计： skipped
    Case("tab_separated.csv", targets=(("T15-1", D, 60), ("T68-1", D, 120))),     # cells pasted from Excel
    # --- files a clerk must get back, every problem named --------------------------------------------------------
    Case("good_utf8.csv", {"today": date(2023, 6, 1)},
         errors=tuple((row, "as_of", "2023-09-30", "日期不能晚于今天（2023-06-01）") for row in range(3, 8))),
    Case("multiline_note.csv", errors=((5, "完成值", "很多", "应为数字（单位：家）"),)),
    Case("binary_named.csv", errors=((None, None, None, "CSV"),)),
    Case("empty.csv", errors=((None, None, None, "文件是空的"),)),
    Case("header_only.csv", errors=((None, None, None, "没有任何填报内容"),)),
    Case("unknown_headers.csv", errors=((None, None, None, "找不到表头：需要“指标编号”"),)),
    Case("missing_date_column.csv", errors=((None, None, None, "缺少必需的列“截至日期”（表头在第1行）"),)),
    Case("unknown_target.csv", errors=((2, "指标编号", "T99-1", "本计划没有这个指标：任务 99 没有量化指标"),
                                       (3, "指标编号", "T15-9", "本计划没有这个指标：任务 15 的指标为 T15-1、T15-2"))),
    Case("non_numeric.csv", errors=((2, "完成值", "很多", "应为数字（单位：家）"),
                                    (3, "完成值", "N/A", "应为数字（单位：家）"),
                                    (4, "完成值", "八十五", "应为数字（单位：家）"))),
    Case("negative_count.csv", errors=((2, "完成值", "-5", "完成值不能为负数"),)),
    Case("share_over_100.csv", errors=((2, "完成值", "135%", "比率不能超过 100%"),)),
    Case("date_outside_plan.csv", errors=((2, "截至日期", "2022-12-31", "计划期 2023-01-01 至 2023-12-31"),
                                          (3, "截至日期", "2024-01-05", "计划期 2023-01-01 至 2023-12-31"))),
    Case("bad_date.csv", errors=((2, "截至日期", "2023-02-30", "应为日期，如 2023-09-30"),
                                 (3, "截至日期", "9/30/2023", "应为日期，如 2023-09-30"),
                                 (4, "截至日期", "下月底", "应为日期，如 2023-09-30"),
                                 (5, "截至日期", "", "请填写截至日期"))),
    Case("conflicting_duplicate.csv", errors=((3, "完成值", "62", "与第2行同一指标同一日期的值（60）不同"),)),
    Case("wrong_unit.csv", errors=((2, "完成值", "12公里", "单位“公里”与指标单位“万平方米”不符"),
                                   (3, "完成值", "120人", "单位“人”与指标单位“户”不符"),
                                   (4, "完成值", "35个", "单位应为 %"))),
    Case("other_unit.csv", MINZHENG, errors=((2, "指标编号", "T15-1", "牵头单位是区科学技术局，区民政局不能填报"),
                                             (3, "任务编号", "2", "牵头单位是区工业和信息化局，区民政局不能填报"))),
    Case("bad_state.csv", errors=((2, "任务状态", "完成了", "任务状态应为 未启动、推进中 或 已完成"),)),  # 进行中 is 推进中
    Case("task_row_value.csv", errors=((2, "完成值", "80", "请填写任务状态而不是完成值"),
                                       (3, "任务编号", "99", "不是本计划中的任务编号（1 至 77）"),
                                       (4, "任务编号", "16", "指标 T15-1 属于任务 15"))),
    Case("many_errors.csv", errors=((3, "指标编号", "T99-1", "本计划没有这个指标"),
                                    (4, "截至日期", "2023-13-01", "应为日期"),
                                    (4, "完成值", "很多", "应为数字"),
                                    (5, "截至日期", "2024-03-01", "计划期"),
                                    (5, "完成值", "-4", "不能为负数"),
                                    (6, "完成值", "135%", "比率不能超过 100%"))),
    Case("template_errors.xlsx", MINZHENG, errors=((6, "截至日期", "2024-01-05", "计划期"),
                                                   (7, "完成值", "很多", "应为数字（单位：户）"),
                                                   (9, "任务状态", "完成了", "任务状态应为"))),
    Case("xls_named.xls", errors=((None, None, None, "不是有效的 Excel 97-2003 工作簿（.xls），可能已损坏"),)),
    Case("corrupt.xlsx", errors=((None, None, None, "不是有效的 Excel（.xlsx）文件"),)),
    Case("conflicting_task_state.csv", errors=((3, "任务状态", "已完成", "第2行"),)),
    Case("note_without_value.csv", errors=((2, "完成值", "", "请填写完成值"), (3, "任务状态", "", "请同时填写任务状态"))),
    Case("renamed_value_column.csv", errors=((None, None, None, "需要“完成值”列"),)),
    # --- files that would lose or corrupt data if read leniently, and hostile files (issue 12) ------------------
    Case("unclosed_quote.csv", errors=((2, "D", "已认定60家", "引号没有闭合"),)),
    Case("stray_quote.csv", errors=((2, "D", "重点企业已认定", "引号用法有误"),)),
    Case("mixed_encoding.csv", errors=((3, "D", "已完成入户评估", "这一行是 GBK 编码，而文件其余部分是 UTF-8"),)),
    Case("odd_digits.csv", errors=((2, "完成值", "5²", "非标准的数字字符“²”"),
                                   (3, "完成值", "①②０", "非标准的数字字符“①”"),
                                   (4, "截至日期", "２０２３-０９-３⁰", "应为日期"))),
    Case("huge_numbers.csv", errors=((2, "完成值", "9" * 308, "数值超出合理范围"),
                                     (3, "完成值", "9" * 400, "数值超出合理范围"),
                                     (4, "完成值", "-inf", "应为数字"),
                                     (5, "完成值", "nan", "应为数字"),
                                     (6, "完成值", "200000000000", "绝对值最多 1,000,000,000，即指标值的 100 万倍"))),
    Case("long_note.csv", errors=((2, "备注", "进展" * 10 + "…", "文字过长（6000 字），每格最多 5000 字"),
                                  (3, "备注", "x" * 20 + "…", "文字过长（140000 字）"))),
    Case("formula_without_value.xlsx", errors=((2, "完成值", "=50+10", "没有计算结果的公式"),)),
    Case("cell_errors.xlsx", errors=((2, "完成值", "#DIV/0!", "Excel 的错误值"), (3, "截至日期", "#REF!", "Excel 的错误值"),
                                     (4, "备注", "#N/A", "Excel 的错误值"))),
    Case("whole_grid.xlsx", errors=((1048576, "XFD", "x", "有内容的行超出上限（最多 5000 行）"),)),
    Case("ods_bomb.ods", errors=((1048576, "XFD", "x", "有内容的行超出上限（最多 5000 行）"),)),
    Case("billion_laughs.xlsx", errors=((None, None, None, "含有 XML 实体或外部引用"),)),
    Case("external_entity.xlsx", errors=((None, None, None, "含有 XML 实体或外部引用"),)),
    Case("malformed_sheet.xlsx", errors=((3, None, None, "内部 XML 在这一行附近已损坏"),)),
    # --- not a table at all: one message naming the kinds and how to save as one --------------------------------
    *(Case(name, errors=((None, None, None, "支持的格式：Excel 工作簿（.xlsx、.xls）、WPS 表格（.et）、OpenDocument 表格"
                                            "（.ods）、CSV"),)) for name in ("pdf_named.xlsx", "notice.doc")),
]


def _params(cases):
    return [pytest.param(c, id=c.id, marks=[pytest.mark.xfail(reason=c.bug, strict=True)] if c.bug else [])
            for c in cases]


def _place(row, column) -> tuple:
    return (row or 0, column or "")


def _check_problems(found, expected, file_name) -> None:
    """The problems sit exactly at the expected (row, column); each message names file, row, column, value, phrase."""
    assert sorted(_place(p.row, p.column) for p in found) == sorted(_place(r, c) for r, c, *_ in expected), \
        [p.message() for p in found]
    by_place = {_place(p.row, p.column): p for p in found}
    for row, column, value, phrase in expected:
        problem = by_place[_place(row, column)]
        message = problem.message()
        assert message.startswith(file_name), message
        assert row is None or f"第{row}行" in message, message
        assert not column or f"“{column}”列" in message, message
        assert (problem.value or "") == (value or ""), message
        assert not value or f"值“{value}”" in message, message
        assert phrase in message, message


def _rows(result) -> tuple[list, list]:
    targets = [(r.target_id, r.as_of, round(float(r.actual), 6)) for r in result.targets.itertuples(index=False)]
    tasks = [(int(r.task_id), r.as_of, r.state) for r in result.tasks.itertuples(index=False)]
    return targets, tasks


@pytest.mark.parametrize("case", _params(CASES))
def test_fixture_gets_the_answer_a_clerk_expects(plan, case):
    """Errors and warnings exactly where expected and fully worded; a valid file's rows parsed exactly."""
    data = (FIXTURES / case.file).read_bytes()
    result = ingest(plan, data, case.file, **{"today": TODAY, **case.kwargs})
    _check_problems(result.errors, case.errors, case.file)
    _check_problems(result.warnings, case.warnings, case.file)
    if not case.errors:
        assert _rows(result) == ([(t, d, float(v)) for t, d, v in case.targets], list(case.tasks))


# --- the command line, against a database that already holds one valid import --------------------------------


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _unit(case) -> list[str]:
    return ["--unit", case.kwargs["unit"]] if "unit" in case.kwargs else []


def _cli(cases) -> list:
    """Cases the CLI can reproduce: it always checks dates against the real today."""
    return _params(c for c in cases if set(c.kwargs) <= {"unit"})


@pytest.fixture
def db(capsys, tmp_path):
    """A database holding one valid import, then read by `status` so that it exists and is checkpointed."""
    path = tmp_path / "progress.db"
    baseline = tmp_path / "baseline.csv"
    baseline.write_text(BASELINE, encoding="utf-8")
    assert run(capsys, "import", baseline, "--db", path)[0] == 0
    assert run(capsys, "status", "--db", path, "--json")[0] == 0
    return path


# Comparing the .db bytes is sound here: each Store connection runs in WAL mode and the last one to close
# checkpoints the log into the file and deletes it, so after `status` the file holds everything; a refused
# import only reads (its migrate() transaction writes no page), which leaves every byte as it was.
@pytest.mark.parametrize("case", _cli(c for c in CASES if c.errors))
def test_cli_refuses_a_bad_file_and_leaves_the_database_untouched(capsys, db, case):
    """Exit 1, one printed line per error, and the database file byte for byte unchanged."""
    before = db.read_bytes()
    code, out, err = run(capsys, "import", FIXTURES / case.file, "--db", db, *_unit(case))
    assert code == 1, out + err
    assert len([line for line in out.splitlines() if line.startswith(case.file)]) == len(case.errors), out
    assert "数据库未作任何改动" in out
    assert db.read_bytes() == before


@pytest.mark.parametrize("case", _cli(c for c in CASES if not c.errors))
def test_cli_imports_a_good_file_and_status_shows_it(capsys, db, case):
    """Exit 0, and `status --json` shows each target's newest value and each task's state."""
    code, out, err = run(capsys, "import", FIXTURES / case.file, "--db", db, *_unit(case))
    assert code == 0 and "已导入为批次 2" in out, out + err
    status = json.loads(run(capsys, "status", "--db", db, "--as-of", "2023-12-31", "--json")[1])
    shown = {r["target_id"]: (r["reported_on"], r["actual"]) for r in status}
    newest = {}
    for target, as_of, actual in case.targets:
        newest[target] = max(newest.get(target, (as_of, actual)), (as_of, actual))
    assert {t: shown[t] for t in newest} == {t: (d.isoformat(), pytest.approx(v)) for t, (d, v) in newest.items()}
    assert shown["T03-1"] == ("2023-06-30", 12)  # the earlier import still counts
    tasks = json.loads(run(capsys, "status", "--tasks", "--db", db, "--as-of", "2023-12-31", "--json")[1])
    states = {r["task_id"]: r["state"] for r in tasks}
    assert {k: states[k] for k, _, _ in case.tasks} == {k: s for k, _, s in case.tasks}


def test_formula_like_notes_are_stored_exactly_as_written(capsys, plan, db):
    """Notes that look like spreadsheet formulas are plain text: stored unchanged, not refused, not escaped."""
    assert run(capsys, "import", FIXTURES / "formula_note.csv", "--db", db)[0] == 0
    store = Store(db)
    history = store.target_history(plan.id, ["T15-1", "T68-1", "T19-2"])
    assert dict(zip(history["target_id"], history["note"])) == {
        "T15-1": '=HYPERLINK("http://evil","click")',
        "T68-1": "+cmd|' /C calc'!A0",
        "T19-2": "@SUM(1+1)*cmd|' /C calc'!A0",
    }
    assert store.task_history(plan.id, 66)["progress"].tolist() == ["-2+3+cmd|' /C calc'!A0"]


# --- a 50 MB file: made here, never committed ------------------------------------------------------------------


def _huge_csv(tmp_path) -> Path:
    path = tmp_path / "huge.csv"
    row = b"T15-1,2023-09-30,60,padding padding padding\n"
    with path.open("wb") as out:
        out.write(b"target_id,as_of,actual,note\n")
        out.write(row * (50 * 2**20 // len(row)))
    return path


def test_a_50_mb_file_is_refused_by_size_without_being_parsed(plan, tmp_path, monkeypatch):
    """Over the limit: one file-level error naming the size and the limit; no CSV, XLSX or pandas reader runs."""
    def parse(*args, **kwargs):
        raise AssertionError("a file over the size limit must not be parsed")
    for name in ("tracker.ingest.validate", "tracker.readers.kind_of", "tracker.readers._xlsx_sheets",
                 "tracker.readers._csv_rows", "tracker.readers.csv.reader"):
        monkeypatch.setattr(name, parse)
    path = _huge_csv(tmp_path)
    result = tracker.ingest.ingest(plan, path.read_bytes(), path.name, today=TODAY)
    _check_problems(result.errors, [(None, None, None, "文件过大（50.0 MB），上限 20 MB")], "huge.csv")


def test_cli_refuses_a_50_mb_file_and_leaves_the_database_untouched(capsys, tmp_path, db):
    """The command line says the file is too large, exits 1 and changes nothing."""
    before = db.read_bytes()
    code, out, err = run(capsys, "import", _huge_csv(tmp_path), "--db", db)
    assert code == 1 and "文件过大" in out, out + err
    assert db.read_bytes() == before


# --- the fixtures themselves -------------------------------------------------------------------------------


def test_every_committed_fixture_is_in_the_table():
    """No fixture file lies unused, and none in the table is missing."""
    files = {p.name for p in FIXTURES.iterdir() if p.is_file() and p.suffix != ".py"}
    assert files == {c.file for c in CASES}


def test_committed_csv_fixtures_match_the_generator(monkeypatch):
    """The text fixtures are byte for byte what make_fixtures.py writes (XLSX carry timestamps, so not those)."""
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # leave no __pycache__ among the fixtures
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, (text, encoding) in module.CSV_FILES.items():
        assert (FIXTURES / name).read_bytes() == text.encode(encoding), name
