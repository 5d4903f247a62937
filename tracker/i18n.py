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
