"""Reading values as clerks type them: numbers with units, percentages, 万/亿, and dates."""
from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timedelta

EXCEL_EPOCH = date(1899, 12, 30)
COUNTED_UNITS = frozenset("家个人名项所部条处户")  # things counted whole: a due 30.7处 is 31处
SCALES = {"万": 1e4, "亿": 1e8}
_NUMBER = re.compile(r"([-+]?[0-9]+(?:\.[0-9]+)?)\s*(.*)")
PLAIN_DIGITS = frozenset("0123456789０１２３４５６７８９")  # full-width digits are what Chinese input methods type
# A reported value is refused beyond this many times its target (or 1 when the target is 0 or unknown), and beyond
# MAX_MAGNITUDE in any case: no real progress figure is a million times its target, and such a number is a typo or a
# pasted identifier that would drown every total and chart.
MAX_FACTOR = 1e6
MAX_MAGNITUDE = 1e15


def normalise(text) -> str:
    """Full-width to half-width, thousands separators and surrounding spaces removed."""
    return unicodedata.normalize("NFKC", str(text)).strip().replace(",", "").replace("，", "")


def odd_digit(text) -> str | None:
    """The first character that reads as a digit but is not a plain or full-width one (², ①, ٣, 𝟓), else None."""
    return next((c for c in str(text) if unicodedata.category(c) in ("Nd", "No", "Nl") and c not in PLAIN_DIGITS),
                None)


def sane_limit(target_value) -> float:
    """The largest magnitude a reported value may have for a target of this value."""
    base = abs(float(target_value)) if target_value is not None and math.isfinite(float(target_value)) else 0.0
    return min(MAX_MAGNITUDE, MAX_FACTOR * max(base, 1.0))


def _number_text(text) -> str:
    return re.sub(r"(?<=\d) +(?=\d)", "", normalise(text))  # 1 080 is 1080


def parse_number(text) -> float | None:
    """The leading number of what clerks type (1,234 / １２３ / 85家); None when there is none."""
    if odd_digit(text):
        return None
    match = _NUMBER.fullmatch(_number_text(text))
    return float(match.group(1)) if match else None


def split_scale(unit: str) -> tuple[float, str]:
    """A unit's 万/亿 multiplier and the rest: 万平方米 -> (1e4, 平方米), 家 -> (1, 家)."""
    unit = unit.strip()
    if unit[:1] in SCALES:
        return SCALES[unit[0]], unit[1:]
    return 1.0, unit


def to_target_unit(text, target_unit: str, target_value: float) -> tuple[float | None, str | None, str | None]:
    """A typed value in the target's unit: (value, error, warning).

    Rules:
    - a unit written after the number must be the target's, optionally with 万 or 亿, and the value is scaled to
      the target's unit (1.5万 for a target in 人 is 15000; 15000平方米 for one in 万平方米 is 1.5);
    - for a percentage target, 35% and 35 mean 35%; a bare number between 0 and 1 for a target of 5% or more is
      read as a fraction (0.35 is 35%), with a warning to confirm, because a growth of 0.35% is possible too;
    - digits other than 0-9 and their full-width forms are refused (5² must not become 52), and so is a value that
      is not finite or beyond sane_limit of the target.
    """
    value, error, warning = _in_target_unit(text, target_unit, target_value)
    if error is None and not (math.isfinite(value) and abs(value) <= sane_limit(target_value)):
        limit = sane_limit(target_value)
        return None, (f"数值超出合理范围（绝对值最多 {limit:,.0f}，即指标值的 100 万倍，且不超过 1000 万亿），"
                      "请核对是否多写了数字"), None
    return value, error, warning


def _in_target_unit(text, target_unit: str, target_value: float) -> tuple[float | None, str | None, str | None]:
    if isinstance(text, (int, float)) and not isinstance(text, bool):  # a number cell of a workbook
        value, suffix = float(text), ""
    else:
        odd = odd_digit(text)
        if odd:
            return None, f"含有非标准的数字字符“{odd}”（上标、圈码等），请只用数字 0-9 填写", None
        match = _NUMBER.fullmatch(_number_text(text))
        if not match:
            return None, f"应为数字（单位：{target_unit}）", None
        value, suffix = float(match.group(1)), match.group(2).strip()
    if target_unit == "%":
        if suffix in ("%", "％"):
            return value, None, None
        if suffix:
            return None, "单位应为 %", None
        if 0 < value <= 1 and target_value >= 5:
            return value * 100, None, f"按比例理解为 {value * 100:g}%，请确认"
        return value, None, None
    if not suffix or suffix == target_unit:
        return value, None, None
    target_scale, target_base = split_scale(target_unit)
    scale, base = split_scale(suffix)
    if base and base != target_base:
        return None, f"单位“{suffix}”与指标单位“{target_unit}”不符", None
    return value * scale / target_scale, None, None


def parse_date(value) -> date | None:
    """A date from 2023-09-30, 2023/9/30, 2023.9.30, 2023年9月30日, 20230930, an Excel serial or a datetime."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if odd_digit(value):
        return None
    text = normalise(value)
    match = (re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+0{1,2}:00(?::00)?)?", text)
             or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text))
    if match:
        try:
            return date(*map(int, match.groups()))
        except ValueError:
            return None
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return EXCEL_EPOCH + timedelta(days=int(float(text)))
    return None


def decode(data: bytes) -> str | None:
    """Text in UTF-8 (with or without BOM) or GBK/GB18030, as Chinese Windows writes it; None if neither."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None
