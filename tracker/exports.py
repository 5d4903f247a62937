"""Exports: workbooks that print on landscape pages and whose text cells can never run as formulas."""
from __future__ import annotations

import io
import re
from datetime import date, datetime

import pandas as pd

from .formats import visible
from .i18n import PROJECTED_LABELS, STATUS_LABELS, TASK_STATE_LABELS, label
from .review import counting_note
from .settings import office_name
from .views import led_by, problems

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value):
    """A text cell that Excel would take for a formula (=, +, -, @, tab, CR first) prefixed with ' so it stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# Columns of long text: they wrap at this width (in Excel's character widths) instead of running off the page.
WRAPPED_WIDTHS = {"任务内容": 60, "原文": 40, "进展情况": 40, "存在问题": 30, "下步计划": 30, "备注": 30, "事项": 30,
                  "任务": 26, "指标": 22, "牵头单位": 20, "参与单位": 24, "文件": 24, "目标调整": 30, "期限调整": 30}


LINE_HEIGHT = 15  # points per line of 11-pt text (Excel's default row)


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 255 else 1 for ch in text)  # a Chinese character takes two Latin widths


def _lines(text: str, width: float) -> int:
    """Lines a cell's text takes wrapped in a column this wide (less the cell's padding)."""
    return sum(max(1, -(-_width(part) // max(1, int(width) - 2))) for part in text.split("\n"))


NOTICE_COLOR = "B91C1C"  # the red of the deck's warnings


def header_row(notice: str) -> int:
    """The row a sheet's column headings are in: under the notice when there is one."""
    return 2 if notice else 1


def plain_xlsx(sheets: dict[str, pd.DataFrame], notice: str = "") -> bytes:
    """A workbook with one sheet per frame: bold frozen header, filters, widths to fit with long text wrapped,
    dates as dates and times as date-times; a notice (含未审核数据…) in red across the first row of every sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    head = header_row(notice)
    for title, frame in sheets.items():
        sheet = book.create_sheet(title[:31])
        columns = list(frame.columns)
        if notice:
            sheet.append([notice])
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(1, len(columns)))
            sheet["A1"].font = Font(bold=True, color=NOTICE_COLOR)
            sheet["A1"].alignment = Alignment(wrap_text=True, vertical="center")
            sheet.row_dimensions[1].height = 2 * LINE_HEIGHT
        sheet.append(columns)
        for row in frame.itertuples(index=False):
            sheet.append([None if v is None or (isinstance(v, float) and pd.isna(v)) else safe_text(v)
                          if not isinstance(v, (list, tuple)) else "、".join(map(str, v)) for v in row])
        for cell in sheet[head]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor="1D4ED8")
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        widths = []
        for j, name in enumerate(columns, start=1):
            values = [str(name)] + [str(v) for v in frame.iloc[:200, j - 1] if v is not None]
            widths.append(min(WRAPPED_WIDTHS.get(name, 40), max(8, max(_width(v) for v in values) + 2)))
            sheet.column_dimensions[get_column_letter(j)].width = widths[-1]
        wrap, top = Alignment(wrap_text=True, vertical="top"), Alignment(vertical="top")
        for row in sheet.iter_rows(min_row=head + 1):
            lines = 1
            for cell, name, width in zip(row, columns, widths):
                cell.alignment = wrap if name in WRAPPED_WIDTHS else top
                if name in WRAPPED_WIDTHS and isinstance(cell.value, str):
                    lines = max(lines, _lines(cell.value, width))
                if isinstance(cell.value, datetime) and cell.value.time() != datetime.min.time():
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(cell.value, (date, datetime)):
                    cell.number_format = "yyyy-mm-dd"
            if lines > 1:
                # the height a wrapped row needs, set because LibreOffice does not grow rows it opens
                sheet.row_dimensions[row[0].row].height = lines * LINE_HEIGHT
        sheet.freeze_panes = f"A{head + 1}"
        if len(frame):
            sheet.auto_filter.ref = f"A{head}:{get_column_letter(len(columns))}{sheet.max_row}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


LEDGER_STATUS_FILLS = {"completed": "DCFCE7", "on_track": "DBEAFE", "lagging": "FEF3C7", "severe": "FEE2E2",
                       "not_reported": "F3F4F6"}


def _zh(table: dict[str, tuple[str, str]]):
    """Code -> its Chinese label from one of the i18n label tables, an empty cell for no code."""
    return lambda code: label(table, code) or None


def _dated(value):
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else value


def _moment(text):
    """An ISO time as the store keeps it (2023-10-05T09:30:00) -> a datetime Excel shows as one; None stays empty."""
    moment = pd.to_datetime(text, errors="coerce") if text is not None else pd.NaT
    return None if pd.isna(moment) else moment.to_pydatetime()


def _sheet_title(name: str, taken: set[str]) -> str:
    """A unit's name as a sheet name: without the characters Excel forbids, at most 31 long, unique."""
    title = re.sub(r"[\[\]:*?/\\]", "", name)[:31] or "单位"
    n = 2
    while title in taken:
        title = f"{title[:28]}（{n}）"
        n += 1
    return title


