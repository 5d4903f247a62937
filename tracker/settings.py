"""The one table of tunable rule parameters, with defaults and help text."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    default: float
    help_zh: str
    help_en: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "tolerance", 0.05,
        "容差：完成率比应达进度（累计类为时序进度，水平类为100%）低不超过此值仍算正常推进。",
        "Tolerance: completion may trail the expected progress (time progress for cumulative "
        "targets, 100% for level targets) by this much and still count as on track.",
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
        "further short is unlikely.",
    ),
    Setting(
        "not_started_grace", 0.25,
        "未启动宽限：无量化指标的任务报“未启动”时，时序进度超过此值即算进度滞后。",
        "Not-started grace: a task without numeric targets reported as not started counts as "
        "lagging once time progress passes this share.",
    ),
)

DEFAULTS: dict[str, float] = {s.name: s.default for s in SETTINGS}


def resolve(overrides: dict[str, float] | None = None) -> dict[str, float]:
    """Defaults with any stored overrides applied; unknown names are ignored."""
    values = dict(DEFAULTS)
    for name, value in (overrides or {}).items():
        if name in values:
            values[name] = float(value)
    return values
