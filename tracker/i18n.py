"""Words shown to people, in Simplified Chinese (default) and English."""
from __future__ import annotations

LANGS = ("zh", "en")

STATUS_LABELS = {
    "completed": ("已完成", "Completed"),
    "on_track": ("正常推进", "On track"),
    "lagging": ("进度滞后", "Lagging"),
    "severe": ("严重滞后", "Severely behind"),
    "not_reported": ("未上报", "Not reported"),
}
TASK_STATE_LABELS = {
    "not_started": ("未启动", "Not started"),
    "in_progress": ("推进中", "In progress"),
    "done": ("已完成", "Done"),
}
KIND_LABELS = {"cumulative": ("累计类", "Cumulative"), "level": ("水平类", "Level")}
DIRECTION_LABELS = {"higher": ("越大越好", "Higher is better"), "lower": ("越小越好", "Lower is better")}

TEXT: dict[str, tuple[str, str]] = {
    "app_title": ("督办看板", "Target Supervision Dashboard"),
    "overview": ("总览", "Overview"),
    "departments": ("部门", "Units"),
    "tasks": ("任务台账", "Task ledger"),
    "targets": ("指标", "Targets"),
    "language": ("语言 / Language", "语言 / Language"),
    "as_of": ("统计截至", "As of"),
    "unit_filter": ("单位筛选", "Unit filter"),
    "all_units": ("全部单位", "All units"),
    "all": ("全部", "All"),
    "tasks_n": ("重点任务", "Tasks"),
    "targets_n": ("量化指标", "Targets"),
    "time_progress": ("时序进度", "Time progress"),
    "completion": ("完成率", "Completion"),
    "avg_completion": ("平均完成率", "Average completion"),
    "overall_completion": ("总体完成率", "Overall completion"),
    "status": ("状态", "Status"),
    "status_breakdown": ("指标状态分布", "Targets by status"),
    "by_chapter": ("各章平均完成率", "Average completion by chapter"),
    "chapter": ("章", "Chapter"),
    "unit": ("单位", "Unit"),
    "lead_units": ("牵头单位", "Lead units"),
    "participating_units": ("参与单位", "Participating units"),
    "indicator": ("指标", "Indicator"),
    "target_value": ("目标值", "Target"),
    "actual": ("完成值", "Actual"),
    "measure_unit": ("计量单位", "Unit of measure"),
    "deadline": ("截止日期", "Deadline"),
    "reported_on": ("上报日期", "Reported on"),
    "kind": ("类型", "Kind"),
    "direction": ("方向", "Direction"),
    "note": ("备注", "Note"),
    "task_id": ("序号", "No."),
    "title": ("任务", "Task"),
    "text": ("任务内容", "Text"),
    "target_id": ("指标编号", "Target ID"),
    "source_text": ("原文", "Source phrase"),
    "empty_store": ("尚无任何进度上报：下面显示完整计划，所有指标均为“未上报”。",
                    "No progress has been reported yet: the whole plan is shown with every target not reported."),
    "load_sample": ("载入示例数据", "Load sample data"),
    "remove_sample": ("移除示例数据", "Remove sample data"),
    "sample_help": ("示例数据是虚构的数字，仅用于熟悉看板；可随时一键移除。",
                    "Sample data is invented, only for getting to know the dashboard; remove it any time."),
    "sample_banner": ("当前显示的是示例数据（虚构），不是真实上报。",
                      "Showing SAMPLE data (invented), not real reports."),
    "sample_loaded": ("已载入示例数据。", "Sample data loaded."),
    "sample_removed": ("已移除示例数据（批次已撤销，记录保留）。", "Sample data removed (batches reverted, kept in history)."),
    "reported": ("已上报", "Reported"),
    "ranking": ("单位排名（按平均完成率）", "Units ranked by average completion"),
    "rank": ("名次", "Rank"),
    "targets_led": ("牵头指标数", "Targets led"),
    "tasks_led": ("牵头任务数", "Tasks led"),
    "choose_unit": ("选择单位查看详情", "Choose a unit for details"),
    "none": ("（无）", "(none)"),
    "search": ("搜索（任务名称、内容或单位）", "Search (title, text or unit)"),
    "filter_chapter": ("章", "Chapter"),
    "filter_status": ("状态", "Status"),
    "choose_task": ("选择任务查看详情", "Choose a task for details"),
    "task_targets": ("本任务的量化指标", "Targets of this task"),
    "no_targets": ("本任务没有量化指标，按任务上报状态跟踪。", "No numeric targets: tracked by its reported state."),
    "history": ("上报历史", "Report history"),
    "no_history": ("尚无上报记录。", "No reports yet."),
    "reverted": ("已撤销", "Reverted"),
    "rows_shown": ("共 {n} 项", "{n} items"),
    "no_match": ("没有符合筛选条件的项目。", "Nothing matches the filters."),
    "open_list": ("（名单以“等”结尾，另有其他单位参与）", "(the list ends in 等: others take part too)"),
    "task_state": ("任务状态", "Task state"),
    "progress_text": ("进展情况", "Progress"),
    "of_target": ("目标", "target"),
    "plan_error": ("计划文件有误，请修正后刷新：", "The plan files have errors; fix them and reload:"),
    "gauge_hint": ("仪表盘中的红线为时序进度；颜色表示状态。", "The red line on a gauge marks time progress; colour shows status."),
    "sort_by": ("排序", "Sort by"),
    "sort_id": ("按编号", "By ID"),
    "sort_completion": ("按完成率（低→高）", "By completion (low→high)"),
    "not_reported_yet": ("未上报", "Not reported"),
    "unit_tasks": ("牵头任务", "Tasks led"),
    "unit_targets": ("牵头指标", "Targets led"),
    "unit_participating": ("参与任务", "Tasks taking part in"),
    "status_counts_by_unit": ("各单位牵头指标状态", "Status of targets by lead unit"),
    "completion_by_unit": ("各单位平均完成率", "Average completion by lead unit"),
    "days_behind": ("落后时序", "Behind time"),
    "report": ("进度上报", "Report progress"),
    "batches": ("上报记录", "Upload history"),
    "report_as": ("填报单位", "Reporting unit"),
    "office_all": ("督办室（全部单位）", "Supervision office (all units)"),
    "tab_upload": ("上传文件", "Upload a file"),
    "tab_edit": ("在线填报", "Edit in the app"),
    "tab_template": ("下载模板", "Download the template"),
    "template_help": ("下载本单位的填报模板，在 Excel 中填写后回到“上传文件”上传。灰色列为参考信息，请填写白色列。",
                      "Download your unit's template, fill it in Excel, then upload it under “Upload a file”. "
                      "Grey columns are for reference; fill the white ones."),
    "template_date": ("模板预填的截至日期", "Date pre-filled in the template"),
    "download_xlsx": ("下载 Excel 模板（.xlsx）", "Download Excel template (.xlsx)"),
    "download_csv": ("下载 CSV 模板", "Download CSV template"),
    "upload_label": ("选择填好的进度文件（CSV 或 Excel .xlsx）", "Choose the filled-in progress file (CSV or .xlsx)"),
    "problems_found": ("{name} 有 {n} 处问题，未导入任何数据。请按下表修改后重新上传：",
                       "{name} has {n} problems; nothing was imported. Fix them and upload again:"),
    "id": ("编号", "ID"),
    "row": ("行", "Row"),
    "column": ("列", "Column"),
    "value": ("值", "Value"),
    "expected": ("问题与要求", "What is expected"),
    "preview": ("导入前预览：以下 {n} 条将写入（原有记录保留）", "Preview: these {n} rows will be stored (nothing is overwritten)"),
    "previous": ("上次值", "Previous"),
    "previous_on": ("上次日期", "Previous date"),
    "new_value": ("新值", "New value"),
    "new_on": ("截至日期", "As of"),
    "new_status": ("新状态", "New status"),
    "warnings_found": ("有 {n} 条提醒，请核对：", "{n} warnings to check:"),
    "confirm_warnings": ("我已核对以上提醒，数据无误", "I have checked the warnings; the data is right"),
    "confirm_import": ("确认导入", "Confirm import"),
    "imported": ("已导入为批次 {batch}：{rows} 条记录（{name}）。", "Stored as batch {batch}: {rows} rows ({name})."),
    "duplicate": ("该文件已于批次 {batch} 导入过，未作任何改动。", "This file was already stored as batch {batch}; nothing changed."),
    "edit_help": ("直接在表中填写有进展的行（完成值或任务状态），其余留空，然后点“检查并预览”。",
                  "Fill in the rows that moved (value or task state), leave the rest empty, then press “Check and preview”."),
    "check_edit": ("检查并预览", "Check and preview"),
    "edit_name": ("在线填报", "in-app edit"),
    "batch": ("批次", "Batch"),
    "file_name": ("文件", "File"),
    "created_at": ("导入时间", "Imported at"),
    "user": ("操作人", "User"),
    "rows_n": ("行数", "Rows"),
    "source": ("来源", "Source"),
    "sample_flag": ("示例", "Sample"),
    "revert": ("撤销该批次", "Revert this batch"),
    "revert_confirm": ("确认撤销：该批次的数据将不再计入（记录保留，不会删除）", "Confirm: its rows stop counting (kept, not deleted)"),
    "reverted_ok": ("批次 {batch} 已撤销。", "Batch {batch} reverted."),
    "no_batches": ("还没有任何上报批次。", "No uploads yet."),
    "choose_batch": ("查看批次", "Show batch"),
    "batch_rows": ("批次 {batch} 的内容", "Rows of batch {batch}"),
}


def t(key: str, lang: str = "zh", **values) -> str:
    """The text for `key` in `lang`, with {placeholders} filled."""
    zh, en = TEXT[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


def status_label(status: str, lang: str = "zh") -> str:
    """Display name of a status code."""
    zh, en = STATUS_LABELS[status]
    return en if lang == "en" else zh


def label(table: dict[str, tuple[str, str]], code: str | None, lang: str = "zh") -> str:
    """Display name of a code from one of the label tables; empty for None."""
    if code is None or code not in table:
        return ""
    zh, en = table[code]
    return en if lang == "en" else zh
