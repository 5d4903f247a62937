"""Evidence files on a page: who sent each and when, thumbnails of the images and a download button per file. A
page reads names only; a file's content is read for a download actually clicked, and an image's stored thumbnail
(a few kilobytes) for a thumbnail actually shown."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from tracker import evidence
from tracker.formats import size

from .cache import store, thumbnail
from .text import T, plain

THUMBNAIL_WIDTH = 120  # on the page; Streamlit scales the stored thumbnail (240 px) down to it


def backs(kind: str, item: str) -> str:
    """What a file backs, in words: a target's id, a task's number, or a whole batch."""
    if kind == "batch":
        return f"{T('batch')} {item}（{T('evidence_of_batch')}）"
    return item if kind == "target" else f"{T('task_id')} {item}"


def evidence_files(files: pd.DataFrame, key: str) -> None:
    """The files of an evidence listing (tracker.evidence.listing or backing): a table, then each file with its
    thumbnail when it is an image and its download button; `key` keeps the buttons apart from another list's."""
    if files.empty:
        st.caption(T("evidence_none"))
        return
    st.dataframe(pd.DataFrame({
        T("file_name"): files["file_name"],
        T("evidence_backs"): [backs(k, i) for k, i in zip(files["kind"], files["item"])],
        T("evidence_uploaded_by"): files["uploaded_by"].fillna(""),
        T("evidence_uploaded_at"): files["uploaded_at"].str.replace("T", " "),
        T("evidence_size"): files["size"].map(size),
    }), hide_index=True, width="stretch")
    for file in files.itertuples(index=False):
        picture, button = st.columns([1, 4], vertical_alignment="center")
        if file.has_thumbnail:
            picture.image(thumbnail(int(file.id), file.sha256), width=THUMBNAIL_WIDTH)
        button.download_button(T("evidence_get", name=plain(file.file_name)),
                               lambda number=int(file.id): evidence.get(store(), number)[2], on_click="ignore",
                               file_name=file.file_name, mime=file.media_type, key=f"{key}_get_{file.id}")