def unit_frame(snapshot, unit: str) -> pd.DataFrame:
    """One unit's part of the 台账: each task it leads followed by the targets it leads in that task."""
    status = _zh(STATUS_LABELS)
    tasks, targets = led_by(snapshot.tasks, unit), led_by(snapshot.targets, unit)
    rows = []
    for task_id in sorted(set(tasks["task_id"]) | set(targets["task_id"])):
        for task in tasks[tasks["task_id"] == task_id].itertuples(index=False):
            rows.append({"任务序号": task.task_id, "事项": task.title, "状态": status(task.status),
                         "上报日期": _dated(task.reported_on), "进展情况": visible(task.progress_text),
                         "存在问题": visible(task.problems_text)})
        for t in targets[targets["task_id"] == task_id].itertuples(index=False):
            rows.append({"任务序号": t.task_id, "指标编号": t.target_id, "事项": t.indicator,
                         "目标值": t.target_value, "计量单位": t.unit, "截止日期": t.deadline, "完成值": t.actual,
                         "完成率": t.completion, "状态": status(t.status), "上报日期": _dated(t.reported_on),
                         "备注": visible(t.note)})
    columns = ["任务序号", "指标编号", "事项", "目标值", "计量单位", "截止日期", "完成值", "完成率", "状态", "上报日期",
               "进展情况", "存在问题", "备注"]
    return pd.DataFrame(rows, columns=columns).astype(object).where(lambda f: f.notna(), None)


