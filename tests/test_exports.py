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
    import pandas as pd
    slides, presentation = pptx
    keys = [s.key for s in slides]
    assert keys[:2] == ["title", "overview"]
    assert [k for k in keys if k.startswith("chapter-") and k.count("-") == 1] == [f"chapter-{c}" for c in range(1, 13)]
    measuring = {u for units in plan.targets["lead_list"] for u in units}
    assert {k[5:].rsplit("-", 1)[0] if k[-2] == "-" else k[5:] for k in keys if k.startswith("unit-")} == measuring
    gathered = pd.concat([s.table for s in slides if s.key.startswith("units-tasks-only-")])
    lead_units = {u for units in plan.tasks["lead_list"] for u in units}
    assert {u for units in gathered["牵头单位"] for u in units.split("、")} >= lead_units - measuring
    assert keys[-1] == "changes" and any(k.startswith("warnings-") for k in keys)
    assert len(presentation.slides) == len(slides)
    title = _texts(presentation.slides[0])
    assert plan.title in title and "临东政办字〔2023〕19号" in title and "统计截至 2023年09月30日" in title


def test_no_slide_has_more_bars_than_keep_a_label_and_no_task_is_listed_twice(pptx):
    slides, _ = pptx
    bars = [len(s.bars) for s in slides if s.bars is not None and s.key != "overview"]
    assert max(bars) <= deck.BARS_PER_SLIDE and any(s.key.endswith("-2") for s in slides), bars
    tables = [s.table for s in slides if s.key.startswith("units-tasks-only-")]
    listed = [k for table in tables for k in table["序号"]]
    assert len(listed) == len(set(listed)), listed


def test_completion_over_100_is_shown_as_it_is_with_the_bar_stopped_at_the_axis(snapshot):
    import pandas as pd
    from pptx.util import Pt

    from tracker import charts
    from tracker.pptx import LABEL_PT
    bars = pd.DataFrame({"label": ["T01-1 a", "T01-2 b"], "avg_completion": [1.1, 0.5],
                         "status": ["completed", "lagging"], "expected": [0.75, 0.75]})
    figure = charts.completion_bars(bars, "label", 0.75, "指标完成率")
    assert list(figure.data[0].text)[::-1] == ["110%", "50%"] and max(figure.data[0].x) <= charts.AXIS_MAX
    slide = deck.Slide("unit-x", "x", bars=bars, bars_title="牵头指标完成率", time_progress=0.75)
    shown = Presentation(io.BytesIO(to_pptx(snapshot.plan, [slide], snapshot.as_of))).slides[0]
    chart = next(shape.chart for shape in shown.shapes if shape.has_chart)
    assert list(chart.plots[0].series[0].values)[::-1] == [1.0, 0.5]
    assert chart.plots[0].series[0].points[1].data_label.text_frame.text == "110%"
    assert chart.font.size == Pt(LABEL_PT) >= Pt(14) and chart.plots[0].data_labels.font.size >= Pt(14)


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
    import pdfplumber
    return pdfplumber.open(soffice(path))


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
    assert len(Presentation(str(tmp_path / "deck.pptx")).slides) > 40
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


def test_the_deck_carries_the_plan_the_office_and_the_real_time_with_no_template_leftovers(plan, snapshot, pptx):
    import zipfile
    slides, _ = pptx
    now = datetime(2023, 10, 8, 9, 30)
    data = to_pptx(plan, slides, snapshot.as_of, now=now)
    props = Presentation(io.BytesIO(data)).core_properties
    assert (props.title, props.author, props.last_modified_by) == (plan.title, "河东区人民政府办公室",
                                                                   "河东区人民政府办公室")
    assert props.created == props.modified == now and props.revision == 1 and props.language == "zh-CN"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        app = archive.read("docProps/app.xml").decode()
        package = archive.read("[Content_Types].xml").decode() + archive.read("_rels/.rels").decode()
        presentation = archive.read("ppt/presentation.xml").decode()
    assert not [n for n in names if "thumbnail" in n or "printerSettings" in n]
    assert "thumbnail" not in package and "printerSettings" not in package
    assert "<PresentationFormat>宽屏</PresentationFormat>" in app and "4:3" not in app
    assert f"<Slides>{len(slides)}</Slides>" in app and "<Company>河东区人民政府办公室</Company>" in app
    assert '<p:sldSz cx="12192000" cy="6858000"/>' in presentation  # 16:9, no screen4x3 left
    assert "Steve Canny" not in str(data) and "python-pptx" not in app


