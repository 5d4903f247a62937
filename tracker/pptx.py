"""The meeting deck as a PowerPoint file: native, editable charts, 微软雅黑 text and speaker notes, 16:9, with the
plan and the office in its properties and nothing left of python-pptx's template."""
from __future__ import annotations

import io
import math
from datetime import datetime, timezone
from xml.sax.saxutils import escape

import pandas as pd
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.enum.text import PP_ALIGN
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from .charts import STATUS_COLORS
from .deck import Slide
from .formats import percent
from .i18n import status_label, t
from .plan import Plan
from .settings import office_name
from .status import STATUSES

FONT = "微软雅黑"  # present on government PCs; named for both Latin and East Asian text
WIDTH, HEIGHT = Emu(12192000), Emu(6858000)  # 13.333 × 7.5 in, 16:9: PowerPoint's 宽屏
DARK, GREY, RED = RGBColor(0x11, 0x18, 0x27), RGBColor(0x4B, 0x55, 0x63), RGBColor(0xB9, 0x1C, 0x1C)
PRESENTATION_FORMAT = "宽屏"  # what PowerPoint calls 13.333 × 7.5 in (Widescreen) in docProps/app.xml


LABEL_PT = 14  # bar labels and categories: legible from the back of a meeting room


def _rgb(hex_color: str) -> RGBColor:
    return RGBColor.from_string(hex_color.lstrip("#").upper())


def _east_asian(props) -> None:
    # python-pptx names only the Latin face; Chinese text takes the East Asian one
    for tag in ("a:ea", "a:cs"):
        face = props.find(qn(tag))
        if face is None:
            face = props.makeelement(qn(tag), {})
            props.append(face)
        face.set("typeface", FONT)


def _font(run_font, size: int, bold: bool = False, color: RGBColor = DARK) -> None:
    run_font.size, run_font.bold, run_font.name = Pt(size), bold, FONT
    run_font.color.rgb = color
    _east_asian(run_font._element)


def _text(slide, text: str, left, top, width, height, size: int, bold=False, color=DARK, align=None) -> None:
    frame = slide.shapes.add_textbox(left, top, width, height).text_frame
    frame.word_wrap = True
    paragraph = frame.paragraphs[0]
    if align is not None:
        paragraph.alignment = align
    run = paragraph.add_run()
    run.text = text
    _font(run.font, size, bold, color)


def _chart_fonts(chart, size: int) -> None:
    chart.font.size, chart.font.name = Pt(size), FONT
    _east_asian(chart.font._element)


# Where the bars' plot area sits inside the chart frame, fixed so that the time-progress line can be drawn at the
# right place over it: labels get the left third, the data labels the right edge.
PLOT_AREA = {"x": 0.36, "y": 0.12, "w": 0.56, "h": 0.84}
TIME_LINE = "B91C1C"


def _fix_plot_area(chart) -> None:
    plot_area = chart._chartSpace.chart.plotArea
    for old in plot_area.findall(qn("c:layout")):
        plot_area.remove(old)
    layout = plot_area.makeelement(qn("c:layout"), {})
    manual = layout.makeelement(qn("c:manualLayout"), {})
    for tag, value in (("layoutTarget", "inner"), ("xMode", "edge"), ("yMode", "edge"),
                       *((k, str(v)) for k, v in PLOT_AREA.items())):
        manual.append(manual.makeelement(qn(f"c:{tag}"), {"val": value}))
    layout.append(manual)
    plot_area.insert(0, layout)


