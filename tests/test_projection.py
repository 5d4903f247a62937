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
        ("T15-1", date(2023, 3, 31), 20.0, 0),
        ("T15-1", date(2023, 6, 30), 500.0, 1),     # reverted
        ("T15-1", date(2023, 6, 30), 40.0, 0),
        ("T15-1", date(2023, 11, 30), 85.0, 0),     # after the as-of date
    ], columns=["target_id", "as_of", "actual", "reverted"])
    targets = plan.targets.assign(completion=None)
    result = add_projection(targets, history, START, date(2023, 9, 30)).set_index("target_id")
    slope = 20 / 91                                   # from 20 on day 90 to 40 on day 181
    expected = 30 + slope * (365 - 135.5)
    assert result.at["T15-1", "projected"] == pytest.approx(expected)
    assert result.at["T15-1", "projected_status"] == AT_RISK         # 80.4 of 85
    assert pd.isna(result.at["T68-1", "projected"]) and pd.isna(result.at["T68-1", "projected_status"])
