"""Reading a notice: every format rule as a table of phrase -> extracted fields, and the Hedong notice end to end."""
import io
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from tracker.cli import main
from tracker.extract import (
    _Item,
    chinese_number,
    extract,
    find_targets,
    guess_kind,
    notice_text,
    parse_structure,
    parse_units,
)

Y = 2024


@pytest.mark.parametrize("phrase, value, maximum, unit, direction, kind, deadline", [
    ("国家高新技术企业总量达到85家以上", 85, None, "家", "higher", "cumulative", "12-31"),
    ("力争全年新增规上企业突破20家", 20, None, "家", "higher", "cumulative", "12-31"),
    ("新建口袋公园超过41处", 41, None, "处", "higher", "cumulative", "12-31"),
    ("完成造林97亩", 97, None, "亩", "higher", "cumulative", "12-31"),
    ("全年地区生产总值增长6%左右", 6, None, "%", "higher", "level", "12-31"),
    ("争创1-2家市级技术创新中心", 1, 2, "家", "higher", "cumulative", "12-31"),
    ("争创2至3所省级示范校", 2, 3, "所", "higher", "cumulative", "12-31"),
    ("新评选出河东好人10余名", 10, None, "名", "higher", "cumulative", "12-31"),
    ("城镇调查失业率控制在4.5%以内", 4.5, None, "%", "lower", "level", "12-31"),
    ("城乡低保标准差距缩小到1.28:1", 1.28, None, ":1", "lower", "level", "12-31"),
    ("出台支持政策十五条", 15, None, "条", "higher", "cumulative", "12-31"),
    ("新培育省级龙头企业两家", 2, None, "家", "higher", "cumulative", "12-31"),
    ("改造提升高标准农田2.3万亩", 2.3, None, "万亩", "higher", "cumulative", "12-31"),
    ("到位市外资金80亿元", 80, None, "亿元", "higher", "cumulative", "12-31"),
    ("上半年新开工项目30个", 30, None, "个", "higher", "cumulative", "06-30"),
    ("智能仓储占比达到35%", 35, None, "%", "higher", "level", "12-31"),
])
def test_a_target_phrase_gives_its_fields(phrase, value, maximum, unit, direction, kind, deadline):
    [target] = find_targets(phrase, Y)
    assert (target["value"], target["max"], target["unit"], target["direction"], target["kind"]) == \
        (value, maximum, unit, direction, kind)
    assert target["deadline"] == date.fromisoformat(f"{Y}-{deadline}")
    assert target["source_text"] == phrase


@pytest.mark.parametrize("phrase", [
    "推动年产6000万人份体外检测试剂项目建设",          # a figure that describes a project
    "落实《国务院关于支持山东的意见（国发〔2022〕18号）》",  # a document number
    "2023年-2025年三年行动计划",                      # years
    "以“四个商城”为统领",                             # a name in quotes
    "加快5G网络建设，推进G518快速路",                  # names with numbers
    "组织开展好第二届“凤凰文艺奖”评选",
    "一批引领性企业，统一部署",                       # 一 as a word
    "税收过千万元企业",                               # an order of magnitude, not a count
    "投资500万元以上技术改造项目",                    # a threshold inside a name, no target
])
def test_phrases_that_are_not_targets(phrase):
    assert find_targets(phrase, Y) == []


def test_a_threshold_inside_a_name_leaves_the_real_target():
    [target] = find_targets("实施投资500万元以上技术改造项目60个以上", Y)
    assert (target["value"], target["unit"]) == (60, "个")


@pytest.mark.parametrize("text, lead, part, people, open_list", [
    ("(牵头单位:区科学技术局,参与单位:区财政局、区统计局等)", ["区科学技术局"], ["区财政局", "区统计局"], [], True),
    ("（牵头单位：河东生态环境分局；参与单位：区发展和改革局）", ["河东生态环境分局"], ["区发展和改革局"], [], False),
    ("[责任单位：县发改局，县工信局；配合单位：县财政局]", ["县发改局", "县工信局"], ["县财政局"], [], False),
    ("（责任领导：张三；责任单位：县科技局）", ["县科技局"], [], ["张三"], False),
    ("（区科技局牵头，区财政局配合）", ["区科技局"], ["区财政局"], [], False),
    ("牵头单位：县住建局、县交通局等", ["县住建局", "县交通局"], [], [], True),
    # beside 牵头单位, 责任单位 names the units that take part
    ("(责任领导:王五副区长;牵头单位:区甲局;责任单位:区乙局、区丙局)", ["区甲局"], ["区乙局", "区丙局"], ["王五副区长"],
     False),
    ("（牵头单位：区甲局；责任单位：区乙局等）", ["区甲局"], ["区乙局"], [], True),
])
def test_a_unit_list_gives_lead_and_participating_units(text, lead, part, people, open_list):
    item = _Item(1, "", "")
    assert parse_units(text, item)
    assert (item.lead, item.part, item.people, item.open_list) == (lead, part, people, open_list)


