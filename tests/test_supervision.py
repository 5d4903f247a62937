"""Supervision rules: warnings with gaps, chasing, ranking, problems and changes since a meeting."""
import pickle
from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from tracker import chase, projection, ranking, schedule, since_meeting, views
from tracker.i18n import CHANGE_LABELS, CURVE_LABELS, PROJECTED_LABELS
from tracker.snapshot import take
from tracker.status import COMPLETED, LAGGING, NOT_REPORTED, ON_TRACK, SEVERE

D = date(2023, 9, 30)
PLAN = "hedong-2023"


TASK_COLUMNS = ["task_id", "as_of", "state", "progress", "problems", "next_steps"]
NO_TARGETS = pd.DataFrame(columns=["target_id", "as_of", "actual", "note"])


def _report(store, name, *rows, tasks=(), unit=None):
    targets = pd.DataFrame(list(rows), columns=["target_id", "as_of", "actual", "note"])
    task_rows = pd.DataFrame(list(tasks), columns=TASK_COLUMNS)
    return store.add_batch(PLAN, name, f"sha-{name}", targets, task_rows, unit=unit)


def test_a_snapshot_reads_the_task_history_only_when_asked_and_caches_without_any_history(plan, store, monkeypatch):
    _report(store, "a.csv", ("T15-1", date(2023, 6, 30), 50, ""),
            tasks=[(15, date(2023, 6, 30), "in_progress", "", "", "")])
    reads = []
    task_history = store.task_history
    monkeypatch.setattr(store, "task_history", lambda *args, **kwargs: reads.append(args) or task_history(*args, **kwargs))
    snapshot = take(plan, store, D)
    assert reads == []  # status --json and the projection need the target reports only
    assert snapshot.task_history["task_id"].tolist() == [15] and snapshot.task_history is snapshot.task_history
    assert len(reads) == 1
    kept = pickle.loads(pickle.dumps(replace(snapshot, history_source=None)))  # as the pages' cache holds it
    assert kept.targets.equals(snapshot.targets) and kept.has_samples is False
    assert not [name for name, value in vars(kept).items() if isinstance(value, pd.DataFrame) and "batch_id" in value]


@pytest.mark.parametrize("reports, projected", [
    ([("a", 8)], 16),  # 8 by 30 June, straight on to the deadline: 8 × 365 / 181 days
    ([("a", 8), ("b", 10)], 20),  # a later upload for the same date supersedes the earlier one
    ([("a", 8), ("b", 10, "reverted")], 16),  # a reverted one counts for nothing
])
def test_the_projection_counts_the_newest_report_of_each_date_without_reading_the_history(
        plan, store, monkeypatch, reports, projected):
    for name, value, *reverted in reports:
        batch = _report(store, f"{name}.csv", ("T03-1", date(2023, 6, 30), value, ""))
        if reverted:
            store.revert_batch(batch.batch_id)
    monkeypatch.setattr(store, "target_history", lambda *args: pytest.fail("read the whole history"))
    assert take(plan, store, D).targets.set_index("target_id").at["T03-1", "projected"] == projected


def test_behind_gives_the_gap_in_the_targets_own_unit(plan, store):
    _report(store, "a", ("T68-1", D, 150.0, ""), ("T66-2", D, 1.6, ""))
    rows = views.behind(take(plan, store, D), None).set_index("target_id")
    due = 225                                            # 300 × 273/365 = 224.4, rounded up: 户 are counted whole
    assert rows.at["T68-1", "due"] == pytest.approx(due)
    assert rows.at["T68-1", "short_of_due"] == pytest.approx(due - 150)
    assert rows.at["T68-1", "short_of_target"] == 150
    assert rows.at["T66-2", "short_of_target"] == pytest.approx(1.6 - 1.28)   # lower is better: still to come off
    assert list(rows.index) == ["T68-1", "T66-2"]        # 0.748 - 0.5 behind, then 1 - 0.8


@pytest.mark.parametrize("done, due, credit", [(None, 0.5, 0.0), (0.25, 0.5, 0.5), (0.6, 0.5, 1.0), (0.1, 0.0, 1.0),
                                               (0.0, 0.3, 0.0)])