def ledger_frames(snapshot, batches: pd.DataFrame, per_unit: bool = False) -> dict[str, pd.DataFrame]:
    """The 台账 as frames: tasks, targets, one per lead unit (of tasks or targets) if asked, and the upload
    batches."""
    status = _zh(STATUS_LABELS)
    open_problems = problems(snapshot)
    open_problems = open_problems[open_problems["open"]].groupby("task_id")["text"].apply("；".join)
    tasks = snapshot.tasks
    task_sheet = pd.DataFrame({
        "序号": tasks["task_id"], "章": tasks["chapter"], "任务": tasks["title"], "牵头单位": tasks["lead_units"],
        "参与单位": tasks["participating_units"], "状态": tasks["status"].map(status),
        "任务状态": tasks["state"].map(_zh(TASK_STATE_LABELS)),
        "上报日期": tasks["reported_on"].map(_dated), "进展情况": tasks["progress_text"].map(visible),
        "存在问题": tasks["task_id"].map(open_problems).fillna(tasks["problems_text"]).map(visible),
        "下步计划": tasks["next_steps"].map(visible), "任务内容": tasks["text"],
    })
    if tasks["change_note"].astype(bool).any():  # approved extensions: each task's deadline, and what moved it
        task_sheet.insert(task_sheet.columns.get_loc("任务内容"), "截止日期", tasks["deadline"])
        task_sheet.insert(task_sheet.columns.get_loc("任务内容"), "期限调整", tasks["change_note"])
    t = snapshot.targets
    target_sheet = pd.DataFrame({
        "指标编号": t["target_id"], "任务序号": t["task_id"], "指标": t["indicator"], "目标值": t["target_value"],
        "目标上限": t["target_max"], "计量单位": t["unit"], "截止日期": t["deadline"], "完成值": t["actual"],
        "上报日期": t["reported_on"].map(_dated), "完成率": t["completion"], "应达进度": t["expected"],
        "状态": t["status"].map(status), "预计年底值": t["projected"], "预计年底完成率": t["projected_completion"],
        "年底预测": t["projected_status"].map(_zh(PROJECTED_LABELS)),
        "牵头单位": t["lead_units"], "备注": t["note"].map(visible),
        "目标调整": t["change_note"] if "change_note" in t else "", "原文": t["source_text"],
    })
    sheets = {"任务台账": task_sheet, "指标台账": target_sheet}
    if per_unit:
        for unit in snapshot.plan.units:
            frame = unit_frame(snapshot, unit)
            if len(frame):
                sheets[_sheet_title(unit, set(sheets) | {"上报批次"})] = frame
    sheets["上报批次"] = pd.DataFrame({
        "批次": batches["id"], "导入时间": batches["created_at"].map(_moment), "文件": batches["file_name"],
        "单位": batches["unit"], "操作人": batches["user"], "行数": batches["row_count"], "来源": batches["source"],
        "示例数据": batches["is_sample"].map(lambda v: "是" if v else ""),
        "撤销时间": batches["reverted_at"].map(_moment),
    })
    return sheets


def ledger_xlsx(snapshot, batches: pd.DataFrame, per_unit: bool = False, author: str | None = None) -> bytes:
    """The Excel 台账: frozen headers, filters, widths, status colours, dates as dates, numbers as numbers; printed
    under the plan's title and the as-of date; the office (settings.office_name) as its author; first on every
    sheet, what it counts of the rows waiting for review (review.counting_note)."""
    plan = snapshot.plan
    return styled_xlsx(ledger_frames(snapshot, batches, per_unit),
                       heading=(plan.title, f"统计截至 {snapshot.as_of:%Y-%m-%d}"),
                       author=office_name(plan.meta, author), notice=counting_note(snapshot))


# Number formats by column heading, shared by every workbook made here.
NUMBER_FORMATS = {"完成率": "0%", "应达进度": "0%", "预计年底完成率": "0%", "落后进度": "0%"}


def _header_text(text: str) -> str:
    return text.replace("&", "&&")  # & starts a field code (&P) in Excel's page headers


def print_setup(sheet, heading: tuple[str, str] | None = None, head: int = 1) -> None:
    """Print the sheet as offices file it: A4 landscape, one page wide, the rows down to the header row (`head`) on
    every page, grid lines, and in the page header the plan and the as-of date, in the footer the sheet and the page
    number."""
    from openpyxl.worksheet.page import PageMargins

    sheet.page_setup.orientation, sheet.page_setup.paperSize = "landscape", sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0  # 0: as many pages down as it takes
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"1:{head}"
    sheet.print_options.gridLines = True
    sheet.page_margins = PageMargins(left=0.4, right=0.4, top=0.75, bottom=0.6, header=0.3, footer=0.3)
    if heading:
        title, as_of = heading
        sheet.oddHeader.left.text, sheet.oddHeader.left.size = _header_text(title), 10
        sheet.oddHeader.right.text, sheet.oddHeader.right.size = _header_text(as_of), 10
    sheet.oddFooter.left.text, sheet.oddFooter.left.size = "&A", 9
    sheet.oddFooter.center.text, sheet.oddFooter.center.size = "第 &P 页，共 &N 页", 9