@pytest.mark.parametrize("number, text", [("十五", 15), ("两", 2), ("一百二十", 120), ("十", 10), ("三", 3)])
def test_chinese_numerals(number, text):
    assert chinese_number(number) == text


@pytest.mark.parametrize("marker", ["1.", "1、", "（1）", "(1)"])
def test_items_numbered_in_each_style(marker):
    second = marker.replace("1", "2")
    text = f"一、第一章\n{marker}甲任务。内容甲。（牵头单位：区甲局）\n{second}乙任务。内容乙。（牵头单位：区乙局）\n"
    items, _, _ = parse_structure(text)
    assert [(i.chapter, i.body.split("。")[0], i.lead) for i in items] == [(1, "甲任务", ["区甲局"]),
                                                                           (1, "乙任务", ["区乙局"])]


def test_items_numbered_with_chinese_numerals_when_nothing_else_is():
    items, _, _ = parse_structure("一、总体\n（一）甲任务。内容。（责任单位：县甲局）\n（二）乙任务。内容。（责任单位：县乙局）\n")
    assert [i.body.split("。")[0] for i in items] == ["甲任务", "乙任务"]


def test_a_unit_line_of_责任单位_after_a_牵头单位_line_names_the_units_taking_part():
    items, _, _ = parse_structure("一、章\n1.甲。文。\n牵头单位：区甲局\n责任单位：区乙局\n2.乙。文。\n责任单位：区丙局\n")
    assert [(i.lead, i.part) for i in items] == [(["区甲局"], ["区乙局"]), (["区丙局"], [])]


@pytest.mark.parametrize("heading", ["加强基础设施建设", "（二）加强基础设施建设", "二、加强基础设施建设"])
def test_a_heading_between_items_is_not_glued_onto_the_item_above(heading):
    text = f"一、发展\n1.甲。新增企业10家。(牵头单位:区甲局)\n{heading}\n2.乙。文。(牵头单位:区乙局)\n"
    items, _, _ = parse_structure(text)
    assert [(i.body, i.lead) for i in items] == [("甲。新增企业10家。", ["区甲局"]), ("乙。文。", ["区乙局"])]


def test_a_sentence_continuing_an_item_on_its_own_line_stays_with_it():
    items, _, _ = parse_structure("一、发展\n1.甲。新增企业10家，\n完成投资5亿元。\n2.乙。文。\n全面推进\n")
    assert [i.body for i in items] == ["甲。新增企业10家，完成投资5亿元。", "乙。文。"]


def test_a_list_of_one_numbered_item_yields_that_task():
    text = "北坡社区2024年重点工作任务\n为做好工作，制定本任务。\n1.整治楼道。完成楼道整治30个。（牵头单位：社区居委会）\n"
    result = extract(text.encode(), "notice.txt")
    assert result.tasks[["task_id", "title", "lead_units"]].values.tolist() == [[1, "整治楼道", "社区居委会"]]
    assert result.targets["target_id"].tolist() == ["T01-1"]


def test_a_stray_number_does_not_hide_items_numbered_with_chinese_numerals():
    text = "说明：\n1.本任务自印发之日起施行。\n一、总体\n（一）甲任务。新增企业10家。（责任单位：县甲局）\n（二）乙任务。内容。（责任单位：县乙局）\n"
    items, _, _ = parse_structure(text)
    assert [i.lead for i in items] == [["县甲局"], ["县乙局"]]


def test_sub_chapters_group_items_and_numbering_may_restart():
    text = ("一、产业\n（一）工业\n1.甲。文。（牵头单位：县甲局）\n2.乙。文。（牵头单位：县乙局）\n"
            "二、民生\n1.丙。文。\n牵头单位：县丙局\n")
    items, _, _ = parse_structure(text)
    assert [(i.chapter, i.body, i.lead) for i in items] == [(1, "甲。文。", ["县甲局"]), (1, "乙。文。", ["县乙局"]),
                                                            (2, "丙。文。", ["县丙局"])]


def test_an_introduction_with_headline_targets_becomes_task_0():
    text = "青山县2024年重点工作任务\n全年地区生产总值增长6%左右，一般公共预算收入增长5%。\n一、产业\n1.甲。新增企业10家。（牵头单位：县甲局）\n2.乙。文。（牵头单位：县乙局）\n"
    result = extract(text.encode(), "notice.txt")
    assert result.tasks["task_id"].tolist() == [0, 1, 2]
    assert result.tasks.iloc[0]["title"] == "总体目标"
    assert result.targets[["target_id", "target_value", "unit"]].values.tolist() == [
        ["T00-1", "6", "%"], ["T00-2", "5", "%"], ["T01-1", "10", "家"]]


