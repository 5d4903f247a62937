"""Reporting periods, the board date and the late flag (DESIGN.md, "Status rules")."""
from dataclasses import replace
from datetime import date

import pytest

from tracker.periods import board_date, late, now_reporting, period_of, periods
from tracker.plan import DATA_DIR, load_plan
from tracker.snapshot import take
from tracker.store import Store


@pytest.fixture(scope="module")
def plan():
    return load_plan(DATA_DIR)


def _quarterly(plan, due_day=10):
    return replace(plan, meta={**plan.meta, "reporting": "quarterly", "due_day": due_day})


def test_a_monthly_plan_has_twelve_periods_each_due_on_the_fifth_of_the_next_month(plan):
    every = periods(plan)
    assert len(every) == 12
    assert (every[0].start, every[0].end, every[0].due) == (date(2023, 1, 1), date(2023, 1, 31), date(2023, 2, 5))
    assert (every[-1].start, every[-1].end, every[-1].due) == (date(2023, 12, 1), date(2023, 12, 31),
                                                               date(2024, 1, 5))


def test_a_quarterly_plan_has_four_periods(plan):
    every = periods(_quarterly(plan))
    assert [(p.end, p.due) for p in every] == [(date(2023, 3, 31), date(2023, 4, 10)),
                                               (date(2023, 6, 30), date(2023, 7, 10)),
                                               (date(2023, 9, 30), date(2023, 10, 10)),
                                               (date(2023, 12, 31), date(2024, 1, 10))]
    assert every[2].label(True) == "2023年第3季度"


@pytest.mark.parametrize("today, expected", [
    (date(2022, 12, 1), date(2023, 1, 1)),      # before the plan: its start
    (date(2023, 1, 20), date(2023, 1, 1)),      # nothing due yet
    (date(2023, 2, 4), date(2023, 1, 1)),       # January's report is due tomorrow
    (date(2023, 2, 5), date(2023, 1, 31)),      # ... and today
    (date(2023, 10, 4), date(2023, 8, 31)),
    (date(2023, 10, 5), date(2023, 9, 30)),
    (date(2026, 12, 1), date(2023, 12, 31)),    # a 2023 plan opened later is shown as of its end
])
def test_the_board_date_is_the_end_of_the_latest_period_whose_report_is_due(plan, today, expected):
    assert board_date(plan, today) == expected


def test_the_office_may_fix_the_board_date_and_sample_data_fixes_it_at_its_last_period(plan):
    assert board_date(plan, date(2026, 12, 1), fixed=date(2023, 6, 30)) == date(2023, 6, 30)
    assert board_date(plan, date(2026, 12, 1), fixed=date(2030, 1, 1)) == date(2023, 12, 31)
    assert board_date(plan, date(2026, 12, 1), sample_until=date(2023, 9, 20)) == date(2023, 9, 30)


@pytest.mark.parametrize("today, expected", [
    (date(2023, 5, 6), date(2023, 5, 31)),
    (date(2022, 5, 6), date(2023, 1, 31)),
    (date(2026, 5, 6), date(2023, 12, 31)),
])
def test_the_period_now_being_reported_contains_today_clamped_to_the_plan(plan, today, expected):
    assert now_reporting(plan, today).end == expected


@pytest.mark.parametrize("reported_on, done, expected", [
    (None, False, True),
    (date(2023, 8, 31), False, True),    # the report before the board's period
    (date(2023, 9, 1), False, False),
    (date(2023, 9, 30), False, False),
    (None, True, False),                 # a completed item owes no more reports
])
def test_an_item_is_late_without_a_report_dated_inside_the_boards_period(plan, reported_on, done, expected):
    assert late(reported_on, date(2023, 9, 30), plan, done) is expected


def test_period_of_a_day_after_the_plan_is_its_last(plan):
    assert period_of(plan, date(2024, 3, 1)).end == date(2023, 12, 31)


def _batch(store, plan, rows, name):
    import pandas as pd
    frame = pd.DataFrame(rows, columns=["target_id", "as_of", "actual", "note"])
    frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
    empty = pd.DataFrame(columns=["task_id", "as_of", "state", "progress", "problems", "next_steps"])
    return store.add_batch(plan.id, name, name, frame, empty)


def test_one_units_early_report_moves_nobody_else(plan, tmp_path):
    store = Store(tmp_path / "p.db")
    _batch(store, plan, [("T68-1", "2023-09-30", 200, "")], "september.csv")
    today = date(2023, 10, 20)                       # September's report is due; October's is not
    before = take(plan, store, today=today)
    _batch(store, plan, [("T03-1", "2023-10-31", 30, "")], "early.csv")
    after = take(plan, store, today=today)
    assert before.as_of == after.as_of == date(2023, 9, 30)
    assert before.targets["status"].tolist() == after.targets["status"].tolist()
    late = after.targets.set_index("target_id")["late"]
    assert not late["T68-1"] and late["T03-1"]        # its October figure waits for the board to reach it
    assert take(plan, store, today=date(2023, 11, 5)).targets.set_index("target_id").at["T03-1", "actual"] == 30


def test_nothing_is_late_before_the_boards_period_is_due(plan, tmp_path):
    snapshot = take(plan, Store(tmp_path / "p.db"), date(2023, 10, 15), today=date(2023, 10, 20))
    assert not snapshot.targets["late"].any() and not snapshot.tasks["late"].any()


@pytest.mark.parametrize("today, expected", [
    (date(2023, 10, 5), date(2023, 9, 30)),     # September's report fell due today
    (date(2023, 10, 11), date(2023, 9, 30)),
    (date(2023, 10, 12), None),                 # a week later the news is old
    (date(2023, 10, 4), None),                  # not due yet: the board is still at August
])
def test_a_banner_says_when_the_board_moved_to_a_new_period(plan, today, expected):
    from tracker.periods import newly_moved
    moved = newly_moved(plan, date(2023, 9, 30), today)
    assert (moved and moved.end) == expected


def test_the_office_fixes_the_board_date_in_the_settings(plan, tmp_path):
    from tracker.settings import DEFAULTS
    from tracker.snapshot import default_board_date
    store = Store(tmp_path / "p.db")
    assert default_board_date(plan, store, date(2026, 12, 1)) == date(2023, 12, 31)
    store.set_settings({**DEFAULTS, "board_date": 20230630}, by="office")
    assert default_board_date(plan, store, date(2026, 12, 1)) == date(2023, 6, 30)
    assert take(plan, store, today=date(2026, 12, 1)).as_of == date(2023, 6, 30)


@pytest.mark.parametrize("value, error", [
    (20230931, "不是有效日期"),
    (2023.5, "应为整数"),
    (0, None),
    (20230630, None),
])
def test_a_fixed_board_date_must_be_a_real_date(value, error):
    from tracker.settings import DEFAULTS, validate
    errors = validate({**DEFAULTS, "board_date": value})
    assert (error in " ".join(errors)) if error else errors == []
