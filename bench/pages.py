"""Median warm rerun time of every page, and the browser's time to a ready first page.

Runs against a temporary store holding a year of monthly reports for every target and task.
Usage: python bench/pages.py [--reruns N] [--no-browser] [--visits N] [--parts]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from scripts.serve import CHROMIUM, CHROMIUM_ARGS, streamlit_server  # noqa: E402
from tracker.navigation import PAGES  # noqa: E402
from tracker.plan import load_plan  # noqa: E402
from tracker.store import Store  # noqa: E402
from year_of_reports import fill  # noqa: E402


def rerun_times(reruns: int, entries=PAGES, user=None) -> dict[str, float]:
    """Median milliseconds of a warm AppTest rerun per page (after a widget change, caches warm), for every page or
    the entries given, in the local-administrator mode or logged in as `user` (a tracker.accounts.User).

    AppTest starts every run in Streamlit's legacy pages/ mode, which a live server leaves for good at its first
    st.navigation: each measured rerun therefore also includes the page handing the run over to the entry file
    (ui.frame), a few milliseconds more than the server spends.
    """
    from streamlit.testing.v1 import AppTest

    from scripts.st_client import quiet_apptest

    quiet_apptest()
    results = {}
    for entry in entries:
        app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
        if user is not None:
            app.session_state["user"], app.session_state["last_seen"] = user, datetime.now()
        app.run()
        app.switch_page(entry.file).run()
        assert not app.exception, [e.value for e in app.exception]
        samples = []
        for i in range(reruns):
            app.selectbox(key="unit").select(None if i % 2 else "区科学技术局")  # a filter change
            start = time.perf_counter()
            app.run()
            samples.append((time.perf_counter() - start) * 1000)
        results[entry.file] = statistics.median(samples)
    return results


# The floor under the first page's figures: Streamlit's own start with one figure on the page and nothing else.
EMPTY_APP = """import streamlit as st
st.metric("a", 1)
"""
BARE_APP = """import streamlit as st, plotly.graph_objects as go
st.title("Hello")
st.metric("a", 1)
st.plotly_chart(go.Figure(go.Bar(x=[1, 2], y=[1, 2])))
"""

# What the first page's first run draws, added part by part to the empty page (`--parts`): which part delays the
# figures. Each script is the one before plus its part; the figures are the first metric, as on the first page.
PARTS = {
    "empty page (one metric)": "",
    "+ the app's styles": "st.html(STYLE)\n",
    "+ sidebar controls (language, date, unit)": """with st.sidebar:
    st.radio("语言", ["中文", "English"], horizontal=True)
    st.date_input("统计截至", key="as_of")
    st.selectbox("单位", ["全部单位", "区科学技术局"], key="unit")
""",
    "+ the page list (15 links with icons)": """with st.sidebar.container(key="page_list"):
    for n in range(15):
        st.page_link(st.Page(lambda: None, title=f"页面{n}", icon=":material/dashboard:", url_path=f"p{n}"))
""",
    "+ a custom component": """part = st.components.v2.component("part", js="export default function () {}")
part(key="part", height=0)
""",
    "+ seven metrics and a 60-row table": """for n, column in enumerate(st.columns(7)):
    column.metric(f"指标{n}", n)
