"""Read a progress file (see readers for the kinds) and validate every row against the plan, reporting every
problem."""
from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd

from .plan import Plan
from .readers import MAX_FILE_BYTES, Limits, Unreadable, read_sheets  # noqa: F401  (the CLI's size check)
from .settings import resolve
from .status import DONE, IN_PROGRESS, NOT_STARTED
from .validation import Problem, ProblemsError
from .values import parse_date, sane_limit, to_target_unit

DEFAULT_LIMITS = Limits()  # the settings' defaults

MAX_TEXT_CHARS = 5000  # a note, problem or next step longer than this is a pasted document, not a report

# Canonical column -> headers clerks write for it (compared after normalising width, case and spaces).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "target_id": ("target_id", "指标编号", "目标编号", "指标id", "指标代码"),
    "task_id": ("task_id", "任务编号", "任务序号", "任务号"),
    "as_of": ("as_of", "截至日期", "截止日期（填报）", "统计日期", "报告日期", "填报日期", "数据日期"),
    "actual": ("actual", "完成值", "实际完成", "累计完成", "实际完成值", "累计完成值", "完成数", "实际值"),
    "state": ("state", "status", "任务状态", "推进状态"),
    "note": ("note", "progress", "进展情况", "备注", "说明", "工作进展"),
    "problems": ("problems", "存在问题", "问题", "困难问题"),
    "next_steps": ("next_steps", "下步计划", "下一步计划", "下步打算"),
}
REQUIRED_HINT = "需要“指标编号”（或“任务编号”）列和“完成值”（或“任务状态”）列"
STATE_WORDS = {"未启动": NOT_STARTED, "未开始": NOT_STARTED, "推进中": IN_PROGRESS, "进行中": IN_PROGRESS,
               "实施中": IN_PROGRESS, "正在推进": IN_PROGRESS, "已完成": DONE, "完成": DONE, "已办结": DONE,
               NOT_STARTED: NOT_STARTED, IN_PROGRESS: IN_PROGRESS, DONE: DONE}
TOTAL_WORDS = ("合计", "总计", "小计")
FILLED = ("actual", "state", "note", "problems", "next_steps")  # the columns a clerk fills in a template
TARGET_COLUMNS = ["target_id", "as_of", "actual", "note", "excel_row"]
TASK_COLUMNS = ["task_id", "as_of", "state", "progress", "problems", "next_steps", "excel_row"]


@dataclass
class Ingested:
    """What a file would store, with every problem found in it."""

    file_name: str
    sha256: str
    targets: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TARGET_COLUMNS))
    tasks: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TASK_COLUMNS))
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

    def fail(self, row: int | None, column: str | None, value, expected: str, severity: str = "error") -> None:
        self.problems.append(Problem(self.file_name, row, column, None if value is None else str(value), expected,
                                     severity))


def _clean_header(text) -> str:
    return re.sub(r"[\s*＊:：]+", "", unicodedata.normalize("NFKC", str(text)))


def _header_key(text) -> str | None:
    if text is None:
        return None
    key = _clean_header(text).lower()
    # 完成值（家） or 完成值(%) name the unit in brackets
    return _HEADER_LOOKUP.get(key) or _HEADER_LOOKUP.get(re.sub(r"[(（][^()（）]*[)）]$", "", key))


_HEADER_LOOKUP = {re.sub(r"\s+", "", unicodedata.normalize("NFKC", v)).lower(): key
                  for key, variants in HEADER_ALIASES.items() for v in variants}


def _cell(row: list, j: int) -> str:
    return "" if j >= len(row) or _blank(row[j]) else str(row[j]).strip()


