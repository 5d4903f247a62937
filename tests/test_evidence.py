"""Evidence (佐证材料): the type decided from the content, hostile files refused with the store unchanged, files
kept in the store and never overwritten; the CLI's evidence add|list|get and import --evidence."""
import io
import json
import re
import zipfile
from datetime import date

import openpyxl
import pandas as pd
import pytest
from conftest import as_user, dump
from PIL import Image
from sqlalchemy import LargeBinary, bindparam, text

from tracker import db, evidence, migrations, review
from tracker.accounts import Accounts
from tracker.cli import main
from tracker.plan import load_plan
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


def picture(width: int, height: int, kind: str = "PNG", mode: str = "RGB", **options) -> bytes:
    """An image of that size, encoded as a real camera or scanner would."""
    out = io.BytesIO()
    Image.new(mode, (width, height), "red").save(out, kind, **options)
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
    code, out, err = run(capsys, "evidence", "add", tmp_path / "scan.pdf", "--batch", 3, "--db", db)
    assert code == 1 and "批次 3 不存在于本计划" in err, out + err


def test_cli_evidence_for_a_whole_batch(capsys, tmp_path):
    db = tmp_path / "progress.db"
    (tmp_path / "p.csv").write_text("target_id,as_of,actual\nT15-1,2023-09-30,60\n")
    (tmp_path / "汇总表.pdf").write_bytes(PDF)
    assert run(capsys, "import", tmp_path / "p.csv", "--db", db)[0] == 0
    code, out, err = run(capsys, "evidence", "add", tmp_path / "汇总表.pdf", "--batch", 1, "--db", db, "--by", "li")
    assert code == 0 and "已保存 1 份" in out, out + err
    [listed] = json.loads(run(capsys, "evidence", "list", "--batch", 1, "--db", db, "--json")[1])
    assert (listed["kind"], listed["item"], listed["batch_id"], listed["uploaded_by"]) == ("batch", "1", 1, "li")


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


def _rotated_photo() -> bytes:
    """A JPEG 400 wide and 200 high whose EXIF says the camera was turned (orientation 6: show it rotated)."""
    exif = Image.Exif()
    exif[0x0112] = 6
    return picture(400, 200, "JPEG", exif=exif.tobytes())


THUMBNAILS = [
    ("a landscape PNG", picture(1600, 1200), (240, 180)),
    ("a PNG with transparency", picture(300, 600, mode="RGBA"), (120, 240)),
    ("a small JPEG is not enlarged", picture(100, 50, "JPEG"), (100, 50)),
    ("a turned photo is shown upright", _rotated_photo(), (120, 240)),
    ("a damaged PNG", PNG, None),
    ("a PDF", PDF, None),
]


@pytest.mark.parametrize("data, size", [t[1:] for t in THUMBNAILS], ids=[t[0] for t in THUMBNAILS])
def test_an_image_gets_a_small_jpeg_thumbnail_when_it_is_stored(store, data, size):
    [number] = evidence.add(store, "hedong-2023", "target", "T15-1", [("f", data)], "zhang")
    thumb = evidence.thumbnail(store, number)
    assert evidence.listing(store, "hedong-2023")["has_thumbnail"].tolist() == [size is not None]
    if size is None:
        assert thumb is None
    else:
        assert thumb.startswith(b"\xff\xd8\xff") and Image.open(io.BytesIO(thumb)).size == size
        assert evidence.get(store, number)[2] == data  # the file itself is kept as it was sent


def test_a_picture_too_large_to_decode_safely_is_kept_without_a_thumbnail(store, monkeypatch):
    monkeypatch.setattr(evidence, "THUMBNAIL_MAX_PIXELS", 100 * 100)
    [number] = evidence.add(store, "hedong-2023", "target", "T15-1", [("poster.png", picture(200, 200))], "zhang")
    assert evidence.thumbnail(store, number) is None and evidence.get(store, number)[0] == "poster.png"


