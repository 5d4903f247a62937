"""Saving a plan read from a notice and checked by a person as a new plan directory, with its audit row."""
from __future__ import annotations

import shutil
from pathlib import Path

from .extract import Extracted, write
from .store import Store, write_audit


def save_plan(extracted: Extracted, directory: str | Path, plan_id: str, store: Store, *, by: str | None = None,
              source: str = "") -> None:
    """Write the plan files into a new directory, the audit row (who, which notice `source`) in the same
    transaction: a plan that cannot be written leaves neither files nor an audit row."""
    directory = Path(directory)
    if directory.exists():
        raise ValueError(f"计划目录 {directory} 已存在，未作改动")
    with store.transaction() as conn:
        write_audit(conn, by, "plan_import", f"{plan_id}: {source}")
        try:
            write(extracted, directory, plan_id)
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)  # no half-written plan left to be listed
            raise
