"""Evidence (佐证材料): files backing a reported figure or state, kept in the store itself and never overwritten; the
type is decided from the content, not from the name."""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
from datetime import datetime

import pandas as pd
from PIL import Image, ImageOps
from sqlalchemy import Integer, LargeBinary, String, bindparam, text

from .settings import resolve
from .store import Store, write_audit

MEDIA_TYPES = {
    "pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ALLOWED = "PDF、JPG、PNG、DOCX、XLSX"
IMAGES = ("image/jpeg", "image/png")  # the kinds shown as thumbnails
KINDS = ("target", "task", "batch")   # what a file backs: one target, one task, or every row of one batch
THUMBNAIL_PX = 240                    # the longer side of a stored thumbnail
THUMBNAIL_MAX_PIXELS = 60_000_000     # a larger picture (a decompression bomb, or a poster) gets no thumbnail
ZIP_MAX_ENTRIES = 2000          # a Word or Excel file holds far fewer parts
ZIP_MAX_UNPACKED = 200 * 2**20  # what a DOCX or XLSX may claim to unpack to; a zip bomb claims far more
ZIP_MAX_RATIO = 200             # unpacked size over packed size per part
TARGET_IN_NAME = re.compile(r"^(T\d{2}-\d+)(?![0-9])", re.IGNORECASE)


def sniff(data: bytes) -> str | None:
    """The kind of file the content is (pdf, jpg, png, docx, xlsx), None for anything else; a DOCX or XLSX is
    looked into only through its zip directory, never unpacked."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                infos = archive.infolist()
        except (zipfile.BadZipFile, ValueError):
            return None
        names = {info.filename for info in infos}
        if (len(infos) > ZIP_MAX_ENTRIES or sum(i.file_size for i in infos) > ZIP_MAX_UNPACKED
                or any(i.file_size > ZIP_MAX_RATIO * max(i.compress_size, 1) and i.file_size > 2**20 for i in infos)):
            return None
        if "[Content_Types].xml" in names:
            if "word/document.xml" in names:
                return "docx"
            if "xl/workbook.xml" in names:
                return "xlsx"
    return None


def check(files: list[tuple[str, bytes]], settings: dict[str, float] | None = None) -> list[str]:
    """What is wrong with files offered as evidence, one message per file naming it (in Chinese); empty when they
    may be stored together."""
    limits = resolve(settings)
    per_file, per_batch = limits["evidence_file_mb"] * 2**20, limits["evidence_batch_mb"] * 2**20
    errors = []
    for name, data in files:
        if not data:
            errors.append(f"{name}：文件为空（0 字节），未保存")
        elif len(data) > per_file:
            errors.append(f"{name}：文件过大（{len(data) / 2**20:.1f} MB），单个佐证文件上限 {per_file / 2**20:g} MB")
        elif sniff(data) is None:
            errors.append(f"{name}：不是可接受的佐证材料，按文件内容判断不是 {ALLOWED} 之一（或是异常的压缩文件）；"
                          "请另存为 PDF 或图片后再上传")
    total = sum(len(data) for _, data in files)
    if total > per_batch:
        errors.append(f"本次佐证文件合计 {total / 2**20:.1f} MB，超过一次上传的上限 {per_batch / 2**20:g} MB")
    return errors


def make_thumbnail(data: bytes) -> bytes | None:
    """A small JPEG of a JPG or PNG picture, upright as the camera held it; None for anything else, for a damaged
    picture and for one too large to decode safely."""
    if sniff(data) not in ("jpg", "png"):
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > THUMBNAIL_MAX_PIXELS:
                return None
            image.draft("RGB", (THUMBNAIL_PX, THUMBNAIL_PX))  # a JPEG is decoded at a fraction of its size
            small = ImageOps.exif_transpose(image)
            small.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
            if small.mode != "RGB":  # transparency laid on white, as the page's background is
                ground = Image.new("RGB", small.size, "white")
                ground.paste(small, mask=small.convert("RGBA").getchannel("A"))
                small = ground
            out = io.BytesIO()
            small.save(out, "JPEG", quality=80)
            return out.getvalue()
    except Exception:  # Pillow raises many kinds for a damaged file; it is still kept as sent, without one
        return None


def add(store: Store, plan_id: str, kind: str, item: str, files: list[tuple[str, bytes]], by: str | None,
        batch_id: int | None = None) -> list[int]:
    """Store files as evidence of a target, a task or a whole batch (kind "target", "task" or "batch", item its id
    or the batch's number), all or none, with one audit row; ValueError naming every refused file, the store
    unchanged. A file already held for the same item is not stored twice (its id is returned)."""
    if kind not in KINDS:
        raise ValueError(f"佐证材料应属于指标、任务或批次（{'、'.join(KINDS)}），收到：{kind}")
    errors = check(files, store.settings())
    if kind == "batch":
        batch_id = int(item)
        with store.connect() as conn:
            if conn.execute(text("SELECT 1 FROM batches WHERE id = :id AND plan_id = :plan_id"),
                            dict(id=batch_id, plan_id=plan_id)).first() is None:
                errors.append(f"批次 {batch_id} 不存在于本计划")
    if errors:
        raise ValueError("；".join(errors) + "。未保存任何文件")
    thumbnails = [make_thumbnail(data) for _, data in files]  # decoded before the write transaction opens
    ids = []
    at = datetime.now().isoformat(timespec="seconds")
    with store.transaction() as conn:
        for (name, data), thumb in zip(files, thumbnails):
            digest = hashlib.sha256(data).hexdigest()
            held = conn.execute(text("SELECT id FROM evidence WHERE plan_id = :plan_id AND kind = :kind"
                                     " AND item = :item AND sha256 = :sha"),
                                dict(plan_id=plan_id, kind=kind, item=str(item), sha=digest)).scalar()
            if held is not None:
                ids.append(held)
                continue
            number = conn.execute(text(
                "INSERT INTO evidence (plan_id, kind, item, batch_id, file_name, media_type, size, sha256,"
                " uploaded_at, uploaded_by) VALUES (:plan_id, :kind, :item, :batch_id, :name, :media, :size, :sha,"
                " :at, :by) RETURNING id"),
                dict(plan_id=plan_id, kind=kind, item=str(item), batch_id=batch_id, name=name,
                     media=MEDIA_TYPES[sniff(data)], size=len(data), sha=digest, at=at, by=by)).scalar_one()
            conn.execute(text("INSERT INTO evidence_content (id, content) VALUES (:id, :content)")
                         .bindparams(bindparam("content", type_=LargeBinary)), dict(id=number, content=data))
            if thumb is not None:
                conn.execute(text("INSERT INTO evidence_thumbnails (id, thumbnail) VALUES (:id, :thumb)")
                             .bindparams(bindparam("thumb", type_=LargeBinary)), dict(id=number, thumb=thumb))
            ids.append(number)
        write_audit(conn, by, "evidence_add", f"{kind} {item}: " + "、".join(name for name, _ in files))
    return ids


# The list of files never touches their contents: whether an image has a thumbnail is read from its key alone.
LISTED = ("id, kind, item, batch_id, file_name, media_type, size, sha256, uploaded_at, uploaded_by,"
          " CASE WHEN EXISTS (SELECT 1 FROM evidence_thumbnails t WHERE t.id = evidence.id) THEN 1 ELSE 0 END"
          " AS has_thumbnail")


def _listed(frame: pd.DataFrame) -> pd.DataFrame:
    frame["has_thumbnail"] = frame["has_thumbnail"].astype(bool)
    return frame


def listing(store: Store, plan_id: str, kind: str | None = None, item: str | None = None,
            batch_id: int | None = None) -> pd.DataFrame:
    """The evidence of a plan (or of one target, task or batch; or sent with one batch, its own and its rows'),
    oldest first, without the contents: id, kind, item, batch_id, file_name, media_type, size, sha256, uploaded_at,
    uploaded_by, has_thumbnail."""
    sql = f"SELECT {LISTED} FROM evidence WHERE plan_id = :plan_id"
    params = {"plan_id": plan_id}
    if kind is not None:
        sql += " AND kind = :kind AND item = :item"
        params.update(kind=kind, item=str(item))
    if batch_id is not None:
        sql += " AND batch_id = :batch_id"
        params.update(batch_id=int(batch_id))
    return _listed(store._frame(sql + " ORDER BY id", **params))


def backing(store: Store, plan_id: str, targets: list[str] = (), tasks: list[int] = ()) -> pd.DataFrame:
    """The files that back some targets and tasks, oldest first, without the contents (as listing): their own, and
    those of every batch still counted that reported one of them (a signed table covering the whole upload)."""
    reported = ("SELECT r.batch_id FROM {table} r JOIN batches b ON b.id = r.batch_id WHERE b.plan_id = :plan_id"
                " AND b.reverted_at IS NULL AND r.{key} IN :{key}s")
    sql = (f"SELECT {LISTED} FROM evidence WHERE plan_id = :plan_id AND ((kind = 'target' AND item IN :target_ids)"
           " OR (kind = 'task' AND item IN :task_names) OR (kind = 'batch' AND batch_id IN ("
           + reported.format(table="target_reports", key="target_id") + " UNION "
           + reported.format(table="task_reports", key="task_id") + "))) ORDER BY id")
    # typed, so that an empty list still compares with its column on PostgreSQL
    query = text(sql).bindparams(bindparam("target_ids", expanding=True, type_=String),
                                 bindparam("task_names", expanding=True, type_=String),
                                 bindparam("task_ids", expanding=True, type_=Integer))
    params = dict(plan_id=plan_id, target_ids=[str(t) for t in targets], task_names=[str(t) for t in tasks],
                  task_ids=[int(t) for t in tasks])
    with store.connect() as conn:
        return _listed(pd.read_sql_query(query, conn, params=params))


def thumbnail(store: Store, evidence_id: int) -> bytes | None:
    """The stored thumbnail of one image (a few kilobytes), None when it has none."""
    with store.connect() as conn:
        row = conn.execute(text("SELECT thumbnail FROM evidence_thumbnails WHERE id = :id"),
                           {"id": int(evidence_id)}).first()
    return None if row is None else bytes(row[0])


def get(store: Store, evidence_id: int) -> tuple[str, str, bytes]:
    """One file's name, media type and content; ValueError when there is none with that number."""
    with store.connect() as conn:
        row = conn.execute(text("SELECT e.file_name, e.media_type, c.content FROM evidence e"
                                " JOIN evidence_content c ON c.id = e.id WHERE e.id = :id"),
                           {"id": int(evidence_id)}).first()
    if row is None:
        raise ValueError(f"没有编号为 {evidence_id} 的佐证材料")
    return row[0], row[1], bytes(row[2])


def match_targets(names: list[str], known: set[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Files of an evidence folder matched to targets by the target id their name starts with (T15-1.pdf,
    T15-1_照片.jpg): {target_id: [names]} and the messages for names that match no target of the file."""
    matched: dict[str, list[str]] = {}
    errors = []
    for name in sorted(names):
        found = TARGET_IN_NAME.match(name)
        target = found.group(1).upper() if found else None
        if target is None or target not in known:
            errors.append(f"{name}：文件名应以本次上报的指标编号开头（如 T15-1_照片.jpg），"
                          + (f"{target} 不在本次上报的行中" if target else "未找到指标编号"))
        else:
            matched.setdefault(target, []).append(name)
    return matched, errors


def counts(store: Store, plan_id: str) -> dict[tuple[str, str], int]:
    """How many files each target, task or batch holds, {(kind, item): n} (a batch's item is its number), read
    without the contents."""
    with store.connect() as conn:
        return {(kind, item): n for kind, item, n in conn.execute(text(
            "SELECT kind, item, COUNT(*) FROM evidence WHERE plan_id = :plan_id GROUP BY kind, item"),
            {"plan_id": plan_id})}
