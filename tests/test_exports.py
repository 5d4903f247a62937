"""The meeting pack: the PowerPoint deck and the Excel ledger, opened and checked as Office would read them."""
import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE

from tracker import deck
from tracker.cli import main
from tracker.exports import ledger_xlsx, plain_xlsx, safe_text
from tracker.pptx import FONT, to_pptx
from tracker.snapshot import take


@pytest.fixture
def snapshot(plan, sample_store):
    return take(plan, sample_store)


@pytest.fixture
def pptx(plan, snapshot, sample_store):
    slides = deck.build(snapshot, take(plan, sample_store, date(2023, 6, 30)))
    return slides, Presentation(io.BytesIO(to_pptx(plan, slides, snapshot.as_of)))


def _texts(slide):
    return [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]


def test_the_deck_has_title_overview_chapters_units_warnings_and_changes(pptx, plan):
    slides, presentation = pptx
    keys = [s.key for s in slides]
    assert keys[:2] == ["title", "overview"]
    assert [k for k in keys if k.startswith("chapter-")] == [f"chapter-{c}" for c in range(1, 13)]
    lead_units = {u for units in plan.tasks["lead_list"] for u in units}
    assert {k[5:] for k in keys if k.startswith("unit-")} == lead_units
    assert keys[-1] == "changes" and any(k.startswith("warnings-") for k in keys)
    assert len(presentation.slides) == len(slides)
    title = _texts(presentation.slides[0])
    assert plan.title in title and "临东政办字〔2023〕19号" in title and "统计截至 2023年09月30日" in title


def test_every_slide_carries_its_title_and_the_as_of_date(pptx):
    slides, presentation = pptx
    for item, slide in list(zip(slides, presentation.slides))[1:]:
        texts = _texts(slide)
        assert item.title in texts
        assert any("统计截至 2023-09-30" in t for t in texts)


def test_charts_are_native_with_the_right_values(pptx, snapshot):
    slides, presentation = pptx
    overview = presentation.slides[1]
    charts = {shape.chart.chart_type: shape.chart for shape in overview.shapes if shape.has_chart}
    assert set(charts) == {XL_CHART_TYPE.DOUGHNUT, XL_CHART_TYPE.BAR_CLUSTERED}
    doughnut = charts[XL_CHART_TYPE.DOUGHNUT]
    assert list(doughnut.plots[0].categories) == ["已完成", "正常推进", "进度滞后", "严重滞后", "未上报"]
    assert list(doughnut.plots[0].series[0].values) == [19, 20, 11, 7, 6]
    bars = charts[XL_CHART_TYPE.BAR_CLUSTERED]
    chapters = slides[1].bars.iloc[::-1]
    assert list(bars.plots[0].categories) == [f"{label}（未上报）" if v != v else label
                                              for label, v in zip(chapters["label"], chapters["avg_completion"])]
    assert "8. 纵深推进改革开放（未上报）" in list(bars.plots[0].categories)
    assert list(bars.plots[0].series[0].values) == [None if v != v else pytest.approx(v, abs=1e-4)
                                                    for v in chapters["avg_completion"]]


def test_bar_charts_carry_the_time_progress_line_over_their_plot_area(pptx, snapshot):
    from tracker.pptx import PLOT_AREA
    slides, presentation = pptx
    overview = presentation.slides[1]
    frame = next(shape for shape in overview.shapes if shape.has_chart
                 and shape.chart.chart_type == XL_CHART_TYPE.BAR_CLUSTERED)
    line = next(shape for shape in overview.shapes if shape.name == "时序进度")
    # at 75% of the way across the plot area, from its top to its bottom
    assert line.begin_x == line.end_x == pytest.approx(
        frame.left + frame.width * (PLOT_AREA["x"] + PLOT_AREA["w"] * snapshot.time_progress), abs=2)
    assert line.begin_y == pytest.approx(frame.top + frame.height * PLOT_AREA["y"], abs=2)
    assert "时序进度 75%" in _texts(overview)
    assert 'layoutTarget val="inner"' in frame.chart._chartSpace.xml
    doughnut_only = [s for s, item in zip(presentation.slides, slides) if item.bars is None]
    assert not any(shape.name == "时序进度" for slide in doughnut_only for shape in slide.shapes)