def styled_xlsx(sheets: dict[str, pd.DataFrame], heading: tuple[str, str] | None = None,
                author: str | None = None, notice: str = "") -> bytes:
    """plain_xlsx() plus percentages formatted as such, the 状态 column in its status colour and print_setup();
    the heading's title and the author in the workbook's properties, the notice in its description too."""
    from openpyxl import load_workbook
    from openpyxl.styles import PatternFill

    book = load_workbook(io.BytesIO(plain_xlsx(sheets, notice)))
    head = header_row(notice)
    if notice:
        book.properties.description = notice
    if heading:
        book.properties.title = heading[0]
    if author:
        book.properties.creator = book.properties.lastModifiedBy = author
    labels = {STATUS_LABELS[s][0]: fill for s, fill in LEDGER_STATUS_FILLS.items()}
    for sheet in book.worksheets:
        header = [c.value for c in sheet[head]]
        for name, fmt in NUMBER_FORMATS.items():
            if name in header:
                for (cell,) in sheet.iter_rows(min_row=head + 1, min_col=header.index(name) + 1,
                                               max_col=header.index(name) + 1):
                    cell.number_format = fmt
        if "状态" in header:
            for (cell,) in sheet.iter_rows(min_row=head + 1, min_col=header.index("状态") + 1,
                                           max_col=header.index("状态") + 1):
                if cell.value in labels:
                    cell.fill = PatternFill("solid", fgColor=labels[cell.value])
        print_setup(sheet, heading, head)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def warnings_xlsx(targets: pd.DataFrame, tasks: pd.DataFrame, notice: str = "") -> bytes:
    """预警清单 from views.behind() and views.tasks_behind(): the gaps as numbers in the target's own unit; the
    notice (review.counting_note) first on each sheet."""
    status = _zh(STATUS_LABELS)
    return styled_xlsx({
        "滞后指标": pd.DataFrame({
            "指标编号": targets["target_id"], "任务序号": targets["task_id"], "指标": targets["indicator"],
            "状态": targets["status"].map(status), "落后进度": targets["behind"], "完成值": targets["actual"],
            "应达值": targets["due"], "还差": targets["short_of_due"].clip(lower=0), "目标值": targets["target_value"],
            "距目标": targets["short_of_target"], "计量单位": targets["unit"],
            "年底预测": targets["projected_status"].map(_zh(PROJECTED_LABELS)),
            "上报日期": targets["reported_on"].map(_dated), "牵头单位": targets["lead_units"],
        }),
        "滞后任务": pd.DataFrame({
            "序号": tasks["task_id"], "任务": tasks["title"], "状态": tasks["status"].map(status),
            "指标数": tasks["targets"],
            "任务状态": tasks["state"].map(_zh(TASK_STATE_LABELS)),
            "上报日期": tasks["reported_on"].map(_dated), "牵头单位": tasks["lead_units"],
        }),
    }, notice=notice)


def chase_xlsx(units: pd.DataFrame, items: pd.DataFrame, notice: str = "") -> bytes:
    """催办清单 from chase.units() and chase.overdue(): units to chase and every item they have not reported; the
    notice (review.counting_note) first on each sheet."""
    return styled_xlsx({
        "催办单位": pd.DataFrame({
            "单位": units["unit"], "牵头事项数": units["items"], "未报事项数": units["overdue"],
            "最近上报": units["last_report"].map(_dated), "全部未报": units["silent"].map(lambda s: "是" if s else ""),
        }),
        "未上报事项": pd.DataFrame({
            "单位": items["unit"], "任务序号": items["task_id"], "指标编号": items["target_id"], "事项": items["name"],
            "最近上报": items["reported_on"].map(_dated),
        }),
    }, notice=notice)
