"""Read a progress file (CSV or XLSX) and validate every row against the plan."""
from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd

from .plan import Plan
from .problems import Problem
from .status import DONE, IN_PROGRESS, NOT_STARTED

# Canonical column -> headers clerks write for it (compared after normalising case and spaces).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "target_id": ("target_id", "指标编号", "目标编号", "指标id", "编号"),
    "task_id": ("task_id", "任务编号", "任务序号", "任务号"),
    "as_of": ("as_of", "截至日期", "统计日期", "报告日期", "填报日期", "日期"),
    "actual": ("actual", "完成值", "实际完成", "累计完成", "完成情况（数值）", "实际值"),
    "state": ("state", "status", "任务状态", "状态"),
    "note": ("note", "备注", "进展情况", "说明"),
    "problems": ("problems", "存在问题", "问题"),
    "next_steps": ("next_steps", "下步计划", "下一步计划"),
}
STATE_WORDS = {"未启动": NOT_STARTED, "推进中": IN_PROGRESS, "已完成": DONE,
               NOT_STARTED: NOT_STARTED, IN_PROGRESS: IN_PROGRESS, DONE: DONE}
EXCEL_EPOCH = date(1899, 12, 30)


@dataclass
class Ingested:
    """What a file would store, with every problem found in it."""

    file_name: str
    sha256: str
    targets: pd.DataFrame
    tasks: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


def _normalise_header(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).lower()


_HEADER_LOOKUP = {_normalise_header(v): key for key, variants in HEADER_ALIASES.items() for v in variants}


def parse_number(text: str) -> float | None:
    """A number from what clerks type (1,234 / １２３ / 85家); None when there is none."""
    cleaned = unicodedata.normalize("NFKC", str(text)).strip().replace(",", "")
    match = re.fullmatch(r"([-+]?\d+(?:\.\d+)?)\s*[^\d\s]*", cleaned)
    return float(match.group(1)) if match else None


def parse_date(value) -> date | None:
    """A date from 2023-09-30, 2023/9/30, 2023年9月30日, 20230930 or an Excel serial; else None."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip()
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+00:00:00)?", text)
    if not match:
        match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if match:
        try:
            return date(*map(int, match.groups()))
        except ValueError:
            return None
    if re.fullmatch(r"\d{5}(\.0)?", text):
        return EXCEL_EPOCH + timedelta(days=int(float(text)))
    return None


def read_table(data: bytes, file_name: str) -> pd.DataFrame:
    """The file's cells as strings, with no header applied; raises ValueError when unreadable."""
    if file_name.lower().endswith((".xlsx", ".xlsm")):
        try:
            sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, dtype=object)
        except Exception as exc:  # openpyxl raises many kinds for a broken workbook
            raise ValueError(f"无法作为 Excel 工作簿打开（{exc.__class__.__name__}）") from exc
        for frame in sheets.values():
            if _find_header(frame) is not None:
                return frame
        return next(iter(sheets.values()), pd.DataFrame())
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError("无法识别文件编码（应为 UTF-8 或 GBK 编码的 CSV）")
    if "\x00" in text:
        raise ValueError("不是文本格式的 CSV 文件（可能是改了扩展名的其他文件）")
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise ValueError(f"CSV 格式错误：{exc}") from exc
    width = max((len(r) for r in rows), default=0)  # a title row above the header has fewer cells
    return pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=str)


def _find_header(frame: pd.DataFrame) -> int | None:
    for i in range(min(len(frame), 20)):
        keys = {_HEADER_LOOKUP.get(_normalise_header(v)) for v in frame.iloc[i] if not _blank(v)}
        if ("target_id" in keys or "task_id" in keys) and ("actual" in keys or "state" in keys):
            return i
    return None


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() == ""