def test_warning_tables_colour_the_status_cells(pptx):
    slides, presentation = pptx
    i = next(n for n, s in enumerate(slides) if s.key == "warnings-1")
    table = next(shape.table for shape in presentation.slides[i].shapes if shape.has_table)
    header = [cell.text for cell in table.rows[0].cells]
    status = header.index("状态")
    cells = [row.cells[status] for row in list(table.rows)[1:]]
    assert {c.text for c in cells} <= {"进度滞后", "严重滞后"}
    assert all(str(c.fill.fore_color.rgb) in ("D97706", "DC2626") for c in cells)


def test_unit_slides_chart_each_target_it_leads(pptx):
    slides, presentation = pptx
    i = next(n for n, s in enumerate(slides) if s.key == "unit-区民政局")
    chart = next(shape.chart for shape in presentation.slides[i].shapes if shape.has_chart)
    assert [c.split(" ")[0] for c in chart.plots[0].categories] == ["T68-1", "T67-1", "T66-2", "T66-1"]


def test_text_names_a_font_found_on_government_pcs(pptx):
    _, presentation = pptx
    runs = [run for slide in presentation.slides for shape in slide.shapes if shape.has_text_frame
            for paragraph in shape.text_frame.paragraphs for run in paragraph.runs]
    assert runs and all(run.font.name == FONT for run in runs)
    xml = presentation.slides[1].shapes[0].text_frame._txBody.xml
    assert f'<a:ea typeface="{FONT}"/>' in xml


def test_speaker_notes_give_the_numbers_behind_each_chart(pptx):
    slides, presentation = pptx
    notes = presentation.slides[1].notes_slide.notes_text_frame.text
    assert "量化指标63个" in notes and "已完成：19个" in notes and "1. 积极培育现代产业体系：" in notes
    i = next(n for n, s in enumerate(slides) if s.key == "unit-区民政局")
    assert "T68-1 特殊困难老年人家庭适老化改造：" in presentation.slides[i].notes_slide.notes_text_frame.text


def test_the_ledger_has_its_sheets_with_real_dates_numbers_and_colours(snapshot, sample_store, plan):
    book = load_workbook(io.BytesIO(ledger_xlsx(snapshot, sample_store.batches(plan.id), per_unit=True)))
    assert book.sheetnames[:2] == ["任务台账", "指标台账"] and book.sheetnames[-1] == "上报批次"
    assert "区民政局" in book.sheetnames
    targets = book["指标台账"]
    header = [c.value for c in targets[1]]
    row = {name: cell for name, cell in zip(header, targets[2])}
    assert row["指标编号"].value == "T03-1" and row["目标值"].value == 20 and row["完成值"].value == 22
    assert isinstance(row["截止日期"].value, datetime) and row["截止日期"].number_format == "yyyy-mm-dd"
    assert row["完成率"].value == pytest.approx(1.1) and row["完成率"].number_format == "0%"
    assert row["状态"].value == "已完成" and row["状态"].fill.fgColor.rgb.endswith("DCFCE7")
    assert targets.freeze_panes == "A2" and targets.auto_filter.ref
    tasks = book["任务台账"]
    header = [c.value for c in tasks[1]]
    assert header[:6] == ["序号", "章", "任务", "牵头单位", "参与单位", "状态"]
    assert "示例：总部经济企业认定标准尚未出台" in [c.value for c in tasks["J"]]
    batches = book["上报批次"]
    assert [c.value for c in batches[2]][2] == "progress_sample.csv"
    assert isinstance(batches["B2"].value, datetime) and batches["B2"].number_format == "yyyy-mm-dd hh:mm"
    assert batches["A1"].value == "批次" and batches["B1"].value == "导入时间"


def test_the_target_sheet_carries_the_latest_reports_note(plan, store):
    import pandas as pd
    for day, note in ((date(2023, 8, 31), "旧说明"), (date(2023, 9, 30), "项目审批延后，10月开工")):
        store.add_batch(plan.id, f"{day}.csv", str(day), pd.DataFrame(
            [("T15-1", day, 10.0, note)], columns=["target_id", "as_of", "actual", "note"]), None)
    sheet = load_workbook(io.BytesIO(ledger_xlsx(take(plan, store, date(2023, 9, 30)), store.batches(plan.id))))["指标台账"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "T15-1")
    assert row[header.index("备注")].value == "项目审批延后，10月开工"


