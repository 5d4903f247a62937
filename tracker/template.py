"""Reporting templates: one row per target and per task a unit leads, with the columns a clerk fills."""
from __future__ import annotations

import io
from datetime import date

import pandas as pd

from .exports import safe_text
from .i18n import TASK_STATE_LABELS
from .periods import now_reporting
from .plan import Plan

STATE_CHOICES = ("未启动", "推进中", "已完成")
REFERENCE = ["任务编号", "指标编号", "任务/指标", "目标值", "计量单位", "目标期限", "上次上报值", "上次上报日期",
             "上次任务状态"]
FILL = ["截至日期", "完成值", "任务状态", "进展情况", "存在问题", "下步计划"]
WIDTHS = {"任务编号": 9, "指标编号": 10, "任务/指标": 40, "目标值": 10, "计量单位": 10, "目标期限": 12,
          "上次上报值": 11, "上次上报日期": 13, "上次任务状态": 12, "截至日期": 13, "完成值": 11, "任务状态": 11,
          "进展情况": 40, "存在问题": 30, "下步计划": 30}
INSTRUCTIONS = [
    "填写说明",
    "1. 灰色列是参考信息，已锁定；请只填写白色列：截至日期、完成值、任务状态、进展情况、存在问题、下步计划。",
    "2. 指标行（有指标编号）填写“完成值”，数值按“计量单位”填写，如 85、2.3、35%；也可写 1.5万，系统会换算。",
    "3. 任务行（只有任务编号）填写“任务状态”：未启动、推进中 或 已完成，并写明进展情况。",
    "4. 截至日期已预填，请按实际统计日期修改，格式如 2023-09-30。",
    "5. 没有进展的行留空即可，空行不会导入。",
    "6. 上传后系统会逐行检查，并在导入前显示将要变更的内容，确认后才会写入。",
]


def default_report_date(plan: Plan, today: date | None = None) -> date:
    """The date pre-filled in 截至日期: the end of the period now being reported."""
    return now_reporting(plan, today).end


def template_frame(plan: Plan, latest_targets: pd.DataFrame, latest_tasks: pd.DataFrame, unit: str | None,
                   as_of: date) -> pd.DataFrame:
    """The template's rows: targets the unit leads, then its tasks (all of the plan's when unit is None)."""
    tasks, targets = (plan.tasks, plan.targets) if unit is None else plan.led_by(unit)
    last_t = latest_targets.set_index("target_id")
    last_k = latest_tasks.set_index("task_id")
    rows = []
    for t in targets.itertuples(index=False):
        reported = t.target_id in last_t.index
        target = f"{t.target_value:g}" + ("" if pd.isna(t.target_max) else f"-{t.target_max:g}")
        rows.append({"任务编号": t.task_id, "指标编号": t.target_id, "任务/指标": t.indicator, "目标值": target,
                     "计量单位": t.unit, "目标期限": t.deadline,
                     "上次上报值": last_t.at[t.target_id, "actual"] if reported else None,
                     "上次上报日期": last_t.at[t.target_id, "as_of"] if reported else None,
                     "上次任务状态": None, "截至日期": as_of})
    for k in tasks.itertuples(index=False):
        reported = k.task_id in last_k.index
        state = last_k.at[k.task_id, "state"] if reported else None
        rows.append({"任务编号": k.task_id, "指标编号": None, "任务/指标": k.title, "目标值": None, "计量单位": None,
                     "目标期限": getattr(k, "deadline", plan.end), "上次上报值": None,  # extended, or the plan's end
                     "上次上报日期": last_k.at[k.task_id, "as_of"] if reported else None,
                     "上次任务状态": TASK_STATE_LABELS[state][0] if state in TASK_STATE_LABELS else None,
                     "截至日期": as_of})
    frame = pd.DataFrame(rows, columns=REFERENCE + FILL)
    return frame


def template_csv(frame: pd.DataFrame) -> bytes:
    """The template as CSV in UTF-8 with a BOM, so that Excel opens the Chinese cleanly; text that Excel would
    run as a formula is written as text."""
    def plain(value):  # 1080, not the 1080.0 of a float column that has gaps
        return "" if pd.isna(value) else f"{value:.10f}".rstrip("0").rstrip(".")

    safe = frame.apply(lambda column: column.map(safe_text) if column.dtype == object
                       else column.map(plain) if pd.api.types.is_float_dtype(column) else column)
    return safe.to_csv(index=False, date_format="%Y-%m-%d").encode("utf-8-sig")


def template_xlsx(frame: pd.DataFrame, title: str) -> bytes:
    """The template as a workbook: locked reference columns, a status list, dates checked, readable widths."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = "填报"
    columns = list(frame.columns)
    last_col = get_column_letter(len(columns))
    sheet["A1"] = title
    sheet["A1"].font = Font(size=14, bold=True)
    sheet.merge_cells(f"A1:{last_col}1")
    sheet["A2"] = "灰色列为参考信息（已锁定）；请填写白色列。指标行填“完成值”，任务行填“任务状态”；没有进展的行留空。"
    sheet["A2"].font = Font(color="B91C1C")
    sheet.merge_cells(f"A2:{last_col}2")
    header_row, first = 3, 4
    grey = PatternFill("solid", fgColor="E5E7EB")
    head = PatternFill("solid", fgColor="1D4ED8")
    for j, name in enumerate(columns, start=1):
        cell = sheet.cell(header_row, j, name + ("*" if name in ("截至日期",) else ""))
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = head
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(j)].width = WIDTHS.get(name, 12)
    for i, row in enumerate(frame.itertuples(index=False), start=first):
        is_target = not pd.isna(row[1]) and row[1] is not None
        for j, (name, value) in enumerate(zip(columns, row), start=1):
            cell = sheet.cell(i, j, None if value is None or (isinstance(value, float) and pd.isna(value))
                              else value)
            fillable = name in FILL and not (is_target and name == "任务状态") and not (
                not is_target and name == "完成值")
            cell.protection = Protection(locked=not fillable)
            if not fillable:
                cell.fill = grey
            if isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            if name in ("任务/指标", "进展情况", "存在问题", "下步计划"):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    end = first + len(frame) - 1
    if len(frame):
        states = DataValidation(type="list", formula1='"' + ",".join(STATE_CHOICES) + '"', allow_blank=True,
                                errorTitle="任务状态", error="请从列表中选择：未启动、推进中 或 已完成",
                                showErrorMessage=True)
        states.add(f"{get_column_letter(columns.index('任务状态') + 1)}{first}:"
                   f"{get_column_letter(columns.index('任务状态') + 1)}{end}")
        dates = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True,
                               errorTitle="截至日期", error="请填写日期，如 2023-09-30", showErrorMessage=True)
        letter = get_column_letter(columns.index("截至日期") + 1)
        dates.add(f"{letter}{first}:{letter}{end}")
        sheet.add_data_validation(states)
        sheet.add_data_validation(dates)
    sheet.freeze_panes = sheet.cell(first, 4)
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False  # clerks may still widen columns
    sheet.protection.formatRows = False
    notes = book.create_sheet("填写说明")
    for i, line in enumerate(INSTRUCTIONS, start=1):
        notes.cell(i, 1, line).font = Font(bold=i == 1, size=13 if i == 1 else 11)
    notes.column_dimensions["A"].width = 110
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def template_title(plan: Plan, unit: str | None) -> str:
    """The title row of a template."""
    return f"{plan.title} · 进度填报表（{unit or '全部单位'}）"
