"""Status rules as tables: inputs on the left, the expected result on the right."""
from datetime import date

import pandas as pd
import pytest

from tracker.status import (
    COMPLETED,
    LAGGING,
    NOT_REPORTED,
    ON_TRACK,
    SEVERE,
    completion,
    evaluate_targets,
    evaluate_tasks,
    expected_share,
    roll_up,
    target_status,
    task_state_status,
    time_progress,
    unit_overview,
)

START, END = date(2023, 1, 1), date(2023, 12, 31)


@pytest.mark.parametrize("as_of, deadline, expected", [
    (date(2022, 12, 1), END, 0.0),
    (date(2023, 1, 1), END, 1 / 365),
    (date(2023, 7, 2), END, 183 / 365),
    (date(2023, 12, 31), END, 1.0),
    (date(2024, 3, 1), END, 1.0),
    (date(2023, 6, 30), date(2023, 6, 30), 1.0),
    (date(2023, 3, 31), date(2023, 6, 30), 90 / 181),
])
def test_time_progress(as_of, deadline, expected):
    assert time_progress(START, deadline, as_of) == pytest.approx(expected)


@pytest.mark.parametrize("actual, target, direction, baseline, expected", [
    (None, 85, "higher", None, None),
    (0, 85, "higher", None, 0.0),
    (42.5, 85, "higher", None, 0.5),
    (85, 85, "higher", None, 1.0),
    (102, 85, "higher", None, 1.2),
    (1.28, 1.28, "lower", None, 1.0),
    (1.20, 1.28, "lower", None, 1.0),
    (1.60, 1.28, "lower", None, 0.8),
    (80, 85, "higher", 75, 0.5),          # stock target: half the gap from 75 to 85 closed
    (70, 85, "higher", 75, 0.0),          # fell below the baseline: nothing closed
    (1.34, 1.28, "lower", 1.40, 0.5),     # lower with baseline: half the way from 1.40 down to 1.28
])
def test_completion(actual, target, direction, baseline, expected):
    result = completion(actual, target, direction, baseline)
    assert result == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize("done, due, past, expected", [
    (None, 0.5, False, NOT_REPORTED),
    (1.0, 0.2, False, COMPLETED),
    (1.3, 1.0, True, COMPLETED),
    (0.50, 0.50, False, ON_TRACK),
    (0.46, 0.50, False, ON_TRACK),     # within the 5-point tolerance
    (0.44, 0.50, False, LAGGING),
    (0.30, 0.50, False, LAGGING),      # exactly tolerance + margin behind
    (0.29, 0.50, False, SEVERE),
    (0.96, 1.00, False, ON_TRACK),     # a level target is due at 100% all year
    (0.90, 1.00, False, LAGGING),
    (0.70, 1.00, False, SEVERE),
    (0.05, 0.00, False, ON_TRACK),     # a schedule that expects nothing yet
    (0.99, 1.00, True, SEVERE),        # past the deadline and not completed
])
def test_target_status(done, due, past, expected):
    assert target_status(done, due, past) == expected


@pytest.mark.parametrize("kind, spec, as_of, expected", [
    ("cumulative", "", date(2023, 7, 2), 183 / 365),
    ("level", "", date(2023, 7, 2), 1.0),
    ("cumulative", "quarterly:0,10,40,100", date(2023, 3, 30), 0.0),
    ("cumulative", "quarterly:0,10,40,100", date(2023, 6, 30), 0.10),
    ("cumulative", "quarterly:0,10,40,100", date(2023, 11, 30), 0.40),
    ("cumulative", "quarterly:0,10,40,100", date(2023, 12, 31), 1.0),
    ("cumulative", "back_loaded", date(2023, 6, 30), 0.30),
    ("cumulative", "back_loaded", date(2023, 8, 15), 0.30 + 0.30 * 46 / 92),
    ("cumulative", "year_end", date(2023, 9, 30), 0.0),
    ("cumulative", "front_loaded", date(2023, 3, 31), 0.35),
    ("level", "quarterly:25,50,75,100", date(2023, 7, 1), 0.50),
])
def test_expected_share_follows_the_schedule(kind, spec, as_of, expected):
    assert expected_share(kind, spec, START, END, as_of) == pytest.approx(expected)