def test_every_lead_unit_of_a_task_or_a_target_gets_a_sheet_with_its_tasks_and_targets(snapshot, sample_store, plan):
    book = load_workbook(io.BytesIO(ledger_xlsx(snapshot, sample_store.batches(plan.id), per_unit=True)))
    leads = {u for column in (plan.tasks["lead_list"], plan.targets["lead_list"]) for units in column for u in units}
    assert set(book.sheetnames) == leads | {"任务台账", "指标台账", "上报批次"}
    commerce = book["区商务局"]
    header = [c.value for c in commerce[1]]
    rows = [{name: c.value for name, c in zip(header, r)} for r in commerce.iter_rows(min_row=2)]
    led = plan.tasks[plan.tasks["lead_list"].map(lambda units: "区商务局" in units)]
    assert [r["任务序号"] for r in rows if r["指标编号"] is None] == led["task_id"].tolist() and len(led) == 10
    assert {r["指标编号"] for r in rows if r["指标编号"]} == set(
        plan.targets[plan.targets["lead_list"].map(lambda units: "区商务局" in units)]["target_id"])
    assert all(r["状态"] for r in rows)
    welfare = [[c.value for c in r][:2] for r in book["区民政局"].iter_rows(min_row=2)]
    assert welfare[:3] == [[66, None], [66, "T66-1"], [66, "T66-2"]]


def test_the_ledger_is_set_up_to_print(snapshot, sample_store, plan):
    book = load_workbook(io.BytesIO(ledger_xlsx(snapshot, sample_store.batches(plan.id), per_unit=True)))
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_title_rows == "$1:$1"
        assert sheet.oddHeader.left.text == plan.title and sheet.oddHeader.right.text == "统计截至 2023-09-30"
        assert "&P" in sheet.oddFooter.center.text and "&N" in sheet.oddFooter.center.text
    tasks = book["任务台账"]
    header = [c.value for c in tasks[1]]
    text = header.index("任务内容")
    long_row = max(tasks.iter_rows(min_row=2), key=lambda r: len(r[text].value))
    assert long_row[text].alignment.wrap_text and long_row[text].alignment.vertical == "top"
    assert tasks.column_dimensions[chr(ord("A") + text)].width == 60
    assert tasks.row_dimensions[long_row[0].row].height >= 15 * len(long_row[text].value) * 2 // 58
    assert tasks.column_dimensions["A"].width == 8 and not tasks["A2"].alignment.wrap_text


def _pdf(soffice, path):
    """The file printed to PDF by LibreOffice (tests/conftest.py: soffice), as pdfplumber reads it."""
    import subprocess
    import pdfplumber
    done = subprocess.run([soffice, f"-env:UserInstallation=file://{path.parent}/profile", "--headless",
                           "--convert-to", "pdf", "--outdir", str(path.parent), str(path)],
                          capture_output=True, timeout=300)
    assert done.returncode == 0 and path.with_suffix(".pdf").exists(), done.stderr
    return pdfplumber.open(path.with_suffix(".pdf"))


def test_the_ledger_prints_on_few_landscape_pages_with_the_header_row_and_the_plan_on_each(
        soffice, snapshot, sample_store, plan, tmp_path):
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(ledger_xlsx(snapshot, sample_store.batches(plan.id), per_unit=True))
    with _pdf(soffice, path) as pdf:
        assert all(page.width > page.height for page in pdf.pages)
        tops = [page.crop((0, 0, page.width, 90)).extract_text() for page in pdf.pages]
        feet = [page.crop((0, page.height - 50, page.width, page.height)).extract_text() for page in pdf.pages]
    sheets = [foot.split()[0] for foot in feet]
    units = load_workbook(path).sheetnames[2:-1]
    assert all(f"共 {len(feet)} 页" in foot for foot in feet)
    assert all(plan.title in top and "统计截至 2023-09-30" in top for top in tops)
    first_and_last = {"任务台账": ("序号", "任务内容"), "指标台账": ("指标编号", "原文"), "上报批次": ("批次", "撤销时间")}
    for top, sheet in zip(tops, sheets):
        first, last = first_and_last.get(sheet, ("任务序号", "备注"))
        assert first in top and last in top, sheet  # one page wide, with the header row on every page
    # 37 portrait pages before (154 with a sheet per unit), columns split over pages
    assert sheets.count("任务台账") <= 6 and sheets.count("指标台账") <= 3 and sheets.count("上报批次") == 1
    assert list(dict.fromkeys(s for s in sheets if s in units)) == units
    assert all(sheets.count(unit) <= 2 for unit in units)