def test_completion_credit_is_capped_at_one_per_item(done, due, credit):
    assert ranking._credit(done, due, None) == pytest.approx(credit)


def test_a_units_score_is_computed_from_its_items_as_documented(plan, store):
    # 区民政局 leads T66-1, T66-2, T67-1, T68-1 (tasks 66-68 all have targets)
    _report(store, "a", ("T66-1", D, 5.0, ""), ("T67-1", D, 90.0, ""), ("T68-1", date(2023, 6, 30), 60.0, ""))
    snapshot = take(plan, store, D)
    row = ranking.scores(snapshot).set_index("unit").loc["区民政局"]
    # credits: T66-1 completed 1; T67-1 level 0.9 of due 1 -> 0.9; T68-1 0.2 of due 0.748 -> 0.2674; T66-2 none -> 0
    completion = (1 + 0.9 + 0.2 / (273 / 365) + 0) / 4
    timeliness = (1 / 9 + 1 / 9 + 1 / 9 + 0) / 4   # of nine monthly periods, each reported item kept one
    severe = 1 / 4              # T68-1: 0.2 against 0.748 is severe
    assert row["items"] == 4
    assert row["completion_part"] == pytest.approx(completion)
    assert row["timeliness_part"] == pytest.approx(timeliness)
    assert row["severe_share"] == pytest.approx(severe)
    assert row["score"] == pytest.approx(100 * (0.6 * completion + 0.3 * timeliness + 0.1 * (1 - severe)))
    items = ranking.items(snapshot)
    assert set(items[items["unit"] == "区民政局"]["item"]) == {"T66-1", "T66-2", "T67-1", "T68-1"}


@pytest.mark.parametrize("days, done, expected", [
    ([], False, 0.0),
    ([date(2023, 1, 31), date(2023, 2, 28), date(2023, 3, 31)], False, 1.0),
    ([date(2023, 1, 31), date(2023, 1, 15)], False, 1 / 3),          # two reports in one period count once
    ([date(2023, 1, 31)], True, 1.0),                                 # completed in January: nothing owed after
    ([date(2023, 3, 31)], True, 1 / 3),                               # completed late: January and February missed
])
def test_punctuality_is_the_share_of_periods_with_a_report(days, done, expected):
    spans = [(date(2023, 1, 1), date(2023, 1, 31)), (date(2023, 2, 1), date(2023, 2, 28)),
             (date(2023, 3, 1), date(2023, 3, 31))]
    assert ranking._punctuality(days, spans, done) == pytest.approx(expected)


def test_no_unit_tops_the_ranking_without_a_figure(plan, store):
    # 区商务局 leads only tasks without targets; it declares every one done in every period
    tasks = [(k, date(2023, m, 28), "done", "", "", "") for k in plan.led_by("区商务局")[0]["task_id"]
             for m in range(1, 10)]
    _report(store, "declared", tasks=tasks)
    _report(store, "measured", ("T68-1", D, 150.0, ""))
    table = ranking.scores(take(plan, store, D)).set_index("unit")
    declared = table.loc["区商务局"]
    assert declared["group"] == ranking.DECLARED and declared["measured_items"] == 0
    assert declared["score"] == pytest.approx(100 * (0.6 * 0.6 + 0.3 * 1 + 0.1 * 1))   # the cap: 76
    measured = table[table["group"] == ranking.MEASURED]
    assert declared["rank"] > measured["rank"].max()                  # placed after every unit that leads targets


def test_participating_roles_are_scored_apart(plan, store):
    _report(store, "a", tasks=[(10, D, "done", "", "", "")])        # task 10: 区投资促进服务中心、区财政局 take part
    table = ranking.scores(take(plan, store, D)).set_index("unit")
    assert table.at["区财政局", "participating_items"] == 2          # tasks 10 and 40
    items = ranking.items(take(plan, store, D))
    part = items[(items["unit"] == "区财政局") & (items["role"] == "participating")].set_index("item")
    assert part.at["10", "completion_part"] == 1.0