def test_files_stored_before_keep_their_contents_apart_and_images_get_thumbnails_on_upgrade(db_url):
    engine = db.engine_for(db.database_url(db_url))
    files = [picture(480, 480), PDF]
    with db.writing(engine) as conn:
        migrations.upgrade(conn, "0007")
        for number, data in enumerate(files, 1):
            conn.execute(text("INSERT INTO evidence (plan_id, kind, item, file_name, media_type, size, sha256, content,"
                              " uploaded_at) VALUES ('p', 'target', 'T15-1', :name, :media, 1, :sha, :content, 'now')")
                         .bindparams(bindparam("content", type_=LargeBinary)),
                         dict(name=f"f{number}", media=evidence.MEDIA_TYPES[evidence.sniff(data)], sha=str(number),
                              content=data))
    engine.dispose()
    store = Store(db_url)
    assert evidence.listing(store, "p")["has_thumbnail"].tolist() == [True, False]
    assert Image.open(io.BytesIO(evidence.thumbnail(store, 1))).size == (240, 240)
    assert [evidence.get(store, number)[2] for number in (1, 2)] == files
    store.close()


def _batch(plan, store, sha, *targets, tasks=(), state=None):
    rows = pd.DataFrame([{"target_id": t, "as_of": date(2023, 9, 30), "actual": v, "note": ""} for t, v in targets])
    task_rows = pd.DataFrame([{"task_id": t, "as_of": date(2023, 9, 30), "state": s, "progress": "", "problems": "",
                               "next_steps": ""} for t, s in tasks]) if tasks else None
    return store.add_batch(plan.id, f"{sha}.csv", sha, rows, task_rows, unit="区民政局", by="zhang",
                           review=state).batch_id


def test_a_file_for_a_whole_batch_is_stored_with_the_batch_and_listed_with_it(store, plan):
    batch = _batch(plan, store, "a", ("T68-1", 300), ("T67-1", 100))
    [number] = evidence.add(store, plan.id, "batch", str(batch), [("汇总表（签字）.pdf", PDF)], "zhang")
    listed = evidence.listing(store, plan.id, "batch", str(batch))
    assert listed[["id", "batch_id", "file_name", "uploaded_by"]].values.tolist() == [
        [number, batch, "汇总表（签字）.pdf", "zhang"]]
    assert evidence.counts(store, plan.id) == {("batch", str(batch)): 1}


@pytest.mark.parametrize("kind, item, message", [("batch", "99", "批次 99 不存在于本计划"),
                                                 ("unit", "区民政局", "应属于指标、任务或批次")])
def test_evidence_for_something_that_is_not_there_is_refused_with_the_store_unchanged(store, plan, kind, item,
                                                                                      message):
    before = dump(store)
    with pytest.raises(ValueError, match=message):
        evidence.add(store, plan.id, kind, item, [("scan.pdf", PDF)], "zhang")
    assert dump(store) == before


def test_a_batch_file_is_held_to_the_same_checks_as_a_rows(store, plan):
    batch = _batch(plan, store, "a", ("T68-1", 300))
    with pytest.raises(ValueError, match="page.pdf：不是可接受的佐证材料"):
        evidence.add(store, plan.id, "batch", str(batch), [("page.pdf", b"<html></html>")], "zhang")
    assert evidence.listing(store, plan.id).empty


def test_a_batch_file_backs_every_row_of_its_batch_and_satisfies_completion_needs_evidence(store, plan):
    Accounts(store).add("office", "admin", "admin-pass-1")
    store.set_settings({**DEFAULTS, "evidence_required": 1})
    first = _batch(plan, store, "a", ("T68-1", 300), ("T67-1", 100), state="pending")
    other = _batch(plan, store, "b", ("T15-1", 100), state="pending")
    evidence.add(store, plan.id, "target", "T68-1", [("照片.png", picture(10, 10))], "zhang")
    queue = review.queue(plan, store, date(2023, 9, 30)).set_index("item")
    assert queue["evidence"].to_dict() == {"T68-1": 1, "T67-1": 0, "T15-1": 0}
    assert queue["lacks_evidence"].to_dict() == {"T68-1": False, "T67-1": True, "T15-1": True}
    evidence.add(store, plan.id, "batch", str(first), [("汇总表.pdf", PDF)], "zhang")
    queue = review.queue(plan, store, date(2023, 9, 30)).set_index("item")
    assert queue["evidence"].to_dict() == {"T68-1": 2, "T67-1": 1, "T15-1": 0}  # the other batch's row is not backed
    assert queue["lacks_evidence"].to_dict() == {"T68-1": False, "T67-1": False, "T15-1": True}
    assert other != first


