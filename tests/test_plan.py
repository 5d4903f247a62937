"""The plan files against the notice, and plan validation naming file, row and column."""
import re
import shutil

import pandas as pd
import pytest

from tracker.plan import DATA_DIR, is_open_list, load_plan, split_units
from tracker.validation import ProblemsError


def test_plan_has_77_tasks_in_12_chapters(plan):
    assert list(plan.tasks["task_id"]) == list(range(1, 78))
    assert sorted(plan.tasks["chapter"].unique()) == list(range(1, 13))
    assert plan.tasks.set_index("task_id").at[1, "title"] == "培优育强重点产业"
    assert plan.tasks.set_index("task_id").at[76, "chapter_title"] == "组织实施"


def test_every_task_text_and_heading_is_in_the_notice(plan, notice_text):
    for task in plan.tasks.itertuples():
        line = f"{task.task_id}.{task.text}"
        assert line in notice_text, task.task_id
        assert task.text.startswith(task.title + "。"), task.task_id
        assert "牵头单位" not in task.text


def test_task_units_are_as_the_notice_writes_them(plan, notice_text):
    tasks = plan.tasks.set_index("task_id")
    for task_id in range(1, 75):
        lead = tasks.at[task_id, "lead_units"]
        assert f"牵头单位:{lead}" in notice_text, task_id
        part = tasks.at[task_id, "participating_units"]
        if part:
            assert f"参与单位:{part})" in notice_text, task_id
    for task_id in (75, 76, 77):
        assert tasks.at[task_id, "lead_units"] == "" and tasks.at[task_id, "participating_units"] == ""
    assert tasks.at[40, "lead_units"] == "河东生态环境分局"
    assert tasks.at[40, "participating_units"].endswith("区科学技术局等")
    assert is_open_list(tasks.at[73, "participating_units"])
    assert tasks.at[73, "participating_list"][-1] == "区发展和改革局"


def test_unit_variants_resolve_through_aliases(plan):
    assert plan.canonical("区投资促进中心") == "区投资促进服务中心"
    assert plan.canonical("区发改局") == "区发展和改革局"
    assert plan.canonical("区工信局") == "区工业和信息化局"
    assert plan.tasks.set_index("task_id").at[5, "lead_list"] == ["区投资促进服务中心"]


def test_every_unit_named_in_the_plan_is_a_department_once(plan):
    named = {u for text in pd.concat([plan.tasks["lead_units"], plan.tasks["participating_units"]])
             for u in split_units(text)}
    canonical = {plan.canonical(u) for u in named}
    assert None not in canonical
    assert canonical == set(plan.departments["unit"])
    assert plan.departments["unit"].is_unique


def test_targets_carry_exact_source_phrases_with_their_values(plan, notice_text):
    assert 55 <= len(plan.targets) <= 70
    for t in plan.targets.itertuples():
        assert t.source_text in notice_text, t.target_id
        numbers = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", t.source_text)]
        assert t.target_value in numbers, t.target_id
        if not pd.isna(t.target_max):
            assert t.target_max in numbers, t.target_id
        assert re.fullmatch(rf"T{t.task_id:02d}-\d+", t.target_id)


@pytest.mark.parametrize("target_id, value, maximum, unit, direction, kind", [
    ("T03-1", 20, None, "家", "higher", "cumulative"),
    ("T15-1", 85, None, "家", "higher", "cumulative"),
    ("T36-1", 25, None, "万千瓦", "higher", "cumulative"),
    ("T12-2", 1, 2, "家", "higher", "cumulative"),
    ("T64-3", 2, 3, "所", "higher", "cumulative"),
    ("T56-4", 10, None, "名", "higher", "cumulative"),
    ("T66-2", 1.28, None, ":1", "lower", "level"),
    ("T19-2", 35, None, "%", "higher", "level"),
    ("T68-1", 300, None, "户", "higher", "cumulative"),
])
def test_notable_targets_are_parsed_right(plan, target_id, value, maximum, unit, direction, kind):
    t = plan.targets.set_index("target_id").loc[target_id]
    assert (t.target_value, t.unit, t.direction, t.kind) == (value, unit, direction, kind)
    assert (None if pd.isna(t.target_max) else t.target_max) == maximum