def test_the_decks_master_and_layouts_are_16_9_too(pptx):
    _, presentation = pptx
    width = presentation.slide_width
    assert width * 9 == presentation.slide_height * 16
    for part in [presentation.slide_master, *presentation.slide_layouts]:
        right = max(shape.left + shape.width for shape in part.placeholders)
        assert width * 0.9 < right <= width, part.name  # stretched to the slide, not left at 10 in


@pytest.mark.parametrize("meta, chosen, author", [
    ({"issuer": "河东区人民政府办公室"}, None, "河东区人民政府办公室"),
    ({"issuer": "河东区人民政府办公室", "office_name": "区委区政府督查室"}, None, "区委区政府督查室"),
    ({"issuer": "河东区人民政府办公室"}, "区督考办", "区督考办"),
    ({}, None, "督办室"), ({"issuer": "  "}, "", "督办室"),
])
def test_the_office_named_as_author(meta, chosen, author):
    from tracker.settings import office_name
    assert office_name(meta, chosen) == author


def test_export_names_the_office_given_as_author_of_deck_and_ledger(tmp_path, capsys):
    db = tmp_path / "p.db"
    assert main(["sample", "load", "--db", str(db)]) == 0
    for kind in ("pptx", "xlsx"):
        out = tmp_path / f"pack.{kind}"
        assert main(["export", "--format", kind, "--db", str(db), "--office", "区督考办", "--out", str(out)]) == 0
    assert Presentation(str(tmp_path / "pack.pptx")).core_properties.author == "区督考办"
    book = load_workbook(tmp_path / "pack.xlsx")
    assert book.properties.creator == "区督考办" and book.properties.title.startswith("河东区")


def test_the_sample_warning_stands_first_and_red_on_every_slide(pptx):
    from tracker.deck import SAMPLE_WARNING
    _, presentation = pptx
    for slide in presentation.slides:
        first = slide.shapes[0]
        run = first.text_frame.paragraphs[0].runs[0]
        assert first.text_frame.text == SAMPLE_WARNING and str(run.font.color.rgb) == "B91C1C" and run.font.bold
        assert first.top < min(shape.top for shape in list(slide.shapes)[1:])


def test_a_deck_of_real_reports_carries_no_sample_warning(plan, store):
    import pandas as pd
    store.add_batch(plan.id, "a.csv", "sha", pd.DataFrame([("T15-1", date(2023, 9, 30), 60.0, "")],
                                                          columns=["target_id", "as_of", "actual", "note"]), None)
    now = take(plan, store, date(2023, 9, 30))
    presentation = Presentation(io.BytesIO(to_pptx(plan, deck.build(now), now.as_of)))
    assert not any("示例数据" in text for slide in presentation.slides for text in _texts(slide))


def test_chapters_and_units_without_targets_are_listed_on_the_chapter_chart_slide(pptx, plan):
    slides, presentation = pptx
    text = "\n".join(_texts(presentation.slides[1]))
    tasks, targets = plan.tasks, plan.targets
    for chapter in sorted(set(tasks["chapter"]) - set(targets["chapter"])):
        title = tasks[tasks["chapter"] == chapter]["chapter_title"].iloc[0]
        assert f"第{chapter}章 {title}（{(tasks['chapter'] == chapter).sum()}项任务）" in text
    leading = {u for units in targets["lead_list"] for u in units}
    untargeted = {u for units in tasks["lead_list"] for u in units} - leading
    assert untargeted and "区商务局（10项任务）" in text
    assert all(f"{unit}（" in text for unit in untargeted) and slides[1].aside in slides[1].notes