def _time_line(slide, time_progress: float, left, top, width, height) -> None:
    """A dashed red line at the time progress across the bars, labelled like the line on the web page."""
    from pptx.enum.dml import MSO_LINE_DASH_STYLE
    from pptx.enum.shapes import MSO_CONNECTOR

    x = left + int(width * (PLOT_AREA["x"] + PLOT_AREA["w"] * time_progress))
    y0, y1 = top + int(height * PLOT_AREA["y"]), top + int(height * (PLOT_AREA["y"] + PLOT_AREA["h"]))
    line = slide.shapes.add_connector(MSO_CONNECTOR.STRAIGHT, x, y0, x, y1)
    line.line.color.rgb, line.line.width, line.line.dash_style = _rgb(TIME_LINE), Pt(2.25), MSO_LINE_DASH_STYLE.DASH
    line.name = "时序进度"
    _text(slide, f"时序进度 {time_progress:.0%}", x - Inches(1), y0 - Inches(0.35), Inches(2), Inches(0.3), 12,
          color=_rgb(TIME_LINE), align=PP_ALIGN.CENTER)


def _expected_marks(slide, bars: pd.DataFrame, time_progress: float, left, top, width, height) -> None:
    """A short red mark across each target's bar where it should be by now: the time progress for a cumulative
    target, 100% for a level one, and a legend that says so."""
    from pptx.enum.shapes import MSO_CONNECTOR

    frame = bars.iloc[::-1]  # as drawn: the first category at the bottom
    band = height * PLOT_AREA["h"] / max(len(frame), 1)
    bottom = top + height * (PLOT_AREA["y"] + PLOT_AREA["h"])
    for k, expected in enumerate(frame["expected"]):
        x = left + int(width * (PLOT_AREA["x"] + PLOT_AREA["w"] * min(max(float(expected), 0.0), 1.0)))
        y0, y1 = int(bottom - band * (k + 0.9)), int(bottom - band * (k + 0.1))
        mark = slide.shapes.add_connector(MSO_CONNECTOR.STRAIGHT, x, y0, x, y1)
        mark.line.color.rgb, mark.line.width = _rgb(TIME_LINE), Pt(3)
        mark.name = "应达进度"
    _text(slide, t("expected_marks", time_progress=percent(time_progress)),
          left, top + int(height * PLOT_AREA["y"]) - Inches(0.35), width, Inches(0.3), 12, color=_rgb(TIME_LINE),
          align=PP_ALIGN.RIGHT)


def _bars(slide, bars: pd.DataFrame, title: str, left, top, width, height,
          time_progress: float | None = None) -> None:
    data = CategoryChartData(number_format='0%')
    frame = bars.iloc[::-1]  # PowerPoint draws the first category at the bottom
    unreported = status_label("not_reported")  # no bar to carry a label: the category says it
    data.categories = [f"{label}（{unreported}）" if pd.isna(v) else label
                       for label, v in zip(frame["label"], frame["avg_completion"])]
    # a bar stops at the axis (100%); its label says the completion as it is (110%)
    data.add_series(title, [None if pd.isna(v) else round(min(float(v), 1.0), 4) for v in frame["avg_completion"]])
    chart = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, left, top, width, height, data).chart
    _chart_fonts(chart, LABEL_PT)  # the deck puts at most deck.BARS_PER_SLIDE bars on a slide
    chart.has_legend = False
    chart.has_title = True
    chart.chart_title.text_frame.text = title
    _font(chart.chart_title.text_frame.paragraphs[0].runs[0].font, 16, True)
    plot = chart.plots[0]
    plot.gap_width = 60
    plot.has_data_labels = True
    plot.data_labels.number_format, plot.data_labels.number_format_is_linked = "0%", False
    plot.data_labels.position = XL_LABEL_POSITION.OUTSIDE_END
    plot.data_labels.font.size = Pt(LABEL_PT)
    chart.value_axis.maximum_scale, chart.value_axis.minimum_scale = 1.0, 0.0
    chart.value_axis.tick_labels.number_format, chart.value_axis.tick_labels.number_format_is_linked = "0%", False
    for point, status, value in zip(plot.series[0].points, frame["status"], frame["avg_completion"]):
        point.format.fill.solid()
        point.format.fill.fore_color.rgb = _rgb(STATUS_COLORS[status])
        if not pd.isna(value) and value > 1:
            point.data_label.position = XL_LABEL_POSITION.INSIDE_END
            point.data_label.text_frame.text = percent(value)
            _font(point.data_label.text_frame.paragraphs[0].runs[0].font, LABEL_PT, True, _rgb("#ffffff"))
    _fix_plot_area(chart)
    if time_progress is not None and "expected" in bars:
        _expected_marks(slide, bars, time_progress, left, top, width, height)
    elif time_progress is not None:
        _time_line(slide, time_progress, left, top, width, height)