@pytest.mark.parametrize("text, stored", [
    ("=HYPERLINK(\"http://evil\",\"x\")", "'=HYPERLINK(\"http://evil\",\"x\")"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("正常文本", "正常文本"), (42, 42),
])
def test_formula_like_text_is_written_as_text(text, stored):
    assert safe_text(text) == stored
    import pandas as pd
    sheet = load_workbook(io.BytesIO(plain_xlsx({"s": pd.DataFrame({"note": [text]})})))["s"]
    assert sheet["A2"].value == stored and sheet["A2"].data_type != "f"


def test_a_formula_note_in_a_report_stays_text_in_the_ledger(plan, store, tmp_path):
    import pandas as pd
    store.add_batch(plan.id, "a.csv", "sha", pd.DataFrame([("T15-1", date(2023, 9, 30), 60.0, "x")],
                                                          columns=["target_id", "as_of", "actual", "note"]),
                    pd.DataFrame([(2, date(2023, 9, 30), "in_progress", "=HYPERLINK(\"http://evil\")", "", "")],
                                 columns=["task_id", "as_of", "state", "progress", "problems", "next_steps"]))
    book = load_workbook(io.BytesIO(ledger_xlsx(take(plan, store), store.batches(plan.id))))
    cell = next(c for c in book["任务台账"]["I"] if c.value and "HYPERLINK" in str(c.value))
    assert cell.value.startswith("'=") and cell.data_type == "s"


def test_export_command_writes_both_packs(capsys, tmp_path):
    db = tmp_path / "p.db"
    assert main(["sample", "load", "--db", str(db)]) == 0
    assert main(["export", "--format", "pptx", "--db", str(db), "--since", "2023-06-30",
                 "--out", str(tmp_path / "deck.pptx")]) == 0
    assert main(["export", "--format", "xlsx", "--db", str(db), "--as-of", "2023-06-30",
                 "--out", str(tmp_path / "ledger.xlsx")]) == 0
    assert len(Presentation(str(tmp_path / "deck.pptx")).slides) > 50
    assert load_workbook(tmp_path / "ledger.xlsx")["指标台账"]["I2"].value.date() == date(2023, 6, 30)


def test_the_warnings_and_chase_workbooks_have_typed_columns_and_chinese_headings(snapshot):
    from tracker import chase, views
    from tracker.exports import chase_xlsx, warnings_xlsx

    behind = views.behind(snapshot, None)
    book = load_workbook(io.BytesIO(warnings_xlsx(behind, views.tasks_behind(snapshot, None))))
    assert book.sheetnames == ["滞后指标", "滞后任务"]
    sheet = book["滞后指标"]
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["指标编号", "任务序号", "指标", "状态", "落后进度", "完成值"]
    assert sheet.max_row == len(behind) + 1
    first = {name: cell for name, cell in zip(header, sheet[2])}
    assert first["指标编号"].value == behind["target_id"].iloc[0]
    assert isinstance(first["完成值"].value, (int, float)) and isinstance(first["还差"].value, (int, float))
    assert first["落后进度"].number_format == "0%" and 0 < first["落后进度"].value <= 1
    assert first["计量单位"].value == behind["unit"].iloc[0]
    assert isinstance(first["上报日期"].value, datetime)
    assert first["状态"].fill.fgColor.rgb.endswith(("FEF3C7", "FEE2E2"))  # lagging or severe colour
    since = date(2023, 9, 1)
    book = load_workbook(io.BytesIO(chase_xlsx(chase.units(snapshot, since), chase.overdue(snapshot, since))))
    units, items = book["催办单位"], book["未上报事项"]
    assert [c.value for c in units[1]] == ["单位", "牵头事项数", "未报事项数", "最近上报", "全部未报"]
    assert [c.value for c in items[1]] == ["单位", "任务序号", "指标编号", "事项", "最近上报"]
    assert all(isinstance(row[1].value, int) for row in units.iter_rows(min_row=2))