def test_html_pages_lose_their_navigation_and_footer():
    page = ("<html><body><nav>首页 新闻</nav><div>欢迎访问青山县人民政府网站</div><div>长者模式</div>"
            "<p>一、产业</p><p>1.甲任务。新增企业10家。（牵头单位：县甲局）</p><p>2.乙任务。（牵头单位：县乙局）</p>"
            "<footer>版权所有</footer><div>关闭窗口</div></body></html>").encode()
    text = notice_text(page, "notice.html")
    assert "欢迎访问" not in text and "关闭窗口" not in text and "首页" not in text
    assert extract(page, "notice.html").tasks["lead_units"].tolist() == ["县甲局", "县乙局"]


def test_word_documents_are_read_paragraph_by_paragraph():
    body = "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in
                   ["一、产业", "1.甲任务。新增企业10家。（牵头单位：县甲局）", "2.乙任务。（牵头单位：县乙局）"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", f'<w:document xmlns:w="w"><w:body>{body}</w:body></w:document>')
    result = extract(buffer.getvalue(), "notice.docx")
    assert result.tasks["title"].tolist() == ["甲任务", "乙任务"] and len(result.targets) == 1


def test_people_are_kept_apart_and_new_units_are_flagged():
    text = "一、产业\n1.甲。文。（责任领导：张三副县长；责任单位：县新设局）\n2.乙。文。（牵头单位：区发改局）\n"
    known = pd.read_csv("data/departments.csv", dtype=str, keep_default_na=False)
    result = extract(text.encode(), "n.txt", known)
    assert result.tasks["lead_units"].tolist() == ["县新设局", "区发改局"]
    units = result.departments.set_index("unit")
    assert units.at["区发展和改革局", "uncertain"] == ""          # 区发改局 is a known short name
    assert units.at["县新设局", "uncertain"].startswith("新单位")
    assert any("张三副县长" in w for w in result.warnings) and any("县新设局" in w for w in result.warnings)


def test_hedong_is_reproduced(tmp_path, capsys):
    assert main(["extract", "data/notices/hedong-2023.txt", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "tasks.csv").read_bytes() == open("data/tasks.csv", "rb").read()
    key = lambda r: (int(r.task_id), float(r.target_value), r.target_max or None, r.unit, r.direction)  # noqa: E731
    want = Counter(key(r) for r in pd.read_csv("data/targets.csv", dtype=str, keep_default_na=False).itertuples())
    got = Counter(key(r) for r in pd.read_csv(tmp_path / "targets.csv", dtype=str,
                                              keep_default_na=False).itertuples())
    found = sum((got & want).values())
    assert found / sum(want.values()) >= 0.95 and (sum(got.values()) - found) / sum(want.values()) <= 0.05
    assert "1 条待确认" in capsys.readouterr().out
    from tracker.plan import load_plan
    assert len(load_plan(tmp_path).tasks) == 77


CONVERTED = Path("tests/notices/converted")


def _extract_files(notice: Path, out: Path, capsys) -> dict[str, bytes]:
    assert main(["extract", str(notice), "--out", str(out)]) == 0, capsys.readouterr().err
    return {name: (out / name).read_bytes() for name in ("tasks.csv", "targets.csv", "departments.csv")}


def test_the_hedong_notice_as_pdf_extracts_to_the_same_files_as_its_text(tmp_path, capsys):
    # hedong-2023.pdf: data/notices/hedong-2023.txt through make_docx.py --text and LibreOffice's PDF export
    assert _extract_files(CONVERTED / "hedong-2023.pdf", tmp_path / "pdf", capsys) == \
        _extract_files(Path("data/notices/hedong-2023.txt"), tmp_path / "txt", capsys)


def test_a_pdf_line_wrapped_inside_a_unit_name_is_rejoined():
    import re
    lines = notice_text((CONVERTED / "hedong-2023.pdf").read_bytes(), "hedong-2023.pdf").splitlines()
    assert any(line.startswith("1.培优育强重点产业。") and line.endswith("区卫生健康局、区农业农村局)") for line in lines)
    assert all("2023 年" not in line for line in lines)
    text = notice_text(Path("data/notices/hedong-2023.txt").read_bytes(), "hedong-2023.txt")
    # paragraph for paragraph; only the spaces a PDF does not keep may differ
    assert [re.sub(r"\s", "", line) for line in lines] == [re.sub(r"\s", "", line) for line in text.splitlines()
                                                          if line.strip()]


def _scan(path: Path) -> Path:
    from PIL import Image
    Image.new("RGB", (595, 842), "white").save(path, "PDF")
    return path


@pytest.mark.parametrize("name", ["scan.pdf", "scan.txt"])
def test_a_scanned_pdf_is_named_a_scan(tmp_path, capsys, name):
    notice = _scan(tmp_path / name)
    assert main(["extract", str(notice), "--out", str(tmp_path / "out")]) == 1
    assert f"{name}：" in (err := capsys.readouterr().err) and "扫描件，请提供文字版或 .docx" in err


@pytest.mark.parametrize("name, data, message", [
    ("broken.pdf", b"%PDF-1.4\n garbage", "不是有效的 PDF 文件"),
    ("notice.pdf", b"just text", "不是有效的 PDF 文件"),
    ("notice.doc", b"just text", "不是有效的 DOC 文件"),
])
def test_a_broken_pdf_or_doc_says_so(tmp_path, capsys, name, data, message):
    (tmp_path / name).write_bytes(data)
    assert main(["extract", str(tmp_path / name), "--out", str(tmp_path / "out")]) == 1
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("converter", ["antiword", "soffice"])
def test_a_word_97_doc_extracts_like_its_docx(tmp_path, capsys, monkeypatch, converter, request):
    import shutil
    if converter == "soffice":
        request.getfixturevalue("soffice")
        which = shutil.which
        monkeypatch.setattr("tracker.extract.shutil.which", lambda name: None if name == "antiword" else which(name))
    elif shutil.which("antiword") is None:
        if __import__("os").environ.get("CI") == "true":
            pytest.fail("antiword is not installed: apt-get install antiword")
        pytest.skip("antiword is not installed: apt-get install antiword")
    # xiling-2024.doc: xiling-2024.docx saved as Word 97-2003 by LibreOffice
    assert _extract_files(CONVERTED / "xiling-2024.doc", tmp_path / "doc", capsys) == \
        _extract_files(Path("tests/notices/xiling-2024.docx"), tmp_path / "docx", capsys)


def test_a_doc_without_a_converter_says_what_to_install_or_how_to_save_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("tracker.extract.shutil.which", lambda name: None)
    assert main(["extract", str(CONVERTED / "xiling-2024.doc"), "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "xiling-2024.doc：" in err and "antiword" in err and "LibreOffice" in err and "另存为”.docx" in err


NOTICES = sorted(p for p in __import__("pathlib").Path("tests/notices").glob("*.expected.json"))


def _notice_file(answer):
    stem = answer.name[: -len(".expected.json")]
    return next(p for p in answer.parent.iterdir() if p.name.startswith(stem + ".") and p.suffix != ".json")


@pytest.mark.parametrize("answer", NOTICES, ids=[p.name.split(".")[0] for p in NOTICES])
def test_each_test_notice_yields_its_tasks_units_and_targets(answer):
    import json
    spec = json.loads(answer.read_text(encoding="utf-8"))
    notice = _notice_file(answer)
    result = extract(notice.read_bytes(), notice.name,
                     pd.read_csv("data/departments.csv", dtype=str, keep_default_na=False))
    got_tasks = [(int(t.task_id), int(t.chapter), t.title) for t in result.tasks.itertuples()]
    assert got_tasks == [(t["task_id"], t["chapter"], t["title"]) for t in spec["tasks"]]
    for task, row in zip(spec["tasks"], result.tasks.itertuples()):
        lead, part = row.lead_units.rstrip("等"), row.participating_units.rstrip("等")
        assert [u for u in lead.split("、") if u] == task["lead_units"], task["task_id"]
        assert [u for u in part.split("、") if u] == task["participating_units"], task["task_id"]
    key = lambda task, value, high, unit, direction: (int(task), float(value), None if high in (None, "") else  # noqa
                                                      float(high), unit, direction)
    want = Counter(key(t["task_id"], t["value"], t.get("max"), t["unit"], t["direction"]) for t in spec["targets"])
    got = Counter(key(t.task_id, t.target_value, t.target_max, t.unit, t.direction)
                  for t in result.targets.itertuples())
    found = sum((got & want).values())
    assert found / sum(want.values()) >= 0.95, sorted((want - got).elements())
    assert found / max(sum(got.values()), 1) >= 0.95, sorted((got - want).elements())
    people = " ".join(result.tasks["lead_units"] + result.tasks["participating_units"])
    assert not any(person in people for person in spec.get("not_units", []))


@pytest.mark.parametrize("unit, kind", [
    ("区工业和信息化局", "区政府部门"), ("县工信局", "县政府部门"), ("市场监管局", "区政府部门"),
    ("县委宣传部", "县委部门"), ("区委组织部", "区委部门"), ("县委县政府督查室", "县委部门"),
    ("市公安局青山分局", "驻市单位"), ("县公安局", "驻县单位"), ("高新区管委会", "功能区/管委会"),
    ("县融媒体中心", "事业单位"), ("县人民法院", "司法机关"), ("县妇联", "群团及其他"),
])
def test_a_new_units_kind_is_guessed_at_the_level_its_name_gives(unit, kind):
    assert guess_kind(unit) == kind