@pytest.mark.parametrize("now, before, expected", [
    ([1, 2, 3], [1, 2, 3], [0, 0, 0]),
    ([1, 2, 3], [3, 1, 2], [2, -1, -1]),
    ([1, None], [2, 1], [1, None]),
])
def test_movement_is_places_gained(now, before, expected):
    units = ["甲", "乙", "丙"][:len(now)]
    moved = ranking.movement(pd.DataFrame({"unit": units, "rank": now}),
                             pd.DataFrame({"unit": units, "rank": before}))
    assert list(moved) == expected


@pytest.mark.parametrize("before, now, since, change", [
    (ON_TRACK, COMPLETED, True, since_meeting.BECAME_COMPLETED),
    (COMPLETED, COMPLETED, False, since_meeting.STEADY),
    (ON_TRACK, LAGGING, True, since_meeting.FELL_BEHIND),
    (LAGGING, SEVERE, False, since_meeting.SILENT),            # silent wins over a drift caused only by time passing
    (SEVERE, ON_TRACK, True, since_meeting.RECOVERED),
    (NOT_REPORTED, ON_TRACK, True, since_meeting.RECOVERED),
    (NOT_REPORTED, NOT_REPORTED, False, since_meeting.SILENT),
    (ON_TRACK, ON_TRACK, True, since_meeting.STEADY),
])
def test_kind_of_change_since_a_meeting(before, now, since, change):
    assert since_meeting._kind(before, now, since) == change


def test_every_change_outlook_and_schedule_has_a_label_in_both_languages():
    assert set(CHANGE_LABELS) == set(since_meeting.CHANGES)
    assert set(PROJECTED_LABELS) == {projection.WILL_COMPLETE, projection.AT_RISK, projection.UNLIKELY}
    assert set(CURVE_LABELS) == {"linear", "quarterly", *schedule.CURVES}
    assert schedule.label("back_loaded") == "前缓后快（10%/30%/60%/100%）"


def test_compare_sorts_each_item_of_each_unit(plan, store):
    _report(store, "a", ("T68-1", date(2023, 6, 30), 100.0, ""), ("T67-1", date(2023, 6, 30), 99.0, ""))
    _report(store, "b", ("T68-1", D, 300.0, ""))
    changes = since_meeting.compare(take(plan, store, D), take(plan, store, date(2023, 7, 31))).set_index("item")
    assert changes.at["T68-1", "change"] == since_meeting.BECAME_COMPLETED
    assert changes.at["T67-1", "change"] == since_meeting.SILENT
    counts = since_meeting.by_unit(since_meeting.compare(take(plan, store, D), take(plan, store, date(2023, 7, 31))))
    assert counts.set_index("unit").at["区民政局", since_meeting.BECAME_COMPLETED] == 1


def test_chasing_lists_units_silent_since_a_date_and_drafts_their_notice(plan, store):
    _report(store, "a", ("T68-1", date(2023, 6, 30), 100.0, ""))
    _report(store, "b", ("T15-1", D, 60.0, ""))
    snapshot = take(plan, store, D)
    table = chase.units(snapshot, date(2023, 9, 1)).set_index("unit")
    assert table.at["区民政局", "silent"] and table.at["区民政局", "overdue"] == 4
    assert not table.at["区科学技术局", "silent"]          # reported T15-1 since, still owes its other items
    text = chase.notice(snapshot, "区民政局", date(2023, 9, 1), date(2023, 10, 10), date(2023, 10, 1))
    assert text.startswith("督办通知\n\n区民政局：")
    assert "以下4项工作自2023年9月1日以来未报送" in text
    assert "任务68 指标T68-1 特殊困难老年人家庭适老化改造（目标300户）（最近报送：2023-06-30）" in text
    assert "任务66 指标T66-1" in text and "从未报送" in text
    assert "请于2023年10月10日前" in text


