"""The one table of tunable rule parameters, with defaults and help text."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Setting:
    name: str
    default: float
    help_zh: str
    help_en: str
    low: float = 0.0                 # the range a value must keep to
    high: float = 1.0
    whole: bool = False              # a number of days

    @property
    def switch(self) -> bool:
        """Whether the setting is on (1) or off (0), and nothing between."""
        return self.whole and (self.low, self.high) == (0, 1)

    def label(self, lang: str = "zh") -> str:
        """The setting's name for people: its help text up to the colon."""
        return self.help_en.split(":")[0] if lang == "en" else self.help_zh.split("：")[0]

    def help(self, lang: str = "zh") -> str:
        """The setting's help text in the language."""
        return self.help_en if lang == "en" else self.help_zh


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "tolerance", 0.05,
        "容差：完成率比应达进度（累计类为时序进度，水平类为100%）低不超过此值仍算正常推进。",
        "Tolerance: completion may trail the expected progress (time progress for cumulative "
        "targets, 100% for level targets) by this much and still count as on track.", high=0.5,
    ),
    Setting(
        "severe_margin", 0.15,
        "严重滞后界限：落后超过“容差 + 此值”即为严重滞后，介于两者之间为进度滞后。",
        "Severe margin: behind by more than tolerance plus this is severe; in between is lagging.",
    ),
    Setting(
        "projection_risk", 0.10,
        "预测风险界限：预计年底完成率低于100%但差距不超过此值为“有风险”，差距更大为“难完成”。",
        "Projection risk margin: a projected completion short of 100% by at most this is at risk; "
        "further short is unlikely.", high=0.5,
    ),
    Setting(
        "not_started_grace", 0.25,
        "未启动宽限：无量化指标的任务报“未启动”时，时序进度超过此值即算进度滞后。",
        "Not-started grace: a task without numeric targets reported as not started counts as "
        "lagging once time progress passes this share.",
    ),
)

SETTINGS += (
    Setting("weight_completion", 0.6,
            "考核权重·完成：牵头指标和任务相对进度安排的完成程度（每项最多计满分）。",
            "Score weight, completion: how far each item led has come against its schedule (capped per item)."),
    Setting("weight_timeliness", 0.3,
            "考核权重·按期：牵头事项在各报告期内按期上报的比例（截至统计截至日所在报告期）。",
            "Score weight, punctuality: share of the reporting periods so far in which each item led was reported."),
    Setting("weight_severe", 0.1,
            "考核权重·无严重滞后：牵头事项中没有严重滞后的比例。",
            "Score weight, no severe items: share of the items led that are not severely behind."),
    Setting("declared_share", 0.6,
            "自报事项折算：只有单位自报状态、没有量化数值的任务，最多按量化指标得分的此比例计分。",
            "Declared-item share: a task tracked only by the state its unit declares (no figure) earns at most "
            "this share of the credit a measured target earns."),
    Setting("problem_overdue_days", 30,
            "问题超期（天）：问题从发现起超过此天数仍未解决，标为超期。",
            "Problem overdue (days): an open problem older than this is flagged.", 1, 366, True),
)
SETTINGS += (
    Setting("upload_max_rows", 5000,
            "上传行数上限：进度文件中有内容的行超出此行号即拒绝整个文件（防止异常文件拖垮服务器）。",
            "Upload row limit: a progress file with content below this row is refused whole (so that a "
            "hostile file cannot exhaust the server).", 100, 100000, True),
    Setting("upload_max_columns", 60,
            "上传列数上限：进度文件中有内容的列超出此列数即拒绝整个文件。",
            "Upload column limit: a progress file with content right of this column is refused whole.",
            10, 1000, True),
)
SETTINGS += (
    Setting("board_date", 0,
            "固定统计截至日：写成 20230930 这样的八位日期，全看板按此日评判；0 表示按报告期自动（上一报告期的报送截止日一过即进入该期）。",
            "Fixed board date: a date written as 20230930 judges the whole board at that date; 0 follows the "
            "reporting periods (the board moves on once a period's report is due).", 0, 99991231, True),
)
SETTINGS += (
    Setting("review", 1,
            "上报审核：1 表示单位上报的数值须经督办室审核通过才计入状态、预警、排名和导出；0 表示上报即计入（不审核）。"
            "未设账户的单机管理员模式下不审核。",
            "Review: 1 means a unit's reported figures count only once the office approves them; 0 means they "
            "count on arrival. The local-administrator mode (no accounts) never reviews.", 0, 1, True),
    Setting("review_overdue_days", 3,
            "审核超期（工作日）：上报后超过此工作日数仍未审核，在审核页标为超期。",
            "Review overdue (working days): a row still waiting this many working days after upload is flagged.",
            1, 60, True),
    Setting("evidence_required", 0,
            "完成需佐证：1 表示“已完成”（数值达到目标或任务报已完成）须附至少一份佐证材料，审核页标出缺少佐证的行；0 表示不要求。",
            "Completion needs evidence: 1 means a completed figure or task needs at least one evidence file, and "
            "review shows the rows that lack it; 0 means it does not.", 0, 1, True),
    Setting("evidence_file_mb", 10,
            "佐证文件大小上限（MB）：单个佐证文件超过此大小即拒绝。",
            "Evidence file limit (MB): a single evidence file larger than this is refused.", 1, 100, True),
    Setting("evidence_batch_mb", 50,
            "佐证批量上限（MB）：一次上传的佐证文件合计超过此大小即全部拒绝。",
            "Evidence batch limit (MB): files uploaded together larger than this in total are all refused.",
            1, 500, True),
)
WEIGHTS = ("weight_completion", "weight_timeliness", "weight_severe")

