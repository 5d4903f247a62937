"""Evidence (佐证材料): the type decided from the content, hostile files refused with the store unchanged, files
kept in the store and never overwritten; the CLI's evidence add|list|get and import --evidence."""
import io
import json
import zipfile

import openpyxl
import pytest
from conftest import dump

from tracker import evidence
from tracker.cli import main
from tracker.settings import DEFAULTS
from tracker.store import Store

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def _xlsx() -> bytes:
    out = io.BytesIO()
    book = openpyxl.Workbook()
    book.active["A1"] = "台账"
    book.save(out)
    return out.getvalue()


DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
GOOD = [("scan.pdf", PDF, "application/pdf"), ("photo.png", PNG, "image/png"), ("photo.jpg", JPG, "image/jpeg"),
        ("signed.docx", DOCX, evidence.MEDIA_TYPES["docx"]), ("table.xlsx", _xlsx(), evidence.MEDIA_TYPES["xlsx"])]


@pytest.mark.parametrize("name, data, media", GOOD)
def test_the_type_is_decided_from_the_content(store, name, data, media):
    [number] = evidence.add(store, "hedong-2023", "target", "T15-1", [(name, data)], "zhang")
    assert evidence.get(store, number) == (name, media, data)


def test_a_file_named_as_another_type_is_stored_as_what_it_is(store):
    [number] = evidence.add(store, "hedong-2023", "target", "T15-1", [("photo.pdf", PNG)], "zhang")
    assert evidence.get(store, number)[1] == "image/png"


HOSTILE = [
    ("page.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "不是可接受的佐证材料"),
    ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "不是可接受的佐证材料"),
    ("bomb.xlsx", _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
                        "xl/worksheets/sheet1.xml": b"\0" * (40 * 2**20)}), "异常的压缩文件"),
    ("empty.pdf", b"", "文件为空"),
    ("big.pdf", PDF + b"\0" * (2 * 2**20), "文件过大"),
    ("archive.docx", _zip({"readme.txt": b"hello"}), "不是可接受的佐证材料"),
]


@pytest.mark.parametrize("name, data, message", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_evidence_is_refused_naming_the_file_with_the_store_unchanged(store, plan, name, data, message):
    store.set_settings({**DEFAULTS, "evidence_file_mb": 1})
    before = dump(store)
    with pytest.raises(ValueError) as refused:
        evidence.add(store, plan.id, "target", "T15-1", [("fine.pdf", PDF), (name, data)], "zhang")
    assert str(refused.value).startswith(f"{name}：") and message in str(refused.value)
    assert "未保存任何文件" in str(refused.value)
    assert dump(store) == before  # the good file beside it was not stored either


def test_a_batch_over_its_limit_is_refused_whole(store, plan):
    files = [(f"scan{n}.pdf", PDF + b"\0" * (9 * 2**20)) for n in range(6)]  # 54 MB against 50
    with pytest.raises(ValueError, match="超过一次上传的上限 50 MB"):
        evidence.add(store, plan.id, "target", "T15-1", files, "zhang")
    assert evidence.listing(store, plan.id).empty


def test_files_are_kept_never_overwritten_listed_with_uploader_and_audited(store, plan):
    first = evidence.add(store, plan.id, "target", "T15-1", [("scan.pdf", PDF)], "zhang")
    again = evidence.add(store, plan.id, "target", "T15-1", [("scan.pdf", PDF)], "li")
    other = evidence.add(store, plan.id, "target", "T15-1", [("scan.pdf", PDF + b"\n% v2")], "li")
    assert again == first and other != first
    listed = evidence.listing(store, plan.id, "target", "T15-1")
    assert listed[["file_name", "uploaded_by"]].values.tolist() == [["scan.pdf", "zhang"], ["scan.pdf", "li"]]
    assert "content" not in listed.columns  # a list never loads the files
    assert evidence.get(store, first[0])[2] == PDF
    assert evidence.counts(store, plan.id) == {("target", "T15-1"): 2}
    assert (store.audit_log()["action"] == "evidence_add").sum() == 3


@pytest.mark.parametrize("name, target", [("T15-1.pdf", "T15-1"), ("t15-1_照片.jpg", "T15-1"),
                                          ("T15-12.pdf", None), ("照片T15-1.pdf", None)])
def test_evidence_files_match_targets_by_the_id_their_name_starts_with(name, target):
    matched, errors = evidence.match_targets([name], {"T15-1"})
    assert (matched == {target: [name]}) if target else (errors and not matched)


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_evidence_add_list_get(capsys, tmp_path):
    db = tmp_path / "progress.db"
    (tmp_path / "scan.pdf").write_bytes(PDF)
    code, out, err = run(capsys, "evidence", "add", tmp_path / "scan.pdf", "--target", "T15-1", "--db", db)
    assert code == 0 and "已保存 1 份" in out, out + err
    code, out, err = run(capsys, "evidence", "list", "--target", "T15-1", "--db", db, "--json")
    [listed] = json.loads(out)
    assert (listed["file_name"], listed["media_type"], listed["size"]) == ("scan.pdf", "application/pdf", len(PDF))
    code, out, err = run(capsys, "evidence", "get", listed["id"], "--out", tmp_path / "back.pdf", "--db", db)
    assert code == 0 and (tmp_path / "back.pdf").read_bytes() == PDF, out + err
    (tmp_path / "page.pdf").write_bytes(b"<html></html>")
    code, out, err = run(capsys, "evidence", "add", tmp_path / "page.pdf", "--task", 66, "--db", db)
    assert code == 1 and "page.pdf：不是可接受的佐证材料" in err, out + err


def test_cli_import_with_an_evidence_folder_refuses_all_for_one_bad_file(capsys, tmp_path):
    db = tmp_path / "progress.db"
    source = tmp_path / "p.csv"
    source.write_text("target_id,as_of,actual,note\nT15-1,2023-09-30,60,\nT68-1,2023-09-30,150,\n")
    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "T15-1_扫描件.pdf").write_bytes(PDF)
    (folder / "T68-1.png").write_bytes(b"<svg><script>alert(1)</script></svg>")
    run(capsys, "status", "--db", db, "--json")
    before = dump(Store(db))
    code, out, err = run(capsys, "import", source, "--db", db, "--evidence", folder)
    assert code == 1 and "T68-1.png：不是可接受的佐证材料" in out and "数据库未作任何改动" in out, out + err
    assert dump(Store(db)) == before
    (folder / "T68-1.png").write_bytes(PNG)
    code, out, err = run(capsys, "import", source, "--db", db, "--evidence", folder)
    assert code == 0 and "2 份佐证材料" in out, out + err
    listed = json.loads(run(capsys, "evidence", "list", "--db", db, "--json")[1])
    assert [(r["item"], r["file_name"], r["batch_id"]) for r in listed] == [("T15-1", "T15-1_扫描件.pdf", 1),
                                                                          ("T68-1", "T68-1.png", 1)]


