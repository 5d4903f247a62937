"""Year-end projection: method and verdicts as tables with hand-computed expectations."""
from datetime import date

import pandas as pd
import pytest

from tracker.projection import AT_RISK, UNLIKELY, WILL_COMPLETE, add_projection, project_value, projected_status

START, END = date(2023, 1, 1), date(2023, 12, 31)


@pytest.mark.parametrize("points, kind, baseline, expected", [
    ([], "cumulative", None, None),
    # one report: its rate since plan start; 30 by day 181 (06-30) -> 30 * 365 / 181
    ([(date(2023, 6, 30), 30.0)], "cumulative", None, 30 * 365 / 181),
    # one report from a baseline of 75: 75 + (80 - 75) * 365 / 181
    ([(date(2023, 6, 30), 80.0)], "cumulative", 75.0, 75 + 5 * 365 / 181),
    # exactly linear reports: 10 on day 90, 20 on day 181, 30 on day 272 -> slope 10/91 per day
    ([(date(2023, 3, 31), 10.0), (date(2023, 6, 30), 20.0), (date(2023, 9, 29), 30.0)], "cumulative", None,
     20 + 10 / 91 * (365 - 181)),
    # a level target keeps its latest value
    ([(date(2023, 3, 31), 90.0), (date(2023, 9, 30), 96.0)], "level", None, 96.0),
])
def test_project_value(points, kind, baseline, expected):
    result = project_value(points, kind, START, END, baseline)
    assert result == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize("done, expected", [
    (None, None), (1.2, WILL_COMPLETE), (1.0, WILL_COMPLETE), (0.95, AT_RISK), (0.90, AT_RISK), (0.89, UNLIKELY),
])
def test_projected_status(done, expected):
    assert projected_status(done) == expected


def test_reverted_and_later_reports_do_not_count(plan):
    history = pd.DataFrame([
        ("T68-1", date(2023, 3, 31), 70.0, 0),
        ("T68-1", date(2023, 6, 30), 500.0, 1),     # reverted
        ("T68-1", date(2023, 6, 30), 140.0, 0),
        ("T68-1", date(2023, 11, 30), 300.0, 0),    # after the as-of date
    ], columns=["target_id", "as_of", "actual", "reverted"])
    targets = plan.targets.assign(completion=None)
    result = add_projection(targets, history, START, date(2023, 9, 30)).set_index("target_id")
    slope = 70 / 91                                   # from 70 on day 90 to 140 on day 181
    expected = 105 + slope * (365 - 135.5)
    assert result.at["T68-1", "projected"] == round(expected)  # to the precision of 300户
    assert result.at["T68-1", "projected_status"] == AT_RISK         # 281.5 of 300
    assert pd.isna(result.at["T66-1", "projected"]) and pd.isna(result.at["T66-1", "projected_status"])


Q = "quarterly:0,0,40,100"


@pytest.mark.parametrize("points, spec, expected", [
    # on the Q3 milestone exactly (40% of 85 = 34): projected to complete
    ([(date(2023, 9, 30), 34.0)], Q, 85.0),
    # nothing due before Q3: no pace to extend yet
    ([(date(2023, 6, 30), 5.0)], Q, None),
    # between milestones the pace runs straight from 0 (06-30) to 40% (09-30): 62 of 92 days by 08-31
    ([(date(2023, 8, 31), 20.0)], Q, 20 / (0.4 * 62 / 92)),
    # several reports: least squares of value = k * pace; 11-15 is 46 of the 92 days from 40% (09-30) to 100%
    ([(date(2023, 9, 30), 30.0), (date(2023, 11, 15), 60.0)], Q,
     (0.4 * 30 + (0.4 + 0.6 * 46 / 92) * 60) / (0.4 ** 2 + (0.4 + 0.6 * 46 / 92) ** 2)),
    # back_loaded (10, 30, 60, 100): 30 by 06-30 is on schedule for 100
    ([(date(2023, 6, 30), 30.0)], "back_loaded", 100.0),
    # year_end expects nothing before Q4
    ([(date(2023, 6, 30), 10.0)], "year_end", None),
    # the straight line keeps the least-squares method
    ([(date(2023, 6, 30), 30.0)], "", 30 * 365 / 181),
])
def test_projection_follows_the_targets_schedule(points, spec, expected):
    result = project_value(points, "cumulative", START, END, None, spec)
    assert result == (None if expected is None else pytest.approx(expected))


def test_a_target_on_its_quarterly_schedule_is_projected_to_complete(plan):
    history = pd.DataFrame([("T15-1", date(2023, 9, 30), 34.0, 0)],
                           columns=["target_id", "as_of", "actual", "reverted"])
    result = add_projection(plan.targets.assign(completion=None), history, START, date(2023, 9, 30))
    row = result.set_index("target_id").loc["T15-1"]
    assert row["projected"] == pytest.approx(85.0) and row["projected_status"] == WILL_COMPLETE
