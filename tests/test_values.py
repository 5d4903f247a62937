"""Values as clerks type them: numbers, units, 万/亿, percentages and dates."""
from datetime import date, datetime

import pytest

from tracker.values import parse_date, parse_number, to_target_unit


@pytest.mark.parametrize("text, expected", [
    ("85", 85.0), ("1,234", 1234.0), ("１２３", 123.0), ("85家", 85.0), (" 2.5 ", 2.5), ("-3", -3.0),
    ("abc", None), ("", None), ("八十五", None), ("5²", None), ("①", None), ("٣", None), ("𝟓", None),
])
def test_parse_number(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("value, expected", [
    ("2023-09-30", date(2023, 9, 30)), ("2023/9/30", date(2023, 9, 30)), ("2023.9.30", date(2023, 9, 30)),
    ("2023年9月30日", date(2023, 9, 30)), ("20230930", date(2023, 9, 30)), ("45199", date(2023, 9, 30)),
    ("2023-09-30 00:00:00", date(2023, 9, 30)), (datetime(2023, 9, 30, 0, 0), date(2023, 9, 30)),
    ("２０２３年９月３０日", date(2023, 9, 30)), ("2023-02-30", None), ("9月底", None), ("", None),
    ("2023-09-3⁰", None),
])
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("text, unit, target, value, error, warning", [
    ("85", "家", 85, 85.0, None, None),
    ("85家", "家", 85, 85.0, None, None),
    ("1,080", "人", 1000, 1080.0, None, None),
    ("1.5万", "人", 5000, 15000.0, None, None),
    ("1.5万平方米", "万平方米", 15, 1.5, None, None),
    ("15000平方米", "万平方米", 15, 1.5, None, None),
    ("5000万元", "亿元", 80, 0.5, None, None),
    ("35%", "%", 35, 35.0, None, None),
    ("35", "%", 35, 35.0, None, None),
    ("0.35", "%", 35, 35.0, None, "按比例理解为 35%"),
    ("1", "%", 100, 100.0, None, "按比例理解为 100%"),
    ("0.8", "%", 1, 0.8, None, None),               # a target under 5%: a bare 0.8 is 0.8%
    ("1.31:1", ":1", 1.28, 1.31, None, None),
    ("12公里", "万平方米", 15, None, "不符", None),
    ("三十", "家", 85, None, "应为数字", None),
    ("35个", "%", 35, None, "单位应为 %", None),
    ("5²", "家", 85, None, "非标准的数字字符“²”", None),        # NFKC alone would read 52
    ("１２０", "户", 300, 120.0, None, None),                    # full-width digits are plain digits
    (60, "家", 85, 60.0, None, None),                            # a number cell of a workbook
    (1e20, "家", 85, None, "数值超出合理范围", None),
    (float("inf"), "家", 85, None, "数值超出合理范围", None),
    (float("nan"), "%", 5, None, "数值超出合理范围", None),
    ("9" * 400, "家", 85, None, "数值超出合理范围", None),        # overflows to infinity
    ("85000000", "家", 85, 85000000.0, None, None),              # exactly 1e6 times the target: still read
    ("85000001", "家", 85, None, "绝对值最多 85,000,000", None),
    ("1000001", "%", 0, None, "绝对值最多 1,000,000", None),     # a target of 0 counts as 1
    ("2" + "0" * 15, "亿元", 1e10, None, "绝对值最多 1,000,000,000,000,000", None),  # never beyond 1e15
])
def test_to_target_unit(text, unit, target, value, error, warning):
    got_value, got_error, got_warning = to_target_unit(text, unit, target)
    assert got_value == (None if value is None else pytest.approx(value))
    assert (got_error is None) == (error is None) and (error is None or error in got_error)
    assert (got_warning is None) == (warning is None) and (warning is None or warning in got_warning)