def test_a_scheduled_target_is_on_track_where_the_straight_line_would_say_severe(plan):
    due_linear = expected_share("cumulative", "", START, END, date(2023, 6, 30))
    due_stepped = expected_share("cumulative", "quarterly:0,10,40,100", START, END, date(2023, 6, 30))
    assert target_status(0.12, due_linear, False) == SEVERE
    assert target_status(0.12, due_stepped, False) == ON_TRACK


@pytest.mark.parametrize("state, progress, past, expected", [
    (None, 0.5, False, NOT_REPORTED),
    ("done", 0.5, False, COMPLETED),
    ("in_progress", 0.9, False, ON_TRACK),
    ("not_started", 0.2, False, ON_TRACK),
    ("not_started", 0.3, False, LAGGING),
    ("in_progress", 1.0, True, SEVERE),
])
def test_task_state_status(state, progress, past, expected):
    assert task_state_status(state, progress, past) == expected


@pytest.mark.parametrize("statuses, expected", [
    ([], NOT_REPORTED),
    ([NOT_REPORTED, NOT_REPORTED], NOT_REPORTED),
    ([COMPLETED, COMPLETED], COMPLETED),
    ([COMPLETED, NOT_REPORTED], ON_TRACK),
    ([COMPLETED, ON_TRACK], ON_TRACK),
    ([ON_TRACK, LAGGING, NOT_REPORTED], LAGGING),
    ([COMPLETED, SEVERE, LAGGING], SEVERE),
])
def test_roll_up(statuses, expected):
    assert roll_up(statuses) == expected


def _reports(*rows):
    return pd.DataFrame(list(rows), columns=["target_id", "as_of", "actual", "note"])


def test_evaluate_targets_uses_each_reported_value(plan):
    as_of = date(2023, 9, 30)
    frame = evaluate_targets(plan, _reports(("T15-1", as_of, 85.0, ""), ("T66-2", as_of, 1.8, "")), as_of)
    rows = frame.set_index("target_id")
    assert rows.at["T15-1", "status"] == COMPLETED
    assert rows.at["T66-2", "completion"] == pytest.approx(1.28 / 1.8)
    assert rows.at["T66-2", "status"] == SEVERE
    assert (frame["status"] == NOT_REPORTED).sum() == len(plan.targets) - 2


def test_a_task_rolls_up_its_targets_and_its_own_state(plan):
    as_of = date(2023, 9, 30)
    targets = evaluate_targets(plan, _reports(("T15-1", as_of, 85.0, ""), ("T15-2", as_of, 10.0, "")), as_of)
    task_reports = pd.DataFrame([(2, as_of, "in_progress", "", "", "")],
                                columns=["task_id", "as_of", "state", "progress", "problems", "next_steps"])
    tasks = evaluate_tasks(plan, targets, task_reports, as_of).set_index("task_id")
    assert tasks.at[15, "status"] == SEVERE          # one completed, one far behind
    assert tasks.at[2, "status"] == ON_TRACK         # no targets: its own state
    assert tasks.at[1, "status"] == NOT_REPORTED
    assert tasks.at[15, "reported_on"] == as_of


def test_unit_overview_lists_every_lead_unit_best_first(plan):
    as_of = date(2023, 9, 30)
    targets = evaluate_targets(plan, _reports(("T68-1", as_of, 300.0, ""), ("T15-1", as_of, 10.0, "")), as_of)
    tasks = evaluate_tasks(plan, targets, pd.DataFrame(columns=["task_id", "as_of", "state", "progress",
                                                                "problems", "next_steps"]), as_of)
    units = unit_overview(targets, tasks, plan.departments)
    assert list(units["lead_unit"][:2]) == ["区民政局", "区科学技术局"]
    assert units.set_index("lead_unit").at["区政府办公室", "targets"] == 0
    assert set(units["lead_unit"]) == {u for units in plan.tasks["lead_list"] for u in units}