def test_level_targets_are_marked_at_100_percent_and_cumulative_ones_at_time_progress(pptx, snapshot):
    from tracker.pptx import PLOT_AREA
    slides, presentation = pptx
    i = next(n for n, s in enumerate(slides) if s.key == "unit-区民政局")
    slide = presentation.slides[i]
    frame = next(shape for shape in slide.shapes if shape.has_chart)
    marks = [shape for shape in slide.shapes if shape.name == "应达进度"]
    categories = list(frame.chart.plots[0].categories)  # bottom first, as the marks are drawn
    assert len(marks) == len(categories) and not any(shape.name == "时序进度" for shape in slide.shapes)
    kinds = snapshot.targets.set_index("target_id")["kind"]
    x_at = lambda share: frame.left + frame.width * (PLOT_AREA["x"] + PLOT_AREA["w"] * share)  # noqa: E731
    for category, mark in zip(categories, sorted(marks, key=lambda m: -m.begin_y)):
        level = kinds[category.split(" ")[0]] == "level"
        assert mark.begin_x == pytest.approx(x_at(1.0 if level else snapshot.time_progress), abs=2), category
    assert {kinds[c.split(" ")[0]] for c in categories} == {"level", "cumulative"}
    assert any("水平类＝100%" in text for text in _texts(slide))


def test_web_bars_of_targets_mark_each_where_it_is_due_and_gauges_of_level_targets_at_100(snapshot):
    from tracker import charts
    frame = deck.build(snapshot)[2].bars.assign(expected=[1.0] + [0.75] * (len(deck.build(snapshot)[2].bars) - 1))
    figure = charts.completion_bars(frame, "label", 0.75, "指标完成率")
    marks = figure.data[1]
    assert list(marks.x)[::-1][0] == 100 and set(list(marks.x)[::-1][1:]) == {75}
    assert not figure.layout.shapes and any("水平类＝100%" in (trace.name or "") for trace in figure.data)
    targets = snapshot.targets.assign(completion=0.5)
    gauges = charts.gauge_grid(targets)
    for gauge, expected in zip(gauges.data, targets["expected"]):
        assert gauge.gauge.threshold.value == pytest.approx(expected * 100)


def test_group_bars_draw_the_mark_their_colour_was_judged_against_and_a_legend_of_the_colours():
    import pandas as pd

    from tracker import charts
    from tracker.settings import resolve
    from tracker.status import target_status
    groups = pd.DataFrame({"unit": ["区民政局", "区商务局"], "avg_completion": [0.87, 0.72],
                           "avg_expected": [0.95, 0.75]})
    groups["status"] = [target_status(d, e, False) for d, e in zip(groups["avg_completion"], groups["avg_expected"])]
    figure = charts.completion_bars(groups, "unit", 0.75, "各单位")
    bars, marks = figure.data[0], figure.data[1]
    for y, x, colour in zip(bars.y, bars.x, bars.marker.color):
        due = dict(zip(marks.y, marks.x))[y]
        behind = colour in (charts.STATUS_COLORS["lagging"], charts.STATUS_COLORS["severe"])
        # orange or red only where the bar stops short of its mark by more than the tolerance
        assert behind == (x < due - resolve(None)["tolerance"] * 100 - 1e-6), (y, x, due, colour)
    legend = {trace.name for trace in figure.data if trace.showlegend}
    assert {"进度滞后", "正常推进"} <= legend and any("红线" in name for name in legend)


