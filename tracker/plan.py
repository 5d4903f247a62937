"""Load and validate the plan files: tasks.csv, targets.csv, departments.csv and plan.toml."""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from . import schedule
from .formats import invisible, visible
from .validation import Problem, ProblemsError, excel_row

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
UNIT_SEP = "、"
OPEN_LIST_MARK = "等"  # "……区科学技术局等": the list is not exhaustive
TARGET_ID = re.compile(r"^T(\d{2,3})-(\d+)$")

TASK_COLUMNS = ["task_id", "chapter", "chapter_title", "title", "text", "lead_units", "participating_units"]
TARGET_COLUMNS = ["target_id", "task_id", "indicator", "target_value", "target_max", "unit", "direction",
                  "kind", "deadline", "lead_units", "source_text"]
OPTIONAL_TARGET_COLUMNS = ["baseline", "schedule"]
DEPARTMENT_COLUMNS = ["unit", "aliases", "kind"]
DIRECTIONS = ("higher", "lower")
KINDS = ("cumulative", "level")


def split_units(text: str, separators: str = UNIT_SEP) -> list[str]:
    """Unit names of a list joined by any of `separators` (the plan files' 、 by default), a closing 等 dropped."""
    names = [n.strip() for n in re.split(f"[{re.escape(separators)}]", str(text or "")) if n.strip()]
    if names and names[-1].endswith(OPEN_LIST_MARK) and len(names[-1]) > 1:
        names[-1] = names[-1][: -len(OPEN_LIST_MARK)]
    return names


def is_open_list(text: str) -> bool:
    """True when a unit list ends in 等 (others may take part)."""
    return str(text or "").strip().endswith(OPEN_LIST_MARK)