def test_a_problem_raised_in_a_report_becomes_an_item_with_its_history_kept(plan, store):
    _report(store, "a", tasks=[(21, date(2023, 6, 30), "in_progress", "", "用地指标未落实", "")], unit="区商城管委会")
    problems = store.problems(PLAN)
    assert problems[["task_id", "text", "unit", "state"]].values.tolist() == [
        [21, "用地指标未落实", "区商城管委会", "found"]]
    problem = int(problems["id"].iloc[0])
    store.change_problem(problem, "coordinating", by="督办室", note="已提请区政府协调")
    store.change_problem(problem, "solved", by="区商城管委会")
    store.change_problem(problem, "closed", by="督办室", note="已反馈销号")
    history = store.problem_history(problem)
    assert history["state"].tolist() == ["found", "coordinating", "solved", "closed"]
    assert history["by"].fillna("").tolist() == ["", "督办室", "区商城管委会", "督办室"]
    assert history["note"].tolist()[1] == "已提请区政府协调"
    assert store.problems(PLAN)["state"].tolist() == ["closed"]


def test_a_refused_move_writes_nothing_and_the_store_asks_the_problem_list(store):
    problem = store.add_problem(PLAN, 21, "用地指标未落实", D)
    with pytest.raises(ValueError, match="不能改为"):
        store.change_problem(problem, "closed", note="说明")
    with pytest.raises(ValueError, match="须填写进展说明"):
        store.change_problem(problem, "found", note="  ")
    with pytest.raises(ValueError, match="没有编号为 99 的问题"):
        store.change_problem(99, "solved")
    assert store.problem_history(problem)["state"].tolist() == ["found"]
    store.change_problem(problem, "found", note="已约谈")
    assert store.problem_history(problem)["note"].tolist()[-1] == "已约谈"


def test_an_open_problem_is_not_raised_twice_and_is_flagged_when_old(plan, store):
    _report(store, "a", tasks=[(21, date(2023, 6, 30), "in_progress", "", "用地指标未落实", "")])
    _report(store, "b", tasks=[(21, date(2023, 7, 31), "in_progress", "", "用地指标未落实", "")])
    assert len(store.problems(PLAN)) == 1
    rows = views.problems(take(plan, store, date(2023, 7, 31)))
    assert rows["age"].tolist() == [31] and rows["overdue"].tolist() == [True]      # open longer than 30 days
    assert not views.problems(take(plan, store, date(2023, 7, 20)))["overdue"].any()


def test_problems_of_a_reverted_batch_stop_counting(plan, store):
    batch = _report(store, "a", tasks=[(21, D, "in_progress", "", "用地指标未落实", "")])
    store.revert_batch(batch.batch_id)
    assert store.problems(PLAN).empty


def test_a_problem_stands_while_a_report_that_counts_or_waits_says_it(plan, store):
    """A returned row takes its problem along; a later report saying it again brings it back with its history, and
    so does another batch that said it while the first was open (it raised no second problem)."""
    from tracker.review import batch_rows, send_back
    says = [(21, D, "in_progress", "", "  用地指标未落实\n", "")]
    first = store.add_batch(PLAN, "a", "sha-a", NO_TARGETS, pd.DataFrame(says, columns=TASK_COLUMNS), review="pending")
    (problem,) = store.problems(PLAN)["id"]  # raised while the row waits: a problem is news, not a figure
    store.change_problem(problem, "coordinating", note="已约谈")
    send_back(store, batch_rows(store, PLAN, first.batch_id), "数据有误", "check")
    assert store.problems(PLAN).empty
    store.add_batch(PLAN, "b", "sha-b", NO_TARGETS, pd.DataFrame(says, columns=TASK_COLUMNS), review="pending")
    assert store.problems(PLAN)[["id", "state"]].values.tolist() == [[problem, "coordinating"]]
    store.revert_batch(first.batch_id)  # the batch that raised it is gone, the one that says it too stays
    assert store.problems(PLAN)["id"].tolist() == [problem]


def test_a_problem_raised_by_hand_stays_whatever_the_reports_say(plan, store):
    problem = store.add_problem(PLAN, 21, "征地补偿未到位", D, by="office")
    assert store.problems(PLAN)["id"].tolist() == [problem]
