"""Shared fixtures: the plan, temporary stores, and AppTest runs against a temporary database."""
from __future__ import annotations

from pathlib import Path

import pytest

from tracker.plan import load_plan
from tracker.samples import load_sample
from tracker.store import Store

ROOT = Path(__file__).resolve().parent.parent
NOTICE = ROOT / "data" / "notices" / "hedong-2023.txt"


@pytest.fixture(scope="session")
def plan():
    return load_plan()


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "progress.db")


@pytest.fixture
def sample_store(plan, store):
    load_sample(plan, store)
    return store


@pytest.fixture
def notice_text():
    return NOTICE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def soffice(tmp_path_factory):
    """A function printing a file to PDF with LibreOffice, returning the PDF's path; the test skips where soffice is
    not installed, except under CI, where it fails. One profile for the session: making one takes seconds."""
    import os
    import shutil
    import subprocess

    path = shutil.which("soffice")
    if path is None:
        message = "LibreOffice (soffice) is not installed: apt-get install libreoffice-impress libreoffice-calc"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    profile = tmp_path_factory.mktemp("soffice-profile")

    def to_pdf(source: Path) -> Path:
        done = subprocess.run([path, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                               "--outdir", str(source.parent), str(source)], capture_output=True, timeout=300)
        assert done.returncode == 0 and source.with_suffix(".pdf").exists(), done.stderr
        return source.with_suffix(".pdf")
    return to_pdf