@dataclass
class Plan:
    """The plan: its metadata and three tables, with unit names resolved to canonical ones."""

    meta: dict
    tasks: pd.DataFrame
    targets: pd.DataFrame
    departments: pd.DataFrame
    aliases: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.meta.get("id", "plan")

    @property
    def start(self) -> date:
        return self.meta["start"]

    @property
    def end(self) -> date:
        return self.meta["end"]

    @property
    def title(self) -> str:
        return self.meta.get("title", "")

    @property
    def units(self) -> list[str]:
        return list(self.departments["unit"])

    def canonical(self, name: str) -> str | None:
        """The canonical unit name for a name or alias, or None when unknown."""
        return self.aliases.get(str(name).strip())

    def units_of(self, text: str) -> list[str]:
        """Canonical names of a 、-joined unit list (unknown names kept as written)."""
        return [self.canonical(n) or n for n in split_units(text)]

    def led_by(self, unit: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Tasks and targets that `unit` leads."""
        tasks = self.tasks[self.tasks["lead_list"].map(lambda units: unit in units)]
        targets = self.targets[self.targets["lead_list"].map(lambda units: unit in units)]
        return tasks, targets


def plans_dir() -> Path:
    """Where imported plans are kept: $TRACKER_PLANS, else data/plans/."""
    return Path(os.environ.get("TRACKER_PLANS") or DATA_DIR / "plans")


def available_plans(data_dir: Path = DATA_DIR) -> dict[str, Path]:
    """Plan id -> directory: the default plan in data/, then every imported plan."""
    found = {}
    for directory in [data_dir, *sorted(plans_dir().glob("*/"))]:
        meta = directory / "plan.toml"
        if meta.exists():
            try:
                plan_id = tomllib.loads(meta.read_text(encoding="utf-8")).get("id", directory.name)
            except tomllib.TOMLDecodeError:
                plan_id = directory.name
            found.setdefault(plan_id, directory)
    return found


def _read_csv(path: Path, required: list[str], problems: list[Problem]) -> pd.DataFrame | None:
    if not path.exists():
        problems.append(Problem(path.name, None, None, None, "文件不存在"))
        return None
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        problems.append(Problem(path.name, None, None, None, f"无法读取为 UTF-8 CSV（{exc.__class__.__name__}）"))
        return None
    frame.columns = [c.strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    for column in missing:
        problems.append(Problem(path.name, 1, column, None, "缺少必需的列"))
    return None if missing else frame


def _number(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except (AttributeError, ValueError):
        return None


def _check_tasks(tasks: pd.DataFrame, problems: list[Problem]) -> None:
    seen: set[int] = set()
    for i, row in tasks.iterrows():
        r = excel_row(i)
        if not row["task_id"].isdigit():
            problems.append(Problem("tasks.csv", r, "task_id", row["task_id"], "应为正整数"))
        elif int(row["task_id"]) in seen:
            problems.append(Problem("tasks.csv", r, "task_id", row["task_id"], "任务编号重复"))
        else:
            seen.add(int(row["task_id"]))
        if not row["chapter"].isdigit():
            problems.append(Problem("tasks.csv", r, "chapter", row["chapter"], "章序号应为正整数"))
        if not row["title"].strip():
            problems.append(Problem("tasks.csv", r, "title", "", "任务标题不能为空"))


def _check_targets(targets: pd.DataFrame, task_ids: set[int], plan_start: date, plan_end: date,
                   problems: list[Problem]) -> None:
    seen: set[str] = set()
    for i, row in targets.iterrows():
        r = excel_row(i)
        add = lambda col, expected: problems.append(Problem("targets.csv", r, col, row[col], expected))  # noqa: E731
        match = TARGET_ID.match(row["target_id"])
        if not match:
            add("target_id", "指标编号应形如 T15-1（T + 两位任务号 + 序号）")
        elif row["target_id"] in seen:
            add("target_id", "指标编号重复")
        seen.add(row["target_id"])
        if not row["task_id"].isdigit() or int(row["task_id"]) not in task_ids:
            add("task_id", "应为 tasks.csv 中已有的任务编号")
        elif match and int(match.group(1)) != int(row["task_id"]):
            add("target_id", f"编号中的任务号应与 task_id（{row['task_id']}）一致")
        value = _number(row["target_value"])
        if value is None:
            add("target_value", "目标值应为数字")
        if row["target_max"].strip():
            upper = _number(row["target_max"])
            if upper is None or (value is not None and upper < value):
                add("target_max", "区间上限应为不小于目标值的数字，或留空")
        if row["direction"] not in DIRECTIONS:
            add("direction", "应为 higher（越大越好）或 lower（越小越好）")
        if row["kind"] not in KINDS:
            add("kind", "应为 cumulative（累计类）或 level（水平类）")
        deadline = _date(row["deadline"])
        if deadline is None:
            add("deadline", "截止日期应为 YYYY-MM-DD")
        elif not plan_start <= deadline <= plan_end:
            add("deadline", f"截止日期应在计划期 {plan_start} 至 {plan_end} 之内")
        if row.get("baseline", "").strip() and _number(row["baseline"]) is None:
            add("baseline", "基期值应为数字，或留空")
        if not row["indicator"].strip():
            add("indicator", "指标名称不能为空")
        if schedule.parse(row.get("schedule", "")) is None:
            add("schedule", "进度安排应为空、linear、front_loaded、back_loaded、year_end，"
                            "或 quarterly:a,b,c,d（各季度末累计应完成的百分比，递增且最后为 100）")


def _hidden(file: str, row: int, column: str, name: str) -> Problem | None:
    """A unit name holding invisible characters: a right-to-left override makes 县‮局财政‬ read as another unit."""
    codes = invisible(name)
    if not codes:
        return None
    return Problem(file, row, column, visible(name), f"单位名称含有不可见的控制字符（{'、'.join(dict.fromkeys(codes))}），"
                   "会使名称显示成另一个样子或与别的名称混淆；请删除这些字符")


def _alias_map(departments: pd.DataFrame, problems: list[Problem]) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for i, row in departments.iterrows():
        r = excel_row(i)
        unit = row["unit"].strip()
        if not unit:
            problems.append(Problem("departments.csv", r, "unit", "", "单位名称不能为空"))
            continue
        for name, column in [(unit, "unit")] + [(a, "aliases") for a in split_units(row["aliases"])]:
            hidden = _hidden("departments.csv", r, column, name)
            if hidden:
                problems.append(hidden)
                continue
            owner = aliases.get(name)
            if owner is not None and owner != unit:
                problems.append(Problem("departments.csv", r, column, name, f"与“{owner}”的名称或简称重复"))
            aliases[name] = unit
    return aliases


def _check_units(tasks: pd.DataFrame, targets: pd.DataFrame, aliases: dict[str, str],
                 problems: list[Problem]) -> None:
    for file, frame, columns in (("tasks.csv", tasks, ("lead_units", "participating_units")),
                                 ("targets.csv", targets, ("lead_units",))):
        for i, row in frame.iterrows():
            for column in columns:
                for name in split_units(row[column]):
                    hidden = _hidden(file, excel_row(i), column, name)
                    if hidden:
                        problems.append(hidden)
                    elif name not in aliases:
                        problems.append(Problem(file, excel_row(i), column, name,
                                                "单位未在 departments.csv 中登记（请添加为单位或简称）"))


def load_plan(directory: Path | str = DATA_DIR) -> Plan:
    """Read and validate a plan directory; raise ProblemsError listing every problem found."""
    directory = Path(directory)
    problems: list[Problem] = []
    meta_path = directory / "plan.toml"
    meta = {"title": directory.name, "document_number": "", "start": None, "end": None}
    try:
        meta.update(tomllib.loads(meta_path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        problems.append(Problem("plan.toml", None, None, None, "文件不存在（需写明 title、start、end）"))
    except tomllib.TOMLDecodeError as exc:
        problems.append(Problem("plan.toml", None, None, None, f"格式错误：{exc}"))
    for key in ("start", "end"):
        if not isinstance(meta.get(key), date):
            problems.append(Problem("plan.toml", None, key, str(meta.get(key) or ""), "应为日期，如 2023-01-01"))

    tasks = _read_csv(directory / "tasks.csv", TASK_COLUMNS, problems)
    targets = _read_csv(directory / "targets.csv", TARGET_COLUMNS, problems)
    departments = _read_csv(directory / "departments.csv", DEPARTMENT_COLUMNS, problems)
    if problems:
        raise ProblemsError(problems)
    for column in OPTIONAL_TARGET_COLUMNS:
        if column not in targets.columns:
            targets[column] = ""

    _check_tasks(tasks, problems)
    task_ids = {int(t) for t in tasks["task_id"] if t.isdigit()}
    _check_targets(targets, task_ids, meta["start"], meta["end"], problems)
    aliases = _alias_map(departments, problems)
    _check_units(tasks, targets, aliases, problems)
    if problems:
        raise ProblemsError(problems)
    return _build(meta, tasks, targets, departments, aliases)


def _build(meta: dict, tasks: pd.DataFrame, targets: pd.DataFrame, departments: pd.DataFrame,
           aliases: dict[str, str]) -> Plan:
    resolve = lambda text: [aliases[n] for n in split_units(text)]  # noqa: E731
    tasks = tasks.assign(
        task_id=tasks["task_id"].astype(int),
        chapter=tasks["chapter"].astype(int),
        lead_list=tasks["lead_units"].map(resolve),
        participating_list=tasks["participating_units"].map(resolve),
    )
    targets = targets.assign(
        task_id=targets["task_id"].astype(int),
        target_value=targets["target_value"].astype(float),
        target_max=pd.to_numeric(targets["target_max"].replace("", None), errors="coerce"),
        baseline=pd.to_numeric(targets["baseline"].replace("", None), errors="coerce"),
        deadline=targets["deadline"].map(date.fromisoformat),
        lead_list=targets["lead_units"].map(resolve),
    )
    chapters = tasks.drop_duplicates("chapter").set_index("chapter")["chapter_title"]
    targets = targets.assign(chapter=targets["task_id"].map(tasks.set_index("task_id")["chapter"]),
                             chapter_title=lambda f: f["chapter"].map(chapters))
    return Plan(meta=meta, tasks=tasks, targets=targets, departments=departments, aliases=aliases)