def _doughnut(slide, counts: dict[str, int], left, top, width, height) -> None:
    shown = [s for s in STATUSES if counts.get(s, 0)] or ["not_reported"]
    data = CategoryChartData()
    data.categories = [status_label(s) for s in shown]
    data.add_series("指标状态", [counts.get(s, 0) for s in shown])
    chart = slide.shapes.add_chart(XL_CHART_TYPE.DOUGHNUT, left, top, width, height, data).chart
    _chart_fonts(chart, 14)
    chart.has_legend, chart.legend.position, chart.legend.include_in_layout = True, XL_LEGEND_POSITION.RIGHT, False
    plot = chart.plots[0]
    plot.has_data_labels = True
    plot.data_labels.show_value = True
    for point, status in zip(plot.series[0].points, shown):
        point.format.fill.solid()
        point.format.fill.fore_color.rgb = _rgb(STATUS_COLORS[status])


TABLE_SIZES = (14, 12, 11, 10)  # points: a table shrinks to these before its rows go on to another slide
CELL_MARGIN_X, CELL_MARGIN_Y = Inches(0.1), Inches(0.05)  # python-pptx's cell margins
LINE_SPACING = 1.4  # line height in ems of 微软雅黑 and of the Noto CJK face LibreOffice puts in its place


def _wide(ch: str) -> bool:
    return ord(ch) > 0x2E7F


def text_width(text: str, size: float) -> int:
    """Width of one line of text in EMU at size points: a Chinese character is one em, a Latin one about 0.6."""
    return int(sum(1.0 if _wide(ch) else 0.6 for ch in text) * Pt(size))


def text_height(text: str, width: int, size: float, margin_x: int = CELL_MARGIN_X) -> int:
    """Height in EMU of text wrapped in a box this wide, without the box's top and bottom margins."""
    room = max(width - 2 * margin_x, Pt(size))
    lines = sum(max(1, math.ceil(text_width(part, size) / room)) for part in str(text).split("\n"))
    return int(lines * Pt(size) * LINE_SPACING)


def _column_widths(table: pd.DataFrame, width: int) -> list[int]:
    wide = lambda text: sum(2 if _wide(ch) else 1 for ch in str(text))  # noqa: E731
    lengths = [max([wide(name)] + [wide(v) for v in table[name]]) for name in table.columns]
    weights = [min(n, 40) + 3 for n in lengths]  # + the cell margins; long unit lists get room, codes do not waste it
    return [int(width * weight / sum(weights)) for weight in weights]


def _row_heights(table: pd.DataFrame, widths: list[int], size: float) -> list[int]:
    rows = [list(map(str, table.columns))] + [["" if v is None else str(v) for v in row]
                                               for row in table.itertuples(index=False)]
    return [max(text_height(text, w, size) for text, w in zip(row, widths)) + 2 * CELL_MARGIN_Y for row in rows]


def fit_table(table: pd.DataFrame, width: int, height: int) -> tuple[int, list[pd.DataFrame]]:
    """The font size a table is set in and its rows in the parts that each fit the height with the header row:
    the largest size that fits all rows, else the smallest and as many parts as it takes."""
    widths = _column_widths(table, width)
    for size in TABLE_SIZES:
        if sum(_row_heights(table, widths, size)) <= height:
            return size, [table]
    size = TABLE_SIZES[-1]
    heights = _row_heights(table, widths, size)
    parts, start, used = [], 0, heights[0]
    for i, h in enumerate(heights[1:]):
        if used + h > height and i > start:
            parts.append(table.iloc[start:i])
            start, used = i, heights[0]
        used += h
    return size, parts + [table.iloc[start:]]


