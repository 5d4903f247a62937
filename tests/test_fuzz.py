"""Fuzzing the readers (issue 12 item 9): every input is refused with messages or imported faithfully, never an
exception, and each within a deadline.

Runs about 100 examples per test (profile "ci"); `HYPOTHESIS_PROFILE=thorough` runs 2,000. An input that raises is
saved under tests/fixtures/fuzz/ before the failure is reported: commit it there, and test_the_fuzz_corpus_replays
keeps it answered for good.
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
import time
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from tracker.ingest import ingest
from tracker.plan import load_plan

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = FIXTURES / "fuzz"
TODAY = date(2026, 11, 30)
DEADLINE = timedelta(seconds=3)  # the slowest example seen takes well under a second; CI shares two cores
settings.register_profile("ci", max_examples=100, deadline=DEADLINE, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=2000, deadline=DEADLINE, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

PLAN = load_plan()
# Count targets (not rates, not growths): any whole number up to a million times the target is a faithful value.
COUNTS = PLAN.targets[(PLAN.targets["unit"].isin(["家", "个", "户", "人", "项", "所"]))
                      & (PLAN.targets["target_value"] >= 1)].reset_index(drop=True)
HEADERS = {"target_id": ("target_id", "指标编号", "指标编号*"), "as_of": ("as_of", "截至日期", "统计日期"),
           "actual": ("actual", "完成值", "累计完成"), "note": ("note", "备注", "进展情况")}
NOTE_CHARACTERS = st.sampled_from(list("进展顺利已完成认定家，。、；“”（）\"',\n\r\t 　abcXYZ0123=+-@#%") + ["\u2028"])


def _answered(data: bytes, name: str):
    """Ingest within the deadline; an exception saves the input to the corpus, then fails the test."""
    started = time.perf_counter()
    try:
        result = ingest(PLAN, data, name, today=TODAY)
    except Exception:
        CORPUS.mkdir(exist_ok=True)
        (CORPUS / f"{hashlib.sha256(data).hexdigest()[:12]}{Path(name).suffix}").write_bytes(data)
        raise
    assert time.perf_counter() - started < DEADLINE.total_seconds()
    for problem in result.problems:
        assert problem.file == name and problem.expected and problem.message().startswith(name)
    if not result.ok:
        assert result.targets.empty or result.errors  # refused: the rows are never stored (the caller checks ok)
    return result


# --- any bytes --------------------------------------------------------------------------------------------------


@given(st.binary(max_size=3000), st.sampled_from(["报表.csv", "报表.xlsx", "报表.txt", "报表.xls", "报表.ods"]))
def test_any_bytes_are_answered(data, name):
    _answered(data, name)


def _simple_xlsx() -> bytes:
    book = Workbook()
    for row in (["指标编号", "截至日期", "完成值", "备注"], ["T15-1", datetime(2023, 9, 30), 60, "已认定"],
                ["T68-1", "2023-09-30", 120, None]):
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


XLSX = _simple_xlsx()
XLSX_MEMBERS = _members(XLSX)


WORKBOOKS = {"报表.xlsx": XLSX, "报表.xls": (FIXTURES / "office_report.xls").read_bytes(),
             "报表.ods": (FIXTURES / "office_report.ods").read_bytes()}


@pytest.mark.parametrize("name", sorted(WORKBOOKS))
@given(patches=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.binary(min_size=1, max_size=8)),
                        min_size=1, max_size=6))
def test_a_workbook_with_bytes_overwritten_is_answered(name, patches):
    data = bytearray(WORKBOOKS[name])
    for at, chunk in patches:
        start = int(at * len(data))
        data[start:start + len(chunk)] = chunk
    _answered(bytes(data), name)


@given(st.sampled_from(sorted(XLSX_MEMBERS)), st.data())
def test_an_xlsx_with_one_part_mangled_is_answered(member, data):
    """Each XML part cut short, spliced or replaced by random text, inside a valid zip."""
    original = XLSX_MEMBERS[member]
    cut = data.draw(st.integers(0, len(original)))
    insert = data.draw(st.binary(max_size=40) | st.sampled_from(
        [b"<!DOCTYPE x [<!ENTITY e 'x'>]>", b"&e;", b"<row r='-1'>", b"<c r='ZZZZ9'><v>1</v></c>", b"</sheetData>",
         b"<c t='e'><v>#DIV/0!</v></c>", b"<c t='s'><v>99</v></c>", b"<c t='d'><v>x</v></c>", b"\xff\xfe"]))
    _answered(_zipped({**XLSX_MEMBERS, member: original[:cut] + insert + original[cut:]}), "报表.xlsx")


# --- structured files: faithful when valid -------------------------------------------------------------------


@st.composite
def reports(draw):
    """Rows for distinct count targets: (target_id, as_of, value, note) with the note as typed."""
    indices = draw(st.lists(st.integers(0, len(COUNTS) - 1), min_size=1, max_size=8, unique=True))
    rows = []
    for i in indices:
        target = COUNTS.iloc[i]
        value = draw(st.integers(0, int(min(1e6 * target["target_value"], 1e9))))
        as_of = draw(st.dates(date(2023, 1, 1), date(2023, 12, 31)))
        note = draw(st.text(NOTE_CHARACTERS, max_size=30))
        rows.append((target["target_id"], target["unit"], as_of, value, note))
    return rows


DATE_FORMATS = (lambda d: d.isoformat(), lambda d: f"{d.year}/{d.month}/{d.day}", lambda d: f"{d.year}年{d.month}月{d.day}日",
                lambda d: d.strftime("%Y%m%d"), lambda d: str((d - date(1899, 12, 30)).days))
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
NUMBER_FORMATS = (str, lambda v: f"{v:,}", lambda v: str(v).translate(FULL_WIDTH), lambda v: f" {v} ")


def _expected(rows) -> list[tuple]:
    return [(tid, as_of, float(value), note.strip()) for tid, _, as_of, value, note in rows]


def _got(result) -> list[tuple]:
    return [(r.target_id, r.as_of, r.actual, r.note) for r in result.targets.itertuples(index=False)]


@given(reports(), st.data())
def test_a_valid_csv_is_imported_faithfully_whatever_its_quoting_and_encoding(rows, data):
    encoding = data.draw(st.sampled_from(["utf-8", "utf-8-sig", "gbk", "utf-16"]))
    delimiter = "\t" if encoding == "utf-16" else data.draw(st.sampled_from([",", "\t"]))
    quoting = data.draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]))
    line_end = data.draw(st.sampled_from(["\r\n", "\n"]))
    if quoting == csv.QUOTE_MINIMAL and any("\r" in row[-1] for row in rows):
        quoting = csv.QUOTE_ALL  # the writer leaves a lone CR unquoted when lines end in LF: no reader can tell
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, quoting=quoting, lineterminator=line_end)
    writer.writerow([data.draw(st.sampled_from(HEADERS[key])) for key in HEADERS])
    for tid, unit, as_of, value, note in rows:
        number = data.draw(st.sampled_from(NUMBER_FORMATS))(value) + data.draw(st.sampled_from(["", unit]))
        writer.writerow([tid, data.draw(st.sampled_from(DATE_FORMATS))(as_of), number, note])
    text = buffer.getvalue()
    if encoding == "gbk" and any(c in text for c in "\u2028"):
        text = text.replace("\u2028", " ")  # GBK has no line separator
        rows = [(t, u, d, v, n.replace("\u2028", " ")) for t, u, d, v, n in rows]
    result = _answered(text.encode(encoding), "报表.csv")
    assert result.ok, [p.message() for p in result.errors]
    assert _got(result) == _expected(rows)


@given(reports(), st.data())
def test_a_valid_xlsx_is_imported_faithfully_whatever_it_declares(rows, data):
    book = Workbook()
    sheet = book.active
    sheet.append([data.draw(st.sampled_from(HEADERS[key])) for key in HEADERS])
    for tid, _, as_of, value, note in rows:
        when = data.draw(st.sampled_from([datetime.combine(as_of, datetime.min.time()), as_of.isoformat(),
                                          f"{as_of.year}年{as_of.month}月{as_of.day}日"]))
        number = data.draw(st.sampled_from([value, float(value), str(value)]))
        sheet.append([tid, when, number, note or None])
        sheet.cell(sheet.max_row, 4).data_type = "s"  # a note typed as "=0" is text, as Excel keeps it with a quote
    buffer = io.BytesIO()
    book.save(buffer)
    members = _members(buffer.getvalue())
    dimension = data.draw(st.sampled_from(["A1", "A1:D2", "A1:XFD1048576", "B7:C3", "A0:A", "ZZZZ1"]))
    sheet_xml = members["xl/worksheets/sheet1.xml"].decode()
    start = sheet_xml.index("<dimension ref=\"") + len("<dimension ref=\"")
    members["xl/worksheets/sheet1.xml"] = (sheet_xml[:start] + dimension + sheet_xml[sheet_xml.index("\"", start):]).encode()
    result = _answered(_zipped(members), "报表.xlsx")
    assert result.ok, [p.message() for p in result.errors]
    # openpyxl writes text as it is; Excel keeps a lone CR as _x000D_, which reads back as CR as well
    assert _got(result) == _expected(rows)


# --- the corpus of what fuzzing found -------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*")) if CORPUS.exists() else [], ids=lambda p: p.name)
def test_the_fuzz_corpus_replays(path):
    """Each input fuzzing once found to raise is now answered, within the deadline."""
    _answered(path.read_bytes(), path.name)