def ingest(plan: Plan, data: bytes, file_name: str, *, unit: str | None = None,
           today: date | None = None, last_values: dict[str, float] | None = None) -> Ingested:
    """Parse and validate a progress file; nothing is stored here."""
    sha = hashlib.sha256(data).hexdigest()
    empty_t = pd.DataFrame(columns=["target_id", "as_of", "actual", "note", "excel_row"])
    empty_k = pd.DataFrame(columns=["task_id", "as_of", "state", "progress", "problems", "next_steps", "excel_row"])
    result = Ingested(file_name, sha, empty_t, empty_k)
    fail = lambda row, col, value, expected: result.problems.append(  # noqa: E731
        Problem(file_name, row, col, value, expected))
    if not data.strip():
        fail(None, None, None, "文件是空的，请填写后再上传")
        return result
    try:
        raw = read_table(data, file_name)
    except ValueError as exc:
        fail(None, None, None, str(exc))
        return result
    header = _find_header(raw)
    if header is None:
        fail(None, None, None, "找不到表头：需要“指标编号”（或“任务编号”）列和“完成值”（或“任务状态”）列")
        return result
    columns = {}
    for j, name in enumerate(raw.iloc[header]):
        key = _HEADER_LOOKUP.get(_normalise_header(name)) if not _blank(name) else None
        if key and key not in columns:
            columns[key] = (j, str(name).strip())
    if "as_of" not in columns:
        fail(header + 1, "截至日期", None, "缺少必需的列“截至日期”")
        return result
    label = {key: shown for key, (_, shown) in columns.items()}
    today = today or date.today()
    targets = plan.targets.set_index("target_id")
    task_leads = plan.tasks.set_index("task_id")["lead_list"].to_dict()
    target_rows, task_rows, seen = [], [], {}
    body = raw.iloc[header + 1:]
    for offset, (_, cells) in enumerate(body.iterrows()):
        excel = header + 2 + offset
        cell = lambda key: None if key not in columns or _blank(cells.iloc[columns[key][0]]) \
            else cells.iloc[columns[key][0]]  # noqa: E731
        text = lambda key: "" if cell(key) is None else str(cell(key)).strip()  # noqa: E731
        tid, kid = text("target_id"), text("task_id")
        if not tid and not kid or tid in ("合计", "总计", "小计") or kid in ("合计", "总计", "小计"):
            continue
        if cell("actual") is None and cell("state") is None:
            continue  # left empty in the template: no report
        as_of = parse_date(cell("as_of")) if cell("as_of") is not None else None
        if as_of is None:
            fail(excel, label["as_of"], text("as_of"), "应为日期，如 2023-09-30")
        elif not plan.start <= as_of <= plan.end:
            fail(excel, label["as_of"], text("as_of"), f"日期应在计划期 {plan.start} 至 {plan.end} 之内")
        elif as_of > today:
            fail(excel, label["as_of"], text("as_of"), f"日期不能晚于今天（{today}）")
        if tid:
            if tid not in targets.index:
                fail(excel, label["target_id"], tid, "不是本计划中的指标编号（应形如 T15-1，见模板）")
                continue
            target = targets.loc[tid]
            if unit and unit not in target["lead_list"]:
                fail(excel, label["target_id"], tid, f"该指标的牵头单位是{target['lead_units']}，{unit}不能填报")
                continue
            if "actual" not in columns:
                fail(header + 1, "完成值", None, "缺少必需的列“完成值”")
                return result
            value = parse_number(text("actual")) if cell("actual") is not None else None
            if value is None:
                fail(excel, label["actual"], text("actual"), f"应为数字（单位：{target['unit']}）")
                continue
            if value < 0 and target["unit"] != "%":
                fail(excel, label["actual"], text("actual"), "完成值不能为负数")
                continue
            key = (tid, as_of)
            if key in seen and seen[key][0] != value:
                fail(excel, label["actual"], text("actual"),
                     f"与第{seen[key][1]}行同一指标同一日期的值（{seen[key][0]:g}）不同")
                continue
            seen[key] = (value, excel)
            last = (last_values or {}).get(tid)
            if last and value > 10 * last:
                result.problems.append(Problem(file_name, excel, label["actual"], text("actual"),
                                               f"是上次上报值（{last:g}）的十倍以上，请确认", "warning"))
            target_rows.append((tid, as_of, value, text("note"), excel))
        else:
            if not kid.isdigit() or int(kid) not in task_leads:
                fail(excel, label["task_id"], kid, "不是本计划中的任务编号")
                continue
            if unit and unit not in task_leads[int(kid)]:
                leads = "、".join(task_leads[int(kid)]) or "（无）"
                fail(excel, label["task_id"], kid, f"该任务的牵头单位是{leads}，{unit}不能填报")
                continue
            state = STATE_WORDS.get(text("state")) if cell("state") is not None else None
            if cell("state") is not None and state is None:
                fail(excel, label["state"], text("state"), "任务状态应为 未启动、推进中 或 已完成")
                continue
            task_rows.append((int(kid), as_of, state, text("note"), text("problems"), text("next_steps"), excel))
    if not target_rows and not task_rows and not result.errors:
        fail(None, None, None, "文件中没有任何填报内容（只有表头或全部留空）")
    result.targets = pd.DataFrame(target_rows, columns=empty_t.columns)
    result.tasks = pd.DataFrame(task_rows, columns=empty_k.columns)
    return result
