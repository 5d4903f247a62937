"""A Streamlit server and Debian's chromium for the browser tests, the benchmarks and the screenshots."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright's own browser download cannot work here
SERVER_LOGS = "TRACKER_SERVER_LOGS"  # a folder: each server started here writes its output there
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@contextmanager
def streamlit_server(script: str | Path, db: str | Path) -> Iterator[str]:
    """`streamlit run script` on a free local port with TRACKER_DB=db; yields its URL once it answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # The tests name a folder for the servers' output, so that a failure can show what the server said.
    logs = os.environ.get(SERVER_LOGS)
    output = open(Path(logs) / f"streamlit-{port}.log", "wb") if logs else subprocess.DEVNULL
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
                                "--server.port", str(port), "--server.address", "127.0.0.1"], cwd=ROOT,
                               env=dict(os.environ, TRACKER_DB=str(db)), stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError("streamlit did not become healthy within 60 s") from None
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(10)
        if logs:
            output.close()


def wait_idle(page) -> None:
    """Wait until the app has drawn its title and stopped.

    A run shorter than half a second never shows the status widget; until it ends, the elements it has not drawn
    again are marked stale.
    """
    page.wait_for_selector('[data-testid="stApp"] h1', timeout=30000)
    page.wait_for_function("""() => !document.querySelector('[data-testid="stSkeleton"]')
        && !document.querySelector('[data-testid="stStatusWidget"]')
        && !document.querySelector('[data-stale="true"]')""", timeout=30000)
