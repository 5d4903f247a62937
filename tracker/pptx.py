"""The meeting deck as a PowerPoint file: native, editable charts, 微软雅黑 text and speaker notes."""
from __future__ import annotations

import io

import pandas as pd
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.oxml.ns import qn
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu, Inches, Pt

from .charts import STATUS_COLORS
from .deck import Slide
from .i18n import status_label
from .plan import Plan
from .status import STATUSES

FONT = "微软雅黑"  # present on government PCs; named for both Latin and East Asian text
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
DARK, GREY = RGBColor(0x11, 0x18, 0x27), RGBColor(0x4B, 0x55, 0x63)


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


def _bars(slide, bars: pd.DataFrame, title: str, left, top, width, height,
          time_progress: float | None = None) -> None:
    data = CategoryChartData(number_format='0%')
    frame = bars.iloc[::-1]  # PowerPoint draws the first category at the bottom
    unreported = status_label("not_reported")  # no bar to carry a label: the category says it
    data.categories = [f"{label}（{unreported}）" if pd.isna(v) else label
                       for label, v in zip(frame["label"], frame["avg_completion"])]
    data.add_series(title, [None if pd.isna(v) else round(float(v), 4) for v in frame["avg_completion"]])
    chart = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, left, top, width, height, data).chart
    _chart_fonts(chart, 12 if len(frame) > 12 else 14)
    chart.has_legend = False
    chart.has_title = True
    chart.chart_title.text_frame.text = title
    _font(chart.chart_title.text_frame.paragraphs[0].runs[0].font, 16, True)
    plot = chart.plots[0]
    plot.gap_width = 60
    plot.has_data_labels = True
    plot.data_labels.number_format, plot.data_labels.number_format_is_linked = "0%", False
    plot.data_labels.position = XL_LABEL_POSITION.OUTSIDE_END
    chart.value_axis.maximum_scale, chart.value_axis.minimum_scale = 1.0, 0.0
    chart.value_axis.tick_labels.number_format, chart.value_axis.tick_labels.number_format_is_linked = "0%", False
    for point, status in zip(plot.series[0].points, frame["status"]):
        point.format.fill.solid()
        point.format.fill.fore_color.rgb = _rgb(STATUS_COLORS[status])
    _fix_plot_area(chart)
    if time_progress is not None:
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


def _table(slide, table: pd.DataFrame, left, top, width, height) -> None:
    rows, columns = len(table) + 1, len(table.columns)
    shape = slide.shapes.add_table(rows, columns, left, top, width, Emu(min(height, Pt(34) * rows)))
    size = 14 if rows <= 11 else 11
    wide = lambda text: sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(text))  # noqa: E731  Chinese is double width
    lengths = [max([wide(name)] + [wide(v) for v in table[name]]) for name in table.columns]
    weights = [min(n, 40) + 3 for n in lengths]  # + the cell margins; long unit lists get room, codes do not waste it
    for j, weight in enumerate(weights):
        shape.table.columns[j].width = Emu(int(width * weight / sum(weights)))
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
            if cell.text_frame.paragraphs[0].runs:
                _font(cell.text_frame.paragraphs[0].runs[0].font, size, bool(colour),
                      RGBColor(0xFF, 0xFF, 0xFF) if colour else DARK)


def _metrics(slide, metrics: list[tuple[str, str]], top) -> None:
    shown = metrics[:9]
    width = (WIDTH - Inches(1)) / max(len(shown), 1)
    for i, (name, value) in enumerate(shown):
        left = Inches(0.5) + width * i
        _text(slide, value, left, top, width, Inches(0.7), 28, True)
        _text(slide, name, left, top + Inches(0.65), width, Inches(0.4), 13, color=GREY)


def to_pptx(plan: Plan, slides: list[Slide], as_of) -> bytes:
    """The deck as a .pptx: a title slide, then each slide with its title, figures, native charts and notes."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    blank = deck.slide_layouts[6]
    footer = f"{plan.title} · 统计截至 {as_of:%Y-%m-%d}"
    if any(name == "数据" for item in slides[:1] for name, _ in item.metrics):
        footer += " · 示例数据（虚构），不是真实上报"
    for item in slides:
        slide = deck.slides.add_slide(blank)
        if item.key == "title":
            _text(slide, item.title, Inches(0.8), Inches(2.0), WIDTH - Inches(1.6), Inches(1.8), 36, True)
            _text(slide, plan.meta.get("document_number", ""), Inches(0.8), Inches(4.0), Inches(8), Inches(0.6), 22,
                  color=GREY)
            _text(slide, f"统计截至 {as_of:%Y年%m月%d日}", Inches(0.8), Inches(4.7), Inches(8), Inches(0.6), 22,
                  color=GREY)
            _text(slide, plan.meta.get("issuer", ""), Inches(0.8), Inches(5.4), Inches(8), Inches(0.6), 18,
                  color=GREY)
            for name, value in item.metrics[3:]:
                _text(slide, value, Inches(0.8), Inches(6.1), Inches(10), Inches(0.6), 20, True, RGBColor(0xB9, 0x1C, 0x1C))
        else:
            _text(slide, item.title, Inches(0.5), Inches(0.3), WIDTH - Inches(1), Inches(0.8), 30, True)
            _text(slide, footer, Inches(0.5), HEIGHT - Inches(0.5), WIDTH - Inches(1), Inches(0.4), 11, color=GREY)
            top = Inches(1.2)
            if item.metrics:
                _metrics(slide, item.metrics, top)
                top = Inches(2.4)
            body = HEIGHT - top - Inches(0.6)
            if item.counts is not None and item.bars is not None:
                _doughnut(slide, item.counts, Inches(0.5), top, Inches(5), body)
                _bars(slide, item.bars, item.bars_title, Inches(5.7), top, WIDTH - Inches(6.2), body,
                      item.time_progress)
            elif item.bars is not None:
                _bars(slide, item.bars, item.bars_title, Inches(0.5), top, WIDTH - Inches(1), body, item.time_progress)
            if item.table is not None and len(item.table):
                _table(slide, item.table, Inches(0.5), top, WIDTH - Inches(1), body)
        slide.notes_slide.notes_text_frame.text = item.notes
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()