def _table(slide, table: pd.DataFrame, left, top, width, size: int) -> None:
    widths = _column_widths(table, width)
    heights = _row_heights(table, widths, size)
    shape = slide.shapes.add_table(len(table) + 1, len(table.columns), left, top, width, sum(heights))
    for j, w in enumerate(widths):
        shape.table.columns[j].width = Emu(w)
    for i, h in enumerate(heights):
        shape.table.rows[i].height = Emu(h)  # as tall as its text: PowerPoint and LibreOffice keep what is set
    for j, name in enumerate(table.columns):
        cell = shape.table.cell(0, j)
        cell.text = str(name)
        _font(cell.text_frame.paragraphs[0].runs[0].font, size, True, RGBColor(0xFF, 0xFF, 0xFF))
    fills = {status_label(s): STATUS_COLORS[s] for s in STATUSES}
    for i, row in enumerate(table.itertuples(index=False), start=1):
        for j, value in enumerate(row):
            cell = shape.table.cell(i, j)
            cell.text = "" if value is None else str(value)
            colour = fills.get(cell.text) if table.columns[j] == "状态" else None
            if colour:
                cell.fill.solid()
                cell.fill.fore_color.rgb = _rgb(colour)
            for paragraph in cell.text_frame.paragraphs:
                for run in paragraph.runs:
                    _font(run.font, size, bool(colour), RGBColor(0xFF, 0xFF, 0xFF) if colour else DARK)


def _metrics(slide, metrics: list[tuple[str, str]], top) -> None:
    shown = metrics[:9]
    width = (WIDTH - Inches(1)) / max(len(shown), 1)
    for i, (name, value) in enumerate(shown):
        left = Inches(0.5) + width * i
        _text(slide, value, left, top, width, Inches(0.7), 28, True)
        _text(slide, name, left, top + Inches(0.65), width, Inches(0.4), 13, color=GREY)


def _widen(deck, width: int) -> None:
    """Stretch the template's 4:3 master and layouts to the 16:9 slide, and say the slide size is custom."""
    size = deck.part._element.find(qn("p:sldSz"))
    factor = width / int(size.get("cx"))
    size.attrib.pop("type", None)  # screen4x3 in the template; 13.333 × 7.5 in has no named type
    deck.slide_width, deck.slide_height = width, HEIGHT
    for part in [deck.slide_master, *deck.slide_layouts]:
        for tag, attr in ((qn("a:off"), "x"), (qn("a:ext"), "cx")):
            for element in part._element.iter(tag):
                if element.get(attr) is not None:
                    element.set(attr, str(int(int(element.get(attr)) * factor)))


def _own_properties(deck, plan: Plan, as_of, author: str, now: datetime, warning: str = "") -> None:
    """Title, author, times and format of this deck, its warning (示例数据, 含未审核数据) as its comments, with the
    template's thumbnail and printer settings gone."""
    props = deck.core_properties
    props.title, props.author, props.last_modified_by = plan.title, author, author
    props.subject, props.category = f"统计截至 {as_of:%Y-%m-%d}", "调度会汇报"
    props.keywords, props.comments, props.language = plan.meta.get("document_number", ""), warning, "zh-CN"
    props.created = props.modified = now
    props.revision = 1
    package = deck.part.package
    for rels, kind in ((package._rels, RT.THUMBNAIL), (deck.part.rels, RT.PRINTER_SETTINGS)):
        for rid in [rid for rid, rel in rels.items() if rel.reltype == kind]:
            rels.pop(rid)  # a part nothing points to is not saved
    app = next(rel.target_part for rel in package._rels.values() if rel.reltype == RT.EXTENDED_PROPERTIES)
    count = len(deck.slides)
    app._blob = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        f"<TotalTime>0</TotalTime><Application>督办看板</Application>"
        f"<PresentationFormat>{PRESENTATION_FORMAT}</PresentationFormat><Slides>{count}</Slides>"
        f"<Notes>{count}</Notes><HiddenSlides>0</HiddenSlides><Company>{escape(author)}</Company>"
        "</Properties>").encode("utf-8")
    deck.part._element.find(qn("p:defaultTextStyle")).find(qn("a:defPPr")).find(qn("a:defRPr")).set("lang", "zh-CN")