@pytest.mark.parametrize("rows, size, parts", [(4, 14, 1), (7, 12, 1), (40, 10, 5)])
def test_a_table_shrinks_then_goes_on_over_slides_with_every_row_fitting(rows, size, parts):
    import pandas as pd
    from pptx.util import Inches

    from tracker.pptx import _column_widths, _row_heights, fit_table
    units = "区住房和城乡建设局、区自然资源局、区综合行政执法局、河东区公路中心、区交通运输局、区水务局" * 2
    table = pd.DataFrame({"编号": [f"T{n:02d}-1" for n in range(rows)], "牵头单位": [units] * rows})
    width, height = Inches(11), Inches(4.4)
    got_size, chunks = fit_table(table, width, height)
    assert (got_size, len(chunks)) == (size, parts)
    assert pd.concat(chunks)["编号"].tolist() == table["编号"].tolist()
    widths = _column_widths(table, width)
    for chunk in chunks:
        assert sum(_row_heights(chunk, widths, size)) <= height
    assert _row_heights(table.head(1), widths, 14)[1] > _row_heights(table.head(1), widths, 10)[1]  # it wraps


def test_a_long_table_continues_on_the_next_slide(plan, snapshot):
    import pandas as pd
    item = deck.Slide("warnings-1", "预警：滞后指标 40 个", table=pd.DataFrame({
        "编号": [f"T{n:02d}-1" for n in range(40)], "牵头单位": ["区住房和城乡建设局、区自然资源局、区综合行政执法局"] * 40}))
    presentation = Presentation(io.BytesIO(to_pptx(plan, [item], snapshot.as_of)))
    titles = [_texts(slide)[0] for slide in presentation.slides]
    assert titles[0] == "预警：滞后指标 40 个" and titles[1] == "预警：滞后指标 40 个（续1）"
    rows = [len(shape.table.rows) - 1 for slide in presentation.slides for shape in slide.shapes if shape.has_table]
    assert sum(rows) == 40 and len(rows) == len(titles) >= 2
    for slide in presentation.slides:
        table = next(shape for shape in slide.shapes if shape.has_table)
        assert table.top + sum(row.height for row in table.table.rows) <= presentation.slide_height - 457200


def test_the_deck_renders_in_libreoffice_with_no_text_beyond_a_slides_edge(soffice, pptx, plan, snapshot, tmp_path):
    slides, _ = pptx
    path = tmp_path / "deck.pptx"
    path.write_bytes(to_pptx(plan, slides, snapshot.as_of))
    with _pdf(soffice, path) as pdf:
        assert len(pdf.pages) == len(slides)
        for number, page in enumerate(pdf.pages, start=1):
            assert page.width * 9 == pytest.approx(page.height * 16, rel=1e-3)
            outside = [c["text"] for c in page.chars if c["x0"] < 0 or c["top"] < 0
                       or c["x1"] > page.width + 0.5 or c["bottom"] > page.height + 0.5]
            assert not outside, (number, "".join(outside))
            footer = [c for c in page.chars if c["top"] > page.height * 0.92]
            body = [c for c in page.chars if c["top"] <= page.height * 0.92]
            # nothing runs into the footer line: the tables' rows fit above it
            assert not footer or max(c["bottom"] for c in body) < min(c["top"] for c in footer), number


def test_the_ledger_and_the_deck_name_units_by_their_canonical_names(snapshot, sample_store, plan):
    book = load_workbook(io.BytesIO(ledger_xlsx(snapshot, sample_store.batches(plan.id), per_unit=True)))
    cells = [str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row
             if c.value is not None and sheet.cell(1, c.column).value not in ("原文", "source_text")]
    quoted = set(plan.targets["source_text"])
    assert any("区投资促进服务中心" in c for c in cells)
    assert not [c for c in cells if "区投资促进中心" in c and c not in quoted]
    shown = [str(v) for s in deck.build(snapshot) for v in ([s.title, s.notes] + (
        s.table.to_numpy().ravel().tolist() if s.table is not None else []))]
    assert not [c for c in shown if "区投资促进中心" in c]
