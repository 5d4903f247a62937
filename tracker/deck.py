"""The meeting deck (汇报): one list of slides, drawn by the 汇报 page and written to PowerPoint alike."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from . import review, since_meeting, views
from .formats import percent
from .i18n import CHANGE_LABELS, status_label
from .snapshot import Snapshot
from .status import STATUSES, overall_completion, status_counts, summarize

WARNINGS_PER_SLIDE = 6  # rows that fit a 1024×768 screen with the controls
CHANGED_UNITS_PER_SLIDE = 8  # the units with most changes; all of them are on the 调度会对比 page
TASKS_PER_SLIDE = 6  # rows of the tasks-only table: long lists of lead units take two lines
BARS_PER_SLIDE = 8  # bars that each keep a label of 16 px (14 pt) on a 1280×720 slide; more go on the next slide


@dataclass
class Slide:
    key: str
    title: str
    metrics: list[tuple[str, str]] = field(default_factory=list)
    counts: dict[str, int] | None = None       # targets per status, drawn as a doughnut
    bars: pd.DataFrame | None = None           # label, avg_completion (0..1), status, and for one bar per
    bars_title: str = ""                       # target its expected completion (0..1): completion bars
    time_progress: float | None = None         # drawn as a line across bars without their own expected mark
    table: pd.DataFrame | None = None          # display-ready text
    notes: str = ""                            # speaker notes: the numbers behind the slide
    aside: str = ""                            # what the charts leave out, said under them
    warning: str = ""                          # shown first and in red on the slide (示例数据, 含未审核数据)


SAMPLE_WARNING = "示例数据（虚构），不是真实上报"


def _status_metrics(targets: pd.DataFrame, tasks: pd.DataFrame) -> list[tuple[str, str]]:
    """Targets per status, or where there are none (a chapter of milestones only) tasks per status, so named."""
    if len(targets):
        counts = status_counts(targets)
        return [(status_label(s), str(counts[s])) for s in STATUSES]
    counts = status_counts(tasks)
    return [(f"{status_label(s)}任务", str(counts[s])) for s in STATUSES]


def _target_bars(targets: pd.DataFrame) -> pd.DataFrame:
    # each bar is judged against its own expected completion: its schedule if cumulative, 100% if a level; the
    # completion as it is (110%): the charts stop the bar at their axis and label it with the value
    return pd.DataFrame({"label": [f"{t} {n}" for t, n in zip(targets["target_id"], targets["indicator"])],
                         "avg_completion": targets["completion"], "status": targets["status"],
                         "expected": targets["expected"].clip(upper=1.0), "target_id": targets["target_id"],
                         "change_note": _change_notes(targets)})


def _change_notes(items: pd.DataFrame) -> pd.Series:
    """Each target's or task's approved change in words (原目标 120 → 调整后 100，2023-08-15 批准), empty if none."""
    return items["change_note"].fillna("") if "change_note" in items else pd.Series("", index=items.index)


def _changes_said(ids: pd.Series, notes: pd.Series) -> str:
    """The approved changes among the items of a slide, one a line, said under its charts."""
    return "\n".join(f"目标调整：{i} {note}" for i, note in zip(ids, notes) if note)


def _parts(frame: pd.DataFrame, size: int) -> list[pd.DataFrame]:
    """The frame cut into nearly even parts of at most `size` rows (13 make 7 + 6, not 8 + 5)."""
    count = max(1, -(-len(frame) // size))
    per = max(1, -(-len(frame) // count))
    return [frame.iloc[i * per:(i + 1) * per] for i in range(count)]


def _numbered(title: str, n: int, count: int) -> str:
    return f"{title}（{n}/{count}）" if count > 1 else title


def _without_targets(tasks: pd.DataFrame, targets: pd.DataFrame, titles: dict[int, str], units: list[str]) -> str:
    """The chapters and lead units that no completion bar stands for, each with its number of tasks."""
    chapters = [f"第{c}章 {titles[c]}（{(tasks['chapter'] == c).sum()}项任务）" for c in titles
                if c not in set(targets["chapter"])]
    leading = {u for units in targets["lead_list"] for u in units}
    led = [f"{u}（{len(views.led_by(tasks, u))}项任务）" for u in units if u not in leading]
    parts = [f"无量化指标、未入图的章：{'；'.join(chapters)}" if chapters else "",
             f"只牵头任务、不牵头量化指标的单位：{'、'.join(led)}" if led else ""]
    return "\n".join(part for part in parts if part)


def _notes_for_bars(bars: pd.DataFrame) -> str:
    notes = bars["change_note"] if "change_note" in bars else pd.Series("", index=bars.index)
    return "\n".join(f"{label}：{percent(v)}（{status_label(s)}）" + (f"；{note}" if note else "")
                     for label, v, s, note in zip(bars["label"], bars["avg_completion"], bars["status"], notes))


def _task_table(tasks: pd.DataFrame) -> pd.DataFrame:
    table = pd.DataFrame({"序号": tasks["task_id"].astype(str), "任务": tasks["title"],
                          "牵头单位": tasks["lead_units"], "状态": tasks["status"].map(status_label)})
    notes = _change_notes(tasks)
    if notes.astype(bool).any():  # an approved extension, beside the status it changed
        table.insert(3, "期限调整", notes)
    return table


def _task_notes(tasks: pd.DataFrame, with_units: bool = False) -> str:
    return "\n".join(f"{k}. {t}" + (f"（{u}）" if with_units else "") + f"：{status_label(s)}"
                     + (f"；{note}" if note else "")
                     for k, t, u, s, note in zip(tasks["task_id"], tasks["title"], tasks["lead_units"],
                                                 tasks["status"], _change_notes(tasks)))


def build(now: Snapshot, before: Snapshot | None = None) -> list[Slide]:
    """Title, overall picture, one slide per chapter, one per lead unit, warnings, and changes since `before`."""
    plan = now.plan
    counting = review.counting_note(now)  # 含未审核数据…, or how many rows wait uncounted
    warning = "；".join(w for w in (SAMPLE_WARNING if now.has_samples else "",
                                    counting if now.unreviewed else "") if w)
    data = [("数据", warning)] if warning else []
    waiting = [("审核", counting)] if counting and not now.unreviewed else []
    slides = [Slide("title", plan.title, metrics=[("文号", plan.meta.get("document_number", "")),
                                                   ("统计截至", f"{now.as_of:%Y-%m-%d}"),
                                                   ("时序进度", percent(now.time_progress))] + data + waiting,
                    notes=f"{plan.title}（{plan.meta.get('document_number', '')}），统计截至{now.as_of:%Y年%m月%d日}。"
                    + (f"\n{counting}。" if counting else ""))]
    targets, tasks = now.targets, now.tasks
    overall = overall_completion(targets)
    chapters = summarize(targets, "chapter", now.settings)
    titles = views.chapter_titles(now)
    chapters["label"] = [f"{c}. {titles[c]}" for c in chapters["chapter"]]
    counts = status_counts(targets)
    units = [u for u in plan.units if any(u in leads for leads in tasks["lead_list"])]
    aside = _without_targets(tasks, targets, titles, units)
    slides.append(Slide(
        "overview", "总体进展",
        metrics=[("重点任务", str(len(tasks))), ("量化指标", str(len(targets))), ("完成率", percent(overall)),
                 ("时序进度", percent(now.time_progress))] + _status_metrics(targets, tasks),
        counts=counts, bars=chapters[["label", "avg_completion", "status"]], bars_title="各章平均完成率",
        notes="\n".join([f"重点任务{len(tasks)}项，量化指标{len(targets)}个；总体完成率{percent(overall)}，"
                         f"时序进度{percent(now.time_progress)}。"]
                        + [f"{status_label(s)}：{counts[s]}个" for s in STATUSES]
                        + [_notes_for_bars(chapters), aside]),
        aside=aside))
    for chapter, title in titles.items():
        in_chapter = targets[targets["chapter"] == chapter]
        chapter_tasks = tasks[tasks["chapter"] == chapter]
        metrics = [("任务", str(len(chapter_tasks))), ("指标", str(len(in_chapter)))] \
            + _status_metrics(in_chapter, chapter_tasks)
        if not len(in_chapter):
            slides.append(Slide(f"chapter-{chapter}", f"第{chapter}章 {title}", metrics=metrics,
                                table=_task_table(chapter_tasks), notes=_task_notes(chapter_tasks)))
            continue
        parts = _parts(_target_bars(in_chapter), BARS_PER_SLIDE)
        for n, bars in enumerate(parts, start=1):
            slides.append(Slide(f"chapter-{chapter}" + (f"-{n}" if n > 1 else ""),
                                _numbered(f"第{chapter}章 {title}", n, len(parts)), metrics=metrics, bars=bars,
                                bars_title="指标完成率", notes=_notes_for_bars(bars),
                                aside=_changes_said(bars["target_id"], bars["change_note"])))
    measured = [u for u in units if len(views.led_by(targets, u))]
    for unit in measured:
        led_targets, led_tasks = views.led_by(targets, unit), views.led_by(tasks, unit)
        metrics = [("牵头任务", str(len(led_tasks))), ("牵头指标", str(len(led_targets))),
                   ("平均完成率", percent(overall_completion(led_targets)))] + _status_metrics(led_targets, led_tasks)
        parts = _parts(_target_bars(led_targets), BARS_PER_SLIDE)
        for n, bars in enumerate(parts, start=1):
            slides.append(Slide(f"unit-{unit}" + (f"-{n}" if n > 1 else ""), _numbered(unit, n, len(parts)),
                                metrics=metrics, bars=bars, bars_title="牵头指标完成率", notes=_notes_for_bars(bars),
                                aside=_changes_said(bars["target_id"], bars["change_note"])))
    # units that lead tasks only: one table of those tasks, each task once with all its lead units
    tasks_only = [u for u in units if u not in measured]
    if tasks_only:
        shown = tasks[tasks["lead_list"].map(lambda leads: any(u in tasks_only for u in leads))]
        parts = _parts(shown, TASKS_PER_SLIDE)
        for n, part in enumerate(parts, start=1):
            slides.append(Slide(
                f"units-tasks-only-{n}", _numbered(f"只牵头任务、不牵头量化指标的单位（{len(tasks_only)}个）", n, len(parts)),
                metrics=[("单位", str(len(tasks_only))), ("任务", str(len(shown)))]
                + _status_metrics(shown.iloc[:0], shown),
                table=_task_table(part), notes=_task_notes(part, with_units=True)))
    behind = views.behind(now, None)
    pages = max(1, -(-len(behind) // WARNINGS_PER_SLIDE))
    per_page = max(1, -(-len(behind) // pages))  # spread evenly: 18 make 6 + 6 + 6, not 8 + 8 + 2
    for page in range(pages):
        part = behind.iloc[page * per_page:(page + 1) * per_page]
        table = pd.DataFrame({
            "编号": part["target_id"], "指标": part["indicator"], "牵头单位": part["lead_units"],
            "完成/目标": [f"{a:g}/{t:g}{u}" for a, t, u in zip(part["actual"], part["target_value"], part["unit"])],
            "落后进度": part["behind"].map(percent), "状态": part["status"].map(status_label)})
        notes = _change_notes(part)
        if notes.astype(bool).any():  # the target it is behind is the changed one: say so beside it
            table.insert(4, "目标调整", notes.to_numpy())
        suffix = f"（{page + 1}/{pages}）" if pages > 1 else ""
        slides.append(Slide(f"warnings-{page + 1}", f"预警：滞后指标 {len(behind)} 个{suffix}", table=table,
                            notes="\n".join(f"{r['编号']} {r['指标']}：{r['完成/目标']}，落后{r['落后进度']}，{r['状态']}"
                                            + (f"；{note}" if note else "")
                                            for (_, r), note in zip(table.iterrows(), notes))
                            or "没有滞后的指标。"))
    if before is not None:
        changes = since_meeting.compare(now, before)
        per_unit = since_meeting.by_unit(changes)
        per_unit = per_unit[per_unit[list(since_meeting.CHANGES[:4])].sum(axis=1) > 0].head(CHANGED_UNITS_PER_SLIDE)
        distinct = changes.drop_duplicates("item")["change"].value_counts()
        names = {k: CHANGE_LABELS[k][0] for k in since_meeting.CHANGES}
        slides.append(Slide(
            "changes", f"{before.as_of:%Y-%m-%d} 调度会以来的变化",
            metrics=[(names[k], str(int(distinct.get(k, 0)))) for k in since_meeting.CHANGES[:4]],
            table=per_unit.rename(columns={"unit": "单位", **names}).drop(columns=[names[since_meeting.STEADY]])
            .astype(str),
            notes="\n".join(f"{names[k]}：{int(distinct.get(k, 0))}项" for k in since_meeting.CHANGES[:4])))
    for slide in slides:
        if slide.bars is not None:
            slide.time_progress = now.time_progress
        slide.warning = warning
    return slides