def _frame(deck, item: Slide, title: str, footer: str):
    """A blank slide with its warning first, its title and its footer."""
    slide = deck.slides.add_slide(deck.slide_layouts[6])
    if item.warning:
        _text(slide, item.warning, Inches(0.5), Inches(0.02), WIDTH - Inches(1), Inches(0.36), 14, True, RED)
    if item.key != "title":
        _text(slide, title, Inches(0.5), Inches(0.35), WIDTH - Inches(1), Inches(0.8), 30, True)
        _text(slide, footer, Inches(0.5), HEIGHT - Inches(0.5), WIDTH - Inches(1), Inches(0.4), 11, color=GREY)
    slide.notes_slide.notes_text_frame.text = item.notes
    return slide


def to_pptx(plan: Plan, slides: list[Slide], as_of, author: str | None = None, now: datetime | None = None) -> bytes:
    """The deck as a .pptx: a title slide, then each slide with its title, figures, native charts and notes (a
    table too long for one slide goes on over the next ones); the office (settings.office_name) as its author."""
    deck = Presentation()
    _widen(deck, WIDTH)
    footer = f"{plan.title} · 统计截至 {as_of:%Y-%m-%d}"
    for item in slides:
        slide = _frame(deck, item, item.title, footer)
        if item.key == "title":
            _text(slide, item.title, Inches(0.8), Inches(2.0), WIDTH - Inches(1.6), Inches(1.8), 36, True)
            _text(slide, plan.meta.get("document_number", ""), Inches(0.8), Inches(4.0), Inches(8), Inches(0.6), 22,
                  color=GREY)
            _text(slide, f"统计截至 {as_of:%Y年%m月%d日}", Inches(0.8), Inches(4.7), Inches(8), Inches(0.6), 22,
                  color=GREY)
            _text(slide, plan.meta.get("issuer", ""), Inches(0.8), Inches(5.4), Inches(8), Inches(0.6), 18,
                  color=GREY)
            continue
        top = Inches(1.2)
        if item.metrics:
            _metrics(slide, item.metrics, top)
            top = Inches(2.4)
        body = HEIGHT - top - Inches(0.6)
        if item.aside:
            aside = text_height(item.aside, WIDTH - Inches(1), 12, Inches(0.1)) + Inches(0.1)
            body -= aside
            _text(slide, item.aside, Inches(0.5), top + body, WIDTH - Inches(1), aside, 12, color=GREY)
        if item.counts is not None and item.bars is not None:
            _doughnut(slide, item.counts, Inches(0.5), top, Inches(5), body)
            _bars(slide, item.bars, item.bars_title, Inches(5.7), top, WIDTH - Inches(6.2), body, item.time_progress)
        elif item.bars is not None:
            _bars(slide, item.bars, item.bars_title, Inches(0.5), top, WIDTH - Inches(1), body, item.time_progress)
        if item.table is not None and len(item.table):
            size, parts = fit_table(item.table, WIDTH - Inches(1), body)
            _table(slide, parts[0], Inches(0.5), top, WIDTH - Inches(1), size)
            for n, part in enumerate(parts[1:], start=2):
                more = _frame(deck, item, f"{item.title}（续{n - 1}）", footer)
                _table(more, part, Inches(0.5), Inches(1.2), WIDTH - Inches(1), size)
    _own_properties(deck, plan, as_of, office_name(plan.meta, author), now or datetime.now(timezone.utc),
                    slides[0].warning if slides else "")
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()