def test_project_figures_are_not_targets(plan):
    phrases = " ".join(plan.targets["source_text"])
    for figure in ("6000万人份", "10万吨", "16000吨", "〔2022〕18号"):
        assert figure not in phrases


@pytest.fixture
def plan_copy(tmp_path):
    for name in ("tasks.csv", "targets.csv", "departments.csv", "plan.toml"):
        shutil.copy(DATA_DIR / name, tmp_path / name)
    return tmp_path


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("file, old, new, row, column, fragment", [
    ("targets.csv", "T15-1,15,国家高新技术企业总量,85,,家,higher", "T15-1,15,国家高新技术企业总量,85,,家,upward",
     None, "direction", "higher"),
    ("targets.csv", "T15-1,15,国家高新技术企业总量,85,", "T15-1,15,国家高新技术企业总量,八十五,",
     None, "target_value", "数字"),
    ("targets.csv", "T36-1,36,新能源和可再生能源装机规模,25,,万千瓦,higher,cumulative,2023-12-31",
     "T36-1,36,新能源和可再生能源装机规模,25,,万千瓦,higher,cumulative,2024-03-31", None, "deadline", "计划期"),
    ("targets.csv", "T15-2,15,", "15-2,15,", None, "target_id", "T15-1"),
    ("tasks.csv", "区科学技术局等", "区科技推广站等", 41, "participating_units", "departments.csv"),
])
def test_a_broken_plan_file_names_file_row_and_column(plan_copy, file, old, new, row, column, fragment):
    _edit(plan_copy / file, old, new)
    with pytest.raises(ProblemsError) as caught:
        load_plan(plan_copy)
    problems = caught.value.problems
    assert any(p.file == file and p.column == column and fragment in p.message() for p in problems), \
        [p.message() for p in problems]
    if row is not None:
        assert any(p.row == row for p in problems)


def test_the_row_named_is_the_row_excel_shows(plan_copy):
    _edit(plan_copy / "targets.csv", "T15-1,15,国家高新技术企业总量,85,,家,higher", "T15-1,15,国家高新技术企业总量,85,,家,up")
    with pytest.raises(ProblemsError) as caught:
        load_plan(plan_copy)
    lines = (plan_copy / "targets.csv").read_text(encoding="utf-8").splitlines()
    row = next(i for i, line in enumerate(lines, start=1) if line.startswith("T15-1,"))
    assert [p.row for p in caught.value.problems] == [row]
    assert f"第{row}行" in caught.value.problems[0].message()


def test_a_missing_column_is_reported_not_a_traceback(plan_copy):
    frame = pd.read_csv(plan_copy / "targets.csv", dtype=str, keep_default_na=False).drop(columns=["kind"])
    frame.to_csv(plan_copy / "targets.csv", index=False)
    with pytest.raises(ProblemsError) as caught:
        load_plan(plan_copy)
    assert [(p.file, p.column) for p in caught.value.problems] == [("targets.csv", "kind")]


def test_an_alias_may_not_belong_to_two_units(plan_copy):
    _edit(plan_copy / "departments.csv", "区财政局,财政局,", "区财政局,财政局、区科技局,")
    with pytest.raises(ProblemsError) as caught:
        load_plan(plan_copy)
    assert any(p.value == "区科技局" and p.file == "departments.csv" for p in caught.value.problems)


def test_targets_may_carry_a_schedule(plan):
    schedules = plan.targets.set_index("target_id")["schedule"]
    assert schedules["T15-1"] == "quarterly:0,0,40,100" and schedules["T36-1"] == "back_loaded"
    assert (schedules.drop(["T15-1", "T36-1"]) == "").all()


def test_a_bad_schedule_is_named_with_its_row(plan_copy):
    _edit(plan_copy / "targets.csv", "quarterly:0,0,40,100", "quarterly:50,20,40,100")
    with pytest.raises(ProblemsError) as caught:
        load_plan(plan_copy)
    assert [(p.column, p.value) for p in caught.value.problems] == [("schedule", "quarterly:50,20,40,100")]
