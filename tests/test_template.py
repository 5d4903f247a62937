"""Reporting templates: rows a unit leads, locked reference columns, a status list, and a round trip."""
import io
from datetime import date

import pandas as pd
from openpyxl import load_workbook

from tracker.ingest import ingest
from tracker.samples import load_sample
from tracker.template import FILL, REFERENCE, template_csv, template_frame, template_title, template_xlsx

AS_OF = date(2023, 9, 30)


def _frame(plan, store, unit):
    return template_frame(plan, store.latest_target_reports(plan.id), store.latest_task_reports(plan.id), unit,
                          AS_OF)


def test_a_unit_template_lists_the_targets_then_the_tasks_it_leads(plan, store):
    frame = _frame(plan, store, "区民政局")
    assert list(frame.columns) == REFERENCE + FILL
    assert list(frame["指标编号"].dropna()) == ["T66-1", "T66-2", "T67-1", "T68-1"]
    assert list(frame.loc[frame["指标编号"].isna(), "任务编号"]) == [66, 67, 68]
    assert set(frame["截至日期"]) == {AS_OF}


def test_the_whole_plan_template_has_every_target_and_task(plan, store):
    frame = _frame(plan, store, None)
    assert frame["指标编号"].notna().sum() == 63 and frame["指标编号"].isna().sum() == 77


def test_the_template_shows_the_last_report(plan, sample_store):
    frame = _frame(plan, sample_store, None).set_index("指标编号", drop=False)
    assert frame.at["T03-1", "上次上报值"] == 22 and frame.at["T03-1", "上次上报日期"] == AS_OF
    task = frame[frame["指标编号"].isna() & (frame["任务编号"] == 8)].iloc[0]
    assert task["上次任务状态"] == "已完成"


def test_the_xlsx_locks_reference_cells_and_offers_the_status_list(plan, store):
    data = template_xlsx(_frame(plan, store, "区民政局"), template_title(plan, "区民政局"))
    sheet = load_workbook(io.BytesIO(data))["填报"]
    header = [c.value for c in sheet[3]]
    assert header[:3] == ["任务编号", "指标编号", "任务/指标"] and "完成值" in header
    assert sheet.protection.sheet
    target_row, task_row = 4, 8     # T66-1, then task 66
    col = {name.rstrip("*"): i + 1 for i, name in enumerate(header)}
    assert sheet.cell(target_row, col["指标编号"]).protection.locked
    assert not sheet.cell(target_row, col["完成值"]).protection.locked
    assert sheet.cell(target_row, col["任务状态"]).protection.locked      # targets report values, not states
    assert not sheet.cell(task_row, col["任务状态"]).protection.locked
    assert sheet.cell(task_row, col["完成值"]).protection.locked
    lists = [v.formula1 for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert lists == ['"未启动,推进中,已完成"']
    assert sheet.column_dimensions["C"].width >= 30
    assert sheet.cell(target_row, col["截至日期"]).value.date() == AS_OF


def test_a_filled_xlsx_template_imports(plan, store):
    data = template_xlsx(_frame(plan, store, "区民政局"), template_title(plan, "区民政局"))
    book = load_workbook(io.BytesIO(data))
    sheet = book["填报"]
    sheet["K7"] = 150                      # T68-1
    sheet["K4"] = 0.06                     # T66-1, typed in a percent-formatted cell
    sheet["K4"].number_format = "0%"
    sheet["L8"], sheet["M8"] = "推进中", "已完成摸底"   # task 66
    buffer = io.BytesIO()
    book.save(buffer)
    result = ingest(plan, buffer.getvalue(), "民政局.xlsx", unit="区民政局", today=date(2026, 11, 30))
    assert result.ok, [p.message() for p in result.problems]
    assert result.targets[["target_id", "actual", "excel_row"]].values.tolist() == [["T66-1", 6.0, 4],
                                                                                  ["T68-1", 150.0, 7]]
    assert result.tasks[["task_id", "state", "progress"]].values.tolist() == [[66, "in_progress", "已完成摸底"]]


def test_the_csv_template_has_a_bom_and_imports_once_filled(plan, store):
    data = template_csv(_frame(plan, store, "区民政局"))
    assert data.startswith("\ufeff".encode("utf-8"))
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
    frame.loc[frame["指标编号"] == "T68-1", "完成值"] = "150"
    result = ingest(plan, frame.to_csv(index=False).encode("utf-8-sig"), "民政局.csv", today=date(2026, 11, 30))
    assert result.ok and result.targets["actual"].tolist() == [150.0]


def test_template_command_writes_both_formats(capsys, tmp_path):
    from tracker.cli import main
    db = tmp_path / "p.db"
    assert main(["template", "--unit", "区科技局", "--out", str(tmp_path / "t.xlsx"), "--db", str(db)]) == 0
    assert "8 个指标、6 项任务" in capsys.readouterr().out
    assert main(["template", "--out", str(tmp_path / "t.csv"), "--db", str(db), "--as-of", "2023-06-30"]) == 0
    assert "2023-06-30" in (tmp_path / "t.csv").read_text(encoding="utf-8-sig")
    assert main(["template", "--unit", "区不存在局", "--out", str(tmp_path / "x.csv"), "--db", str(db)]) == 1


def test_sample_data_covers_every_status(plan, store):
    from tracker.snapshot import take
    load_sample(plan, store)
    assert set(take(plan, store).targets["status"]) == {"completed", "on_track", "lagging", "severe",
                                                       "not_reported"}


def test_the_csv_template_writes_whole_numbers_without_a_decimal_point(plan, store):
    load_sample(plan, store)
    frame = pd.read_csv(io.BytesIO(template_csv(_frame(plan, store, None))), encoding="utf-8-sig", dtype=str)
    last = frame.set_index("指标编号")["上次上报值"]
    assert last["T03-1"] == "22" and not any(str(v).endswith(".0") for v in last.dropna())