def test_the_files_backing_a_target_or_task_are_its_own_and_those_of_the_batches_that_reported_it(store, plan):
    first = _batch(plan, store, "a", ("T68-1", 300), tasks=[(66, "doing")])
    second = _batch(plan, store, "b", ("T15-1", 100))
    evidence.add(store, plan.id, "target", "T68-1", [("照片.png", picture(10, 10))], "zhang")
    evidence.add(store, plan.id, "task", "66", [("纪要.pdf", PDF)], "zhang")
    evidence.add(store, plan.id, "batch", str(first), [("汇总表.pdf", PDF + b"1")], "zhang")
    evidence.add(store, plan.id, "batch", str(second), [("另一表.pdf", PDF + b"2")], "zhang")
    names = lambda frame: frame["file_name"].tolist()  # noqa: E731
    assert names(evidence.backing(store, plan.id, targets=["T68-1"])) == ["照片.png", "汇总表.pdf"]
    assert names(evidence.backing(store, plan.id, tasks=[66])) == ["纪要.pdf", "汇总表.pdf"]
    assert names(evidence.backing(store, plan.id, targets=["T15-1", "T68-1"])) == ["照片.png", "汇总表.pdf",
                                                                                  "另一表.pdf"]
    assert names(evidence.backing(store, plan.id, targets=["T01-1"], tasks=[1])) == []
    store.revert_batch(first, "office")  # its rows stop counting, and so does its file as their backing
    assert names(evidence.backing(store, plan.id, targets=["T68-1"])) == ["照片.png"]
    assert "content" not in evidence.backing(store, plan.id, targets=["T68-1"]).columns


# --- the pages -------------------------------------------------------------------------------------------------------

@pytest.fixture
def app_store(page_store):
    """A store with an administrator, a reviewer and 区民政局's clerk, with 完成需佐证 on; fresh Streamlit caches."""
    store = page_store
    Accounts(store).add("office", "admin", "admin-pass-1")
    Accounts(store).add("check", "reviewer", "review-pass-1")
    Accounts(store).add("zhang", "reporter", "correct-horse", unit="区民政局")
    store.set_settings({**DEFAULTS, "evidence_required": 1, "board_date": 20231231})
    return store


def clerk_uploads(rows: bytes):
    clerk = as_user("zhang", "reporter", "区民政局", page="report")
    clerk.file_uploader[0].upload("p.csv", rows, "text/csv").run()
    clerk.button(key="import_upload").click().run()
    assert not clerk.exception, [e.value for e in clerk.exception]
    return clerk


def downloads(app) -> list[str]:
    """The evidence download buttons' labels as shown (their Markdown escapes taken out); each sends its file only
    when clicked (a deferred file)."""
    buttons = [b for b in app.get("download_button") if "_get_" in b.proto.id]
    assert all(b.proto.deferred_file_id for b in buttons)
    return [re.sub(r"\\(.)", r"\1", b.label) for b in buttons]


def images(app) -> int:
    return len(app.get("image"))


def test_a_clerk_attaches_evidence_to_a_row_and_the_reviewer_sees_it_with_its_thumbnail(app_store):
    clerk = clerk_uploads(b"target_id,as_of,actual\nT68-1,2023-12-31,300\nT67-1,2023-12-31,100\n")
    clerk.selectbox(key="evidence_for").select(("target", "T68-1")).run()
    clerk.button(key="evidence_save").click().run()
    assert clerk.error[0].value == "请先选择要上传的佐证文件，再保存。"
    clerk.file_uploader(key="evidence_files_0").upload("page.pdf", b"<html></html>", "application/pdf").run()
    assert any(c.value == "待保存 1 份：page\\.pdf" for c in clerk.caption)
    clerk.button(key="evidence_save").click().run()
    assert "page.pdf：不是可接受的佐证材料" in clerk.error[0].value
    clerk.file_uploader(key="evidence_files_0").upload("现场.png", picture(800, 600), "image/png").run()
    clerk.button(key="evidence_save").click().run()
    assert clerk.success[0].value == "已保存 1 份佐证材料。"
    assert clerk.selectbox(key="evidence_for").value == ("target", "T68-1")
    assert downloads(clerk) == ["下载 现场.png"] and images(clerk) == 1          # listed under the choice
    reviewer = as_user("check", "reviewer", page="review")
    waiting = reviewer.dataframe[0].value.set_index("行号")
    # both complete; only T68-1 has its evidence (a batch's rows are kept by target and date)
    assert waiting["佐证"].tolist() == ["0 缺佐证", "1"]
    [row] = reviewer.selectbox(key="review_evidence").options
    assert row.startswith("target:") and "T68-1" in row and row.endswith("（1 份）")
    files = reviewer.dataframe[1].value
    assert files[["文件", "佐证对象", "上传人"]].values.tolist() == [["现场.png", "T68-1", "zhang"]]
    assert downloads(reviewer) == ["下载 现场.png"] and images(reviewer) == 1