def _blank(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:  # an empty cell of a data editor is pd.NA
        return True
    return (isinstance(value, float) and value != value) or str(value).strip() == ""


def read_rows(data: bytes, file_name: str, limits: Limits = DEFAULT_LIMITS) -> list[list]:
    """The data sheet's cells, row by row as Excel numbers them; raises ProblemsError when the file is unreadable.

    An instructions sheet may hold a small example table, so the data sheet is the one with the most filled rows
    under a header; the first sheet when none has a header."""
    sheets = read_sheets(data, file_name, limits)
    if len(sheets) == 1:
        return sheets[0]
    best, best_rows = None, -1
    for rows in sheets:
        header = _find_header(rows)
        if header is not None:
            filled = sum(1 for row in rows[header.row + 1:] if any(not _blank(v) for v in row))
            if filled > best_rows:
                best, best_rows = rows, filled
    return best if best is not None else (sheets[0] if sheets else [])


@dataclass
class Header:
    row: int                      # index of the (last) header row
    columns: dict[str, int]       # canonical key -> column index
    labels: dict[str, str]        # canonical key -> header as written


def _header_from(cells: list) -> tuple[dict[str, int], dict[str, str]]:
    columns, labels = {}, {}
    for j, name in enumerate(cells):
        key = _header_key(name)
        if key and key not in columns:
            columns[key], labels[key] = j, _clean_header(name)
    return columns, labels


def _usable(columns: dict) -> bool:
    return ("target_id" in columns or "task_id" in columns) and ("actual" in columns or "state" in columns)


def _find_header(rows: list[list]) -> Header | None:
    for i in range(min(len(rows), 30)):
        columns, labels = _header_from(rows[i])
        if _usable(columns):
            return Header(i, columns, labels)
        if i + 1 < len(rows) and columns:
            # A two-row header (merged group cells above sub-headers): the lower row's names win.
            merged = [low if not _blank(low) else up for up, low in
                      zip(list(rows[i]) + [None] * len(rows[i + 1]), rows[i + 1])]
            merged += rows[i][len(merged):]
            columns, labels = _header_from(merged)
            if _usable(columns):
                return Header(i + 1, columns, labels)
    return None


def _is_total(text: str) -> bool:
    return re.sub(r"[\s:：]", "", text) in TOTAL_WORDS


def _is_growth(indicator: str) -> bool:
    return any(word in indicator for word in ("增长", "提高", "增速"))


def _is_share(indicator: str) -> bool:
    return not _is_growth(indicator) and any(word in indicator for word in ("率", "占比", "比重", "覆盖"))


def validate(plan: Plan, rows: list[list], file_name: str, sha256: str, *, unit: str | None = None,
             today: date | None = None, previous: pd.DataFrame | None = None) -> Ingested:
    """Check every row; the result holds the rows to store and every error and warning found."""
    result = Ingested(file_name, sha256)
    if not any(not _blank(v) for row in rows for v in row):
        result.fail(None, None, None, "文件是空的，请填写后再上传")
        return result
    header = _find_header(rows)
    if header is None:
        result.fail(None, None, None, f"找不到表头：{REQUIRED_HINT}")
        return result
    col = header.columns
    if "as_of" not in col:
        result.fail(None, None, None, f"缺少必需的列“截至日期”（表头在第{header.row + 1}行）")
        return result
    if "actual" not in col and any(_cell(row, col["target_id"]) for row in rows[header.row + 1:]
                                   if "target_id" in col):
        result.fail(None, None, None, f"有指标编号的行需要“完成值”列，表头（第{header.row + 1}行）中没有找到"
                                      "（可写作 完成值、实际完成、累计完成）")
        return result
    if unit is not None:
        unit = plan.canonical(unit) or unit
    today = today or date.today()
    skip, plain = _plain_target_rows(plan, rows, header, unit, today, previous)
    target_rows, task_rows, seen = _check_rows(result, plan, rows, header, unit, today, previous, skip)
    if seen and plain and not seen.keys().isdisjoint({(row[0], row[1]) for row in plain}):
        # A row checked alone has the target and date of a plain row: which of the two is kept, or named, depends
        # on their order, so every row is checked alone.
        result = Ingested(file_name, sha256)
        target_rows, task_rows, _ = _check_rows(result, plan, rows, header, unit, today, previous)
        plain = []
    if plain:
        target_rows = sorted(plain + target_rows, key=lambda row: row[-1])  # as the file orders them
    if not target_rows and not task_rows and not result.errors:
        result.fail(None, None, None, "文件中没有任何填报内容（只有表头，或完成值和任务状态全部留空）")
    result.targets = pd.DataFrame(target_rows, columns=TARGET_COLUMNS)
    result.tasks = pd.DataFrame(task_rows, columns=TASK_COLUMNS)
    return result


PLAIN_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
PLAIN_NUMBER = re.compile(r"[-+]?[0-9]+(?:\.[0-9]+)?")
PLAIN_TASK = re.compile(r"([0-9]+)(?:\.0+)?")
TEXT_KEYS = ("note", "problems", "next_steps")


def _plain_date(value) -> str | None:
    if type(value) is str:
        value = value.strip()
        return value if PLAIN_DATE.fullmatch(value) else None
    if type(value) is datetime:
        return value.date().isoformat()
    return value.isoformat() if type(value) is date else None


def _plain_number(value) -> float:
    if type(value) is str:
        value = value.strip()
        return float(value) if PLAIN_NUMBER.fullmatch(value) else math.nan  # float(): as the row checks read it
    return float(value) if type(value) in (int, float) else math.nan


def _plain_task(value) -> int:
    """A task number cell: its number, -1 when blank, -2 when it is anything else."""
    if value is None or (type(value) is float and value != value):
        return -1
    text = value.strip() if type(value) is str else str(value) if type(value) in (int, float) else None
    if text == "":
        return -1
    match = PLAIN_TASK.fullmatch(text) if text is not None else None
    return int(match.group(1)) if match else -2


def _plain_target_rows(plan: Plan, rows: list[list], header: Header, unit: str | None, today: date,
                       previous: pd.DataFrame | None) -> tuple[set[int], list[tuple]]:
    """The rows checked for the whole file at once: target rows whose every cell is plainly right (a known target
    id as the plan writes it, an ISO date inside the plan and not after today, a plain number the target allows,
    nothing that gives an error or a warning), each of its target and date once. Every other row goes through the
    row-by-row checks, which name what is wrong; these rows would give no message there. Returns the rows' indexes
    and what they store."""
    col = header.columns
    start = header.row + 1
    if "target_id" not in col or "actual" not in col or start >= len(rows):
        return set(), []
    data = rows[start:]

    def cells(key: str) -> list:
        j = col.get(key)
        return [None] * len(data) if j is None else [r[j] if j < len(r) else None for r in data]

    # What decides a row, per target: the plan's ids as written (a typed id is normalised by the row checks).
    facts = plan.targets[[unicodedata.normalize("NFKC", t).upper() == t for t in plan.targets["target_id"]]]
    facts = facts.set_index("target_id")
    indicator = facts["indicator"].fillna("")
    limit = facts["target_value"].map(sane_limit).to_numpy(float)
    target_value = facts["target_value"].to_numpy(float)
    percent = facts["unit"].eq("%").to_numpy()
    growth = indicator.map(_is_growth).to_numpy(bool)
    share = indicator.map(_is_share).to_numpy(bool)
    cumulative = facts["kind"].eq("cumulative").to_numpy()
    allowed = facts["lead_list"].map(lambda units: not unit or unit in units).to_numpy(bool)
    last = (previous.drop_duplicates("target_id", keep="last").set_index("target_id")
            if previous is not None and len(previous) else pd.DataFrame(columns=["as_of", "actual"]))
    last_value = last["actual"].reindex(facts.index).to_numpy(float)
    last_day = pd.to_datetime(last["as_of"].reindex(facts.index), errors="coerce").to_numpy("datetime64[ns]")
    has_last = facts.index.isin(last.index)

    ids = [v.strip() if type(v) is str else None for v in cells("target_id")]
    found = facts.index.get_indexer(ids)
    ok = found >= 0
    at = np.where(ok, found, 0)  # unknown ids look at the first target, and are not kept
    if "task_id" in col:
        task = np.array([_plain_task(v) for v in cells("task_id")], dtype=np.int64)
        ok &= (task == -1) | (task == facts["task_id"].to_numpy(np.int64)[at])
    day = pd.to_datetime(pd.Series([_plain_date(v) for v in cells("as_of")], dtype=object), format="%Y-%m-%d",
                         errors="coerce").to_numpy("datetime64[ns]")
    ok &= ((day >= np.datetime64(plan.start)) & (day <= np.datetime64(plan.end))
           & (day <= np.datetime64(today)))  # NaT compares false
    value = np.array([_plain_number(v) for v in cells("actual")], dtype=float)
    with np.errstate(invalid="ignore"):
        ok &= np.abs(value) <= limit[at]  # NaN and infinity fail
        ok &= ~(percent[at] & (value > 0) & (value <= 1) & (target_value[at] >= 5))  # read as a share: a warning
        ok &= ~((value < 0) & ~growth[at])
        ok &= ~(percent[at] & share[at] & (value > 100))
        ok &= allowed[at]
        ten_times = (last_value[at] != 0) & (value > 10 * last_value[at])
        less = cumulative[at] & (day >= last_day[at]) & (value < last_value[at])
        ok &= ~(has_last[at] & (ten_times | less))
    for key in header.labels:  # what _unfaithful refuses
        text = key in TEXT_KEYS
        ok &= np.array([not (isinstance(v, Unreadable) or (text and v is not None and len(str(v)) > MAX_TEXT_CHARS))
                        for v in cells(key)], dtype=bool)
    # The same target and date twice: the row checks say which is kept, or that they differ.
    ok &= ~pd.DataFrame({"at": found, "day": day}).duplicated(keep=False).to_numpy()
    keep = ok.nonzero()[0].tolist()
    notes = cells("note")
    notes = [n.strip() if type(n) is str else "" if _blank(n) else str(n).strip() for n in (notes[i] for i in keep)]
    return ({start + i for i in keep},
            list(zip([ids[i] for i in keep], pd.DatetimeIndex(day[keep]).date.tolist(), value[keep].tolist(), notes,
                     [start + i + 1 for i in keep])))


def _check_rows(result: Ingested, plan: Plan, rows: list[list], header: Header, unit: str | None, today: date,
                previous: pd.DataFrame | None, skip: set[int] = frozenset()) -> tuple[list, list, dict]:
    """Check the rows one by one, but those in `skip`, writing every problem into `result`: the target and task rows
    to store, and the target and date of each target row that reached the duplicate check."""
    col, label = header.columns, header.labels
    targets = plan.targets.set_index("target_id").to_dict("index")  # plain dicts: a row lookup per line
    task_leads = dict(zip(plan.tasks["task_id"], plan.tasks["lead_list"]))
    last = {} if previous is None else {r.target_id: (r.as_of, r.actual) for r in previous.itertuples(index=False)}
    target_rows, task_rows, seen, seen_tasks = [], [], {}, {}

    for index in range(header.row + 1, len(rows)):
        if index in skip:
            continue
        cells = rows[index]
        excel = index + 1

        def get(key):
            j = col.get(key)
            return None if j is None or j >= len(cells) or _blank(cells[j]) else cells[j]

        def text(key):
            value = get(key)
            return "" if value is None else str(value).strip()

        tid, kid = text("target_id"), text("task_id")
        if (not tid and not kid) or _is_total(tid) or _is_total(kid):
            continue
        if all(get(key) is None for key in FILLED):
            continue  # a template row left empty: no report
        if _unfaithful(result, excel, get, label):
            continue
        as_of = None
        if get("as_of") is None:
            result.fail(excel, label["as_of"], "", "请填写截至日期，如 2023-09-30")
        else:
            as_of = parse_date(get("as_of"))
            shown = get("as_of") if not isinstance(get("as_of"), date) else get("as_of").isoformat()[:10]
            if as_of is None:
                result.fail(excel, label["as_of"], shown, "应为日期，如 2023-09-30、2023/9/30 或 2023年9月30日")
            elif not plan.start <= as_of <= plan.end:
                result.fail(excel, label["as_of"], shown, f"日期应在计划期 {plan.start} 至 {plan.end} 之内")
                as_of = None
            elif as_of > today:
                result.fail(excel, label["as_of"], shown, f"日期不能晚于今天（{today}）")
                as_of = None
        if tid:
            _target_row(result, targets, tid, kid, excel, get, text, label, col, unit, as_of, seen, last,
                        target_rows)
        else:
            _task_row(result, task_leads, kid, excel, get, text, label, unit, as_of, seen_tasks, task_rows)
    return target_rows, task_rows, seen


def _unfaithful(result, excel: int, get, label: dict) -> bool:
    """Refuse a row holding a cell that could not be read faithfully or a text too long to be a report."""
    found = False
    for key in label:
        value = get(key)
        if isinstance(value, Unreadable):
            result.fail(excel, label[key], value.text, value.reason)
            found = True
        elif key in ("note", "problems", "next_steps") and value is not None and len(str(value)) > MAX_TEXT_CHARS:
            result.fail(excel, label[key], str(value)[:20] + "…",
                        f"文字过长（{len(str(value))} 字），每格最多 {MAX_TEXT_CHARS} 字，请精简或另附材料")
            found = True
    return found


def _target_row(result, targets, tid, kid, excel, get, text, label, col, unit, as_of, seen, last, out) -> None:
    typed, tid = tid, unicodedata.normalize("NFKC", tid).upper()
    target = targets.get(tid)
    if target is None:
        match = re.fullmatch(r"T(\d{2})-\d+", tid)
        if match is None:
            why = "不是指标编号（应形如 T15-1：T、两位任务号、短横线、序号，见填报模板）"
        else:
            known = sorted((t for t in targets if t.startswith(f"T{match.group(1)}-")), key=lambda t: int(t[4:]))
            why = (f"本计划没有这个指标：任务 {int(match.group(1))} 的指标为 {'、'.join(known)}" if known
                   else f"本计划没有这个指标：任务 {int(match.group(1))} 没有量化指标，请按任务行填写任务状态")
        result.fail(excel, label["target_id"], typed, why)
        return
    kid = _integer(kid) or kid
    if kid and kid.isdigit() and int(kid) != target["task_id"]:
        result.fail(excel, label["task_id"], kid, f"指标 {tid} 属于任务 {target['task_id']}，任务编号不符")
        return
    if unit and unit not in target["lead_list"]:
        result.fail(excel, label["target_id"], tid, f"该指标的牵头单位是{target['lead_units']}，{unit}不能填报")
        return
    if get("actual") is None:
        result.fail(excel, label.get("actual", "完成值"), "",
                    "写了进展的指标行请填写完成值（任务状态只用于没有量化指标的任务行）")
        return
    value, error, warning = to_target_unit(get("actual"), target["unit"], target["target_value"])
    if error:
        result.fail(excel, label["actual"], text("actual"), error)
        return
    if value < 0 and not _is_growth(target["indicator"]):
        result.fail(excel, label["actual"], text("actual"), "完成值不能为负数")
        return
    if target["unit"] == "%" and _is_share(target["indicator"]) and value > 100:
        result.fail(excel, label["actual"], text("actual"), "比率不能超过 100%")
        return
    if warning:
        result.fail(excel, label["actual"], text("actual"), warning, "warning")
    if as_of is None:
        return
    key = (tid, as_of)
    if key in seen:
        if seen[key][0] != value:
            result.fail(excel, label["actual"], text("actual"),
                        f"与第{seen[key][1]}行同一指标同一日期的值（{seen[key][0]:g}）不同，请只保留一个")
        return
    seen[key] = (value, excel)
    if tid in last:
        last_date, last_value = last[tid]
        if last_value and value > 10 * last_value:
            result.fail(excel, label["actual"], text("actual"),
                        f"是上次上报值（{last_value:g}，{last_date}）的十倍以上，请确认", "warning")
        elif target["kind"] == "cumulative" and as_of >= last_date and value < last_value:
            result.fail(excel, label["actual"], text("actual"),
                        f"累计值比上次上报（{last_value:g}，{last_date}）还少，请确认", "warning")
    out.append((tid, as_of, value, text("note"), excel))


def _integer(text: str) -> str | None:
    """'66' for 66 or 66.0 (as some systems export whole numbers), else None."""
    match = re.fullmatch(r"(\d+)(?:\.0+)?", unicodedata.normalize("NFKC", text).strip())
    return match.group(1) if match else None


def _task_row(result, task_leads, kid, excel, get, text, label, unit, as_of, seen, out) -> None:
    kid = _integer(kid) or kid
    if not kid.isdigit() or int(kid) not in task_leads:
        result.fail(excel, label["task_id"], kid, "不是本计划中的任务编号（1 至 {}）".format(max(task_leads)))
        return
    if unit and unit not in task_leads[int(kid)]:
        leads = "、".join(task_leads[int(kid)]) or "（无）"
        result.fail(excel, label["task_id"], kid, f"该任务的牵头单位是{leads}，{unit}不能填报")
        return
    state = None
    if get("state") is not None:
        state = STATE_WORDS.get(text("state"))
        if state is None:
            result.fail(excel, label["state"], text("state"), "任务状态应为 未启动、推进中 或 已完成")
            return
    elif get("actual") is not None:
        result.fail(excel, label["actual"], text("actual"), "任务行没有量化指标，请填写任务状态而不是完成值")
        return
    else:
        result.fail(excel, label.get("state", "任务状态"), "", "写了进展的任务行请同时填写任务状态（未启动、推进中 或 已完成）")
        return
    if as_of is None:
        return
    key = (int(kid), as_of)
    if key in seen:
        if seen[key][0] != state:
            result.fail(excel, label["state"], text("state"), f"与第{seen[key][1]}行同一任务同一日期的状态不同，请只保留一个")
        return
    seen[key] = (state, excel)
    out.append((int(kid), as_of, state, text("note"), text("problems"), text("next_steps"), excel))


def ingest(plan: Plan, data: bytes, file_name: str, *, unit: str | None = None, today: date | None = None,
           previous: pd.DataFrame | None = None, settings: dict[str, float] | None = None) -> Ingested:
    """Read and validate a progress file within the upload limits of the settings; nothing is stored here."""
    sha = hashlib.sha256(data).hexdigest()
    try:
        rows = read_rows(data, file_name, Limits.from_settings(resolve(settings)))
    except ProblemsError as exc:
        result = Ingested(file_name, sha)
        result.problems.extend(exc.problems)
        return result
    return validate(plan, rows, file_name, sha, unit=unit, today=today, previous=previous)


def ingest_frame(plan: Plan, frame: pd.DataFrame, name: str, **kwargs) -> Ingested:
    """Validate rows entered in the app (columns named as in HEADER_ALIASES) exactly like an uploaded file."""
    rows = [list(frame.columns)] + [[None if _blank(v) else v for v in row] for row in frame.itertuples(index=False)]
    sha = hashlib.sha256(frame.to_csv(index=False).encode("utf-8")).hexdigest()
    return validate(plan, rows, name, sha, **kwargs)