def test_a_clerk_attaches_evidence_on_the_report_page_and_the_reviewer_sees_it(tmp_path, monkeypatch):
    from datetime import datetime

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tracker.accounts import Accounts, User
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "progress.db"))
    st.cache_data.clear()
    st.cache_resource.clear()
    store = Store(tmp_path / "progress.db")
    Accounts(store).add("office", "admin", "admin-pass-1")
    Accounts(store).add("zhang", "reporter", "correct-horse", unit="区民政局")
    store.set_settings({**DEFAULTS, "evidence_required": 1})

    def as_user(user, page):
        app = AppTest.from_file("../dashboard.py", default_timeout=60)
        app.session_state["user"], app.session_state["last_seen"] = user, datetime.now()
        app.run()
        app.switch_page(f"pages/{page}.py").run()
        assert not app.exception, [e.value for e in app.exception]
        return app

    clerk = as_user(User("zhang", "reporter", "区民政局"), "report")
    clerk.file_uploader[0].upload("p.csv", b"target_id,as_of,actual\nT68-1,2023-12-31,300\nT67-1,2023-12-31,100\n",
                                  "text/csv").run()
    clerk.button(key="import_upload").click().run()
    clerk.selectbox(key="evidence_for").select(("target", "T68-1")).run()
    clerk.file_uploader(key="evidence_files").upload("page.pdf", b"<html></html>", "application/pdf").run()
    clerk.button(key="evidence_save").click().run()
    assert "page.pdf：不是可接受的佐证材料" in clerk.error[0].value
    clerk.file_uploader(key="evidence_files").upload("清单.pdf", PDF, "application/pdf").run()
    clerk.button(key="evidence_save").click().run()
    assert clerk.success[0].value == "已保存 1 份佐证材料。"
    reviewer = as_user(User("office", "admin"), "review")
    waiting = reviewer.dataframe[0].value.set_index("行号")
    assert waiting["佐证"].tolist() == ["1", "0 缺佐证"]  # both complete; only T68-1 has its evidence
    assert reviewer.selectbox(key="review_evidence").options == ["清单.pdf · target T68-1"]
    st.cache_data.clear()
    st.cache_resource.clear()