def test_a_clerk_attaches_a_signed_table_to_the_whole_batch_and_it_backs_every_row(app_store):
    clerk = clerk_uploads(b"target_id,as_of,actual\nT68-1,2023-12-31,300\nT67-1,2023-12-31,100\n")
    assert clerk.selectbox(key="evidence_for").value == ("batch", "1")   # the upload just made, chosen already
    assert clerk.selectbox(key="evidence_for").format_func(("batch", "1")) == "批次 1 · p.csv（整批）"
    clerk.file_uploader(key="evidence_files_0").upload("汇总表（签字）.pdf", PDF, "application/pdf").run()
    clerk.button(key="evidence_save").click().run()
    assert clerk.success[0].value == "已保存 1 份佐证材料。"
    assert evidence.listing(app_store, "hedong-2023", "batch", "1")["uploaded_by"].tolist() == ["zhang"]
    reviewer = as_user("check", "reviewer", page="review")
    assert reviewer.dataframe[0].value["佐证"].tolist() == ["1", "1"]         # 完成需佐证 met by the batch's file
    assert len(reviewer.selectbox(key="review_evidence").options) == 2
    assert reviewer.dataframe[1].value["佐证对象"].tolist() == ["批次 1（整批）"]
    batches = as_user("zhang", "reporter", "区民政局", page="batches")
    assert batches.dataframe[-1].value[["文件", "上传人"]].values.tolist() == [["汇总表（签字）.pdf", "zhang"]]
    assert downloads(batches) == ["下载 汇总表（签字）.pdf"]


def test_the_task_and_target_views_list_their_evidence_with_thumbnails_without_reading_a_file(app_store, monkeypatch):
    plan = load_plan()
    batch = _batch(plan, app_store, "a", ("T68-1", 300), tasks=[(66, "doing")])
    evidence.add(app_store, plan.id, "target", "T68-1", [("现场.jpg", picture(640, 480, "JPEG"))], "zhang")
    evidence.add(app_store, plan.id, "task", "66", [("纪要.pdf", PDF)], "zhang")
    evidence.add(app_store, plan.id, "batch", str(batch), [("汇总表.pdf", PDF + b"1")], "zhang")
    evidence.add(app_store, plan.id, "target", "T15-1", [("别的.pdf", PDF + b"2")], "zhang")

    def unread(*args):
        raise AssertionError("a page read a file's content to draw itself")
    monkeypatch.setattr(evidence, "get", unread)  # only a download clicked may read one

    tasks = as_user("office", "admin", page="tasks")
    task = plan.targets.set_index("target_id").loc["T68-1", "task_id"]
    tasks.selectbox(key="task_choice").select(task).run()
    assert not tasks.exception, [e.value for e in tasks.exception]
    listed = tasks.dataframe[-1].value
    assert listed["文件"].tolist() == ["现场.jpg", "汇总表.pdf"] + (["纪要.pdf"] if task == 66 else [])
    assert listed["大小"].iloc[0].endswith("KB") and images(tasks) == 1
    assert downloads(tasks)[:2] == ["下载 现场.jpg", "下载 汇总表.pdf"]

    targets = as_user("office", "admin", page="targets")
    assert not downloads(targets) and images(targets) == 0                   # nothing until a target is chosen
    targets.selectbox(key="target_evidence").select("T68-1").run()
    assert not targets.exception, [e.value for e in targets.exception]
    assert targets.dataframe[-1].value[["文件", "佐证对象", "上传人"]].values.tolist() == [
        ["现场.jpg", "T68-1", "zhang"], ["汇总表.pdf", f"批次 {batch}（整批）", "zhang"]]
    assert downloads(targets) == ["下载 现场.jpg", "下载 汇总表.pdf"] and images(targets) == 1