DEFAULTS: dict[str, float] = {s.name: s.default for s in SETTINGS}


def validate(values: dict[str, float]) -> list[str]:
    """What is wrong with a full set of values (in Chinese, each setting by its name on the form), empty when they
    may be stored."""
    errors = []
    for setting in SETTINGS:
        value = values.get(setting.name)
        name = setting.label()
        if value is None:
            errors.append(f"{name}：缺少数值")
        elif not setting.low <= value <= setting.high:
            errors.append(f"{name}：{value:g} 超出允许范围 {setting.low:g}～{setting.high:g}")
        elif setting.whole and value != int(value):
            errors.append(f"{name}：{value:g} 应为整数" + ("天数" if setting.name.endswith("_days") else ""))
        elif setting.name == "board_date" and value and fixed_board_date(value) is None:
            errors.append(f"{name}：{value:g} 不是有效日期，应写成 20230930 这样的八位日期，或 0")
    total = sum(values.get(name) or 0 for name in WEIGHTS)
    if abs(total - 1) > 1e-6:
        errors.append(f"三项考核权重之和应为 1，现为 {total:g}")
    return errors


def fixed_board_date(value: float) -> date | None:
    """The board date the office fixed (the setting's 20230930), None for 0 or a number that is no date."""
    text = f"{int(value):08d}"
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:])) if value else None
    except ValueError:
        return None


def resolve(overrides: dict[str, float] | None = None) -> dict[str, float]:
    """Defaults with any stored overrides applied; unknown names are ignored."""
    values = dict(DEFAULTS)
    for name, value in (overrides or {}).items():
        if name in values:
            values[name] = float(value)
    return values


# The office that puts its name to what leaves the app (the deck's and the ledger's author). A name, not a number,
# so it sits beside the numeric table: plan.toml's office_name, else the plan's issuer, else this.
OFFICE_NAME_DEFAULT = "督办室"
OFFICE_NAME_HELP = ("发文单位：汇报PPT和台账的作者，取 plan.toml 的 office_name，没有时取 issuer（印发单位），再没有时为“督办室”；"
                    "导出时可用 --office 另指定。",
                    "Office: the author of the deck and the ledger, from plan.toml's office_name, else its issuer, "
                    "else 督办室; export --office overrides it.")


def office_name(plan_meta: dict, chosen: str | None = None) -> str:
    """The office named as author: the one chosen, else plan.toml's office_name, else its issuer, else 督办室."""
    for name in (chosen, plan_meta.get("office_name"), plan_meta.get("issuer")):
        if name and str(name).strip():
            return str(name).strip()
    return OFFICE_NAME_DEFAULT