st.dataframe({"a": list(range(60)), "b": [str(n) for n in range(60)]})
""",
}


def parts_apps(folder: Path) -> list[tuple[str, Path]]:
    """The scripts of PARTS, each in `folder`, the app's own styles (dashboard.py's first st.html) included."""
    import re

    style = re.search(r'st\.html\("""(<style>.*?</style>)"""\)', (ROOT / "dashboard.py").read_text(encoding="utf-8"),
                      re.S).group(1)
    head = f'import streamlit as st\nSTYLE = {style!r}\nst.set_page_config(page_title="督办看板", layout="wide")\n'
    scripts, body = [], ""
    for n, (name, part) in enumerate(PARTS.items()):
        body += part
        path = folder / f"part{n}.py"
        path.write_text(head + body + 'st.metric("a", 1)\n', encoding="utf-8")
        scripts.append((name, path))
    return scripts


# Notes, in the page's own clock, when the first metric and when all charts are on the page: a mutation observer sees
# each change as React commits it, even while a long script blocks the page later. A chart counts once plotly has drawn
# its svg and the chart is displayed.
MILESTONES = """
window.__ready = {};
new MutationObserver(() => {
  const r = window.__ready;
  if (!r.metrics && document.querySelector('[data-testid="stMetricValue"]')) r.metrics = performance.now();
  if (!r.charts && !document.querySelector('[data-testid="stSkeleton"]')
      && [...document.querySelectorAll('.js-plotly-plot')].filter(
           plot => plot.querySelector('.main-svg') && plot.getClientRects().length).length >= CHARTS)
    r.charts = performance.now();
}).observe(document, {childList: true, subtree: true});
"""


def browser_ready(scripts: dict[str, tuple[Path, int]], db: str,
                  visits: int = 7) -> dict[str, list[tuple[float, float]]]:
    """Per script (name: path and number of charts) and visit, seconds from navigation start until the metrics show and
    until its charts are drawn. Every script has its own server and chromium profile (the first visit has an empty
    cache, later ones are a returning user's); the visits take turns between the scripts, so that a change in the
    machine's load falls on all of them alike."""
    from contextlib import ExitStack

    from playwright.sync_api import sync_playwright

    times = {name: [] for name in scripts}
    with ExitStack() as servers, sync_playwright() as pw:
        urls = {name: servers.enter_context(streamlit_server(path, db)) for name, (path, _) in scripts.items()}
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        contexts = {}
        for name, (_, charts) in scripts.items():
            contexts[name] = browser.new_context(viewport={"width": 1600, "height": 900})
            contexts[name].add_init_script(MILESTONES.replace("CHARTS", str(charts)))
        for _ in range(visits):
            for name, url in urls.items():
                page = contexts[name].new_page()
                page.goto(url)
                page.wait_for_function("() => window.__ready.metrics && window.__ready.charts", timeout=60000)
                ready = page.evaluate("window.__ready")
                times[name].append((ready["metrics"] / 1000, ready["charts"] / 1000))
                page.close()
        browser.close()
    return times


PLOTLY_ALONE = """<!doctype html><script>window.before = performance.now()</script><script src="plotly.min.js"></script>
<script>window.loaded = performance.now()</script><div id="chart"></div>
<script>Plotly.newPlot("chart", [{type: "bar", x: [1, 2], y: [1, 2]}]).then(() => window.drawn = performance.now())</script>
"""


def plotly_alone(folder: Path, visits: int = 7) -> list[tuple[float, float]]:
    """Per visit, seconds chromium takes to start plotly.js (the bundle plotly.py ships) in a plain HTML page,
    and to draw one bar chart with it: the floor under any page with a plotly chart."""
    import functools
    import http.server
    import shutil
    import threading

    import plotly
    from playwright.sync_api import sync_playwright

    shutil.copy(Path(plotly.__file__).parent / "package_data" / "plotly.min.js", folder)
    (folder / "plotly.html").write_text(PLOTLY_ALONE, encoding="utf-8")
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    times = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context()
            for _ in range(visits):
                page = context.new_page()
                page.goto(f"http://127.0.0.1:{server.server_port}/plotly.html")
                page.wait_for_function("() => window.drawn")
                times.append(tuple(t / 1000 for t in page.evaluate("[loaded - before, drawn - before]")))
                page.close()
            browser.close()
    finally:
        server.shutdown()
    return times


def _report(name: str, times: list[tuple[float, float]]) -> tuple[float, float]:
    """Print the first visit's times and the median of the later ones; return those medians."""
    later = (statistics.median(t[0] for t in times[1:]), statistics.median(t[1] for t in times[1:]))
    print(f"{name}: first visit metrics {times[0][0]:.2f} s, charts {times[0][1]:.2f} s; later visits (median) "
          f"metrics {later[0]:.2f} s, charts {later[1]:.2f} s")
    return later


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reruns", type=int, default=20)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--visits", type=int, default=11, help="browser visits of each page (the first is not counted)")
    parser.add_argument("--parts", action="store_true", help="also time the first page's parts one by one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "progress.db")
        rows = fill(load_plan(), Store(db))
        os.environ["TRACKER_DB"] = db
        print(f"store: a year of monthly reports, {rows} rows")
        for page, ms in rerun_times(args.reruns).items():
            print(f"{page:<24} median warm rerun {ms:6.1f} ms")
        if not args.no_browser:
            empty, bare = Path(tmp) / "empty.py", Path(tmp) / "bare.py"
            empty.write_text(EMPTY_APP, encoding="utf-8")
            bare.write_text(BARE_APP, encoding="utf-8")
            times = browser_ready({"总览 overview": (ROOT / "dashboard.py", 3),
                                   "empty Streamlit page (one metric)": (empty, 0),
                                   "bare Streamlit page with one plotly chart": (bare, 1)}, db, args.visits)
            first, floor, chart = (_report(f"chromium, {name}", visits) for name, visits in times.items())
            print(f"first page against its floor (later visits): figures {first[0] / floor[0]:.2f}× the empty page "
                  f"(goal 1.2×), charts {first[1] / chart[1]:.2f}× the bare chart page (goal 1.15×)")
            if args.parts:
                parts = {name: (script, 0) for name, script in parts_apps(Path(tmp))}
                for name, visits in browser_ready(parts, db, args.visits).items():
                    _report(f"chromium, {name}", visits)
            times = plotly_alone(Path(tmp))[1:]
            print(f"chromium, plotly.js alone in a plain HTML page (median of later visits): started "
                  f"{statistics.median(t[0] for t in times):.2f} s, one bar chart drawn "
                  f"{statistics.median(t[1] for t in times):.2f} s")


if __name__ == "__main__":
    main()
