"""The running app in Debian's chromium, driven by Playwright: every page opens without an error."""
import shutil
from pathlib import Path

import pytest
from PIL import Image

from scripts.serve import CHROMIUM, CHROMIUM_ARGS, streamlit_server, wait_idle
from tracker import i18n, navigation
from tracker.plan import load_plan

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists() or shutil.which("streamlit") is None,
                                 reason=f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)")]
# address -> the page's heading: the first page is the root, and the projector mode opens on the plan's title slide
PAGES = {"" if page is navigation.HOME else page.name: load_plan().title if page.name == "present"
         else i18n.t(page.title) for page in navigation.PAGES}
PAGE_LIST = ".st-key-page_list"  # the sidebar's list of pages (ui.frame.run_page)
# the progress file's uploader (the page's evidence uploader sits in an expander below it)
PROGRESS_UPLOADER = '[data-testid="stTabs"] [data-testid="stFileUploaderDropzoneInput"]'


def log_in(page, name: str, password: str, heading: str) -> None:
    """Log in on the form shown and wait for the page that follows and for the browser to keep the session's cookie:
    a reload or another address opened before the cookie is kept (a few hundred ms after the page shows, longer on
    a loaded machine) finds no login."""
    from ui.auth import SESSION_COOKIE
    before = page.evaluate("() => document.cookie")  # an earlier session's cookie may still be there
    page.get_by_label("账户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name=heading).wait_for(timeout=30000)
    page.wait_for_function("([name, before]) => document.cookie.includes(name + '=') && document.cookie !== before",
                           arg=[SESSION_COOKIE, before], timeout=30000)


def upload_progress(page, path) -> None:
    """Give 进度上报's uploader a file once the page's run has ended, and wait for the preview: a file given while the
    run of a click just before was still going was lost about one time in ten on this machine."""
    wait_idle(page)
    page.locator(PROGRESS_UPLOADER).set_input_files(str(path))
    page.get_by_text("导入前预览").wait_for(timeout=30000)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A streamlit server on an empty temporary store."""
    with streamlit_server("dashboard.py", tmp_path_factory.mktemp("browser") / "progress.db") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_every_page_opens_without_an_error_before_and_after_loading_the_sample(server, browser):
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    for loaded in (False, True):
        for path, title in PAGES.items():
            page.goto(f"{server}/{path}")
            wait_idle(page)
            assert page.locator("h1").first.inner_text().strip() == title
            assert page.locator('[data-testid="stException"]').count() == 0, path
            assert page.get_by_text("Page not found").count() == 0, path
            if path != "present":  # the projector mode hides the sidebar
                assert page.locator('[data-testid="stSidebar"]').get_by_text("统计截至").count() == 1
        if not loaded:
            page.goto(server)
            wait_idle(page)
            page.locator("button:visible").filter(has_text="载入示例数据").first.click()
            page.get_by_text("当前显示的是示例数据").wait_for(timeout=30000)
    page.goto(f"{server}/overview")                         # the home page's own name, as an old bookmark has it
    wait_idle(page)
    assert page.locator("h1").first.inner_text().strip() == PAGES[""]
    assert page.get_by_text("Page not found").count() == 0
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="已完成")
    page.goto(server)
    wait_idle(page)
    assert metric.locator('[data-testid="stMetricValue"]').inner_text() == "19"
    page.close()


def test_a_clerk_uploads_a_file_confirms_and_sees_the_gauge_change(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1600, "height": 1400})
    page.goto(f"{server}/targets")
    wait_idle(page)
    page.get_by_label("搜索（指标名称、原文或单位）").fill("适老化改造")
    page.keyboard.press("Enter")
    page.get_by_text("共 1 项").wait_for(timeout=30000)
    gauge = page.locator(".js-plotly-plot").first
    before = gauge.inner_text()
    report = tmp_path / "民政局进度.csv"
    report.write_text("指标编号,截至日期,完成值,进展情况\nT68-1,2023-09-30,270,入户改造270户\n", encoding="utf-8")
    page.goto(f"{server}/report")
    upload_progress(page, report)
    page.locator("button:visible").filter(has_text="确认导入").first.click()
    page.get_by_text("已导入为批次").wait_for(timeout=30000)
    page.goto(f"{server}/targets")
    wait_idle(page)
    page.get_by_label("搜索（指标名称、原文或单位）").fill("适老化改造")
    page.keyboard.press("Enter")
    page.get_by_text("共 1 项").wait_for(timeout=30000)
    page.wait_for_function("() => document.querySelector('.js-plotly-plot')?.innerText.includes('270 / 300')",
                           timeout=30000)                       # the gauge follows the search's own run
    after = page.locator(".js-plotly-plot").first.inner_text()
    assert "270 / 300户" not in before and "270 / 300户" in after and "90%" in after
    page.close()


def test_a_slide_fills_the_projector_screen_and_the_keyboard_turns_pages(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{server}/present")
    wait_idle(page)
    page.keyboard.press("ArrowRight")                              # once, as soon as the slide is drawn
    page.get_by_role("heading", name="总体进展").wait_for(timeout=30000)
    wait_idle(page)
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    heading = page.locator("h1").first.bounding_box()
    assert heading["height"] >= 40                                # large type, readable from the back
    assert page.locator(".js-plotly-plot").count() == 2
    controls = page.locator(".st-key-controls").bounding_box()
    assert controls["y"] + controls["height"] <= 720                 # the slide and its controls fit the screen
    for chart in page.locator(".js-plotly-plot").all():
        box = chart.bounding_box()
        assert box["y"] + box["height"] <= controls["y"] + 1
    shot = tmp_path / "slide.png"
    page.screenshot(path=str(shot))
    image = Image.open(shot).convert("RGB")
    for chart in page.locator(".js-plotly-plot").all():           # each chart drawn, not a blank frame
        box = chart.bounding_box()
        area = image.crop((box["x"], box["y"], box["x"] + box["width"], box["y"] + box["height"]))
        ink = sum(n for n, colour in area.getcolors(area.width * area.height) if sum(colour) < 720)
        assert ink > 0.03 * area.width * area.height, f"{ink} of {area.width * area.height} pixels drawn"
    page.close()


def test_a_reporter_logs_in_uploads_its_template_and_cannot_reach_the_admin_page(browser, tmp_path):
    """A clerk's day in chromium: log in, fill the unit's template, upload it, and find no admin page by URL."""
    import io as _io

    from openpyxl import load_workbook

    from tracker.accounts import Accounts
    from tracker.plan import load_plan
    from tracker.store import Store
    from tracker.template import template_frame, template_title, template_xlsx

    db = tmp_path / "progress.db"
    store = Store(db)
    Accounts(store).add("office", "admin", "admin-pass-1")
    Accounts(store).add("zhang", "reporter", "correct-horse", unit="区民政局")
    plan = load_plan()
    data = template_xlsx(template_frame(plan, store.latest_target_reports(plan.id), store.latest_task_reports(plan.id),
                                  "区民政局", __import__("datetime").date(2023, 9, 30)), template_title(plan, "区民政局"))
    book = load_workbook(_io.BytesIO(data))
    book["填报"]["K7"] = 150                                        # T68-1
    filled = tmp_path / "民政局.xlsx"
    book.save(filled)
    with streamlit_server("dashboard.py", db) as url:
        page = browser.new_page(viewport={"width": 1600, "height": 1200})
        page.goto(url)
        log_in(page, "zhang", "correct-horse", "总览")
        wait_idle(page)
        nav = page.locator(PAGE_LIST).inner_text()
        assert "进度上报" in nav and "账户与审计" not in nav and "部门" not in nav
        page.reload()                                              # F5 in the middle of the work
        page.get_by_role("heading", name="总览").wait_for(timeout=30000)
        assert page.get_by_label("密码").count() == 0              # still logged in
        page.locator(PAGE_LIST).get_by_text("进度上报").click()
        page.get_by_role("heading", name="进度上报").wait_for(timeout=30000)
        upload_progress(page, filled)
        page.locator("button:visible").filter(has_text="确认导入").first.click()
        page.get_by_text("已导入为批次").wait_for(timeout=30000)
        page.goto(f"{url}/admin")                                  # typed into the address bar
        page.get_by_text("您的账户无权查看此页面。").wait_for(timeout=30000)  # still logged in, and refused
        assert page.get_by_role("heading", name="账户与审计").count() == 0
        page.locator(PAGE_LIST).get_by_text("上报记录").wait_for(timeout=30000)  # the list's last link is drawn
        nav = page.locator(PAGE_LIST).inner_text()
        assert "进度上报" in nav and "账户与审计" not in nav
        page.get_by_role("button", name="退出登录").click()
        page.get_by_label("账户名").wait_for(timeout=30000)
        wait_idle(page)
        assert page.locator(f"{PAGE_LIST} a").count() == 0          # no page list left behind
        page.goto(f"{url}/tasks")                                  # a bookmark, opened logged out
        log_in(page, "zhang", "correct-horse", "任务台账")                 # leads on to the page asked for
        page.close()
        assert Store(db).latest_target_reports(plan.id)["actual"].tolist() == [150.0]
        assert Store(db).batches(plan.id)["user"].tolist() == ["zhang"]


def test_a_bookmark_opened_first_on_a_fresh_server_gets_the_sidebar_and_the_login(browser, tmp_path):
    """Before any session has routed, Streamlit would run pages/tasks.py on its own (its legacy pages/ mode): the
    page hands the run to the entry file, so the bookmark gets the login, then the page with its sidebar."""
    from tracker.accounts import Accounts
    from tracker.store import Store

    db = tmp_path / "progress.db"
    Accounts(Store(db)).add("office", "admin", "admin-pass-1")
    with streamlit_server("dashboard.py", db) as url:
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(f"{url}/tasks")                                  # the first request this server ever serves
        log_in(page, "office", "admin-pass-1", "任务台账")
        wait_idle(page)
        assert page.locator('[data-testid="stSidebar"]').get_by_text("统计截至").count() == 1
        assert "任务台账" in page.locator(PAGE_LIST).inner_text()
        assert "tasks.py" not in page.locator('[data-testid="stSidebar"]').inner_text()
        page.close()


def test_two_servers_behind_nginx_share_the_login_and_the_import(browser, shared_store, tmp_path):
    """deploy/'s nginx in front of two servers on one store: the proxy never gets the local administrator; a login
    through the proxy holds on server A, where a file is uploaded, and server B shows its figure."""
    import os
    import subprocess
    import sys
    from urllib.parse import urlparse

    from scripts.nginx import NGINX, nginx_proxy
    from scripts.serve import ROOT

    if not Path(NGINX).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is not installed: apt-get install nginx-light")
        pytest.skip("nginx is not installed: apt-get install nginx-light")
    (tmp_path / "nginx").mkdir()
    report = tmp_path / "民政局进度.csv"
    report.write_text("指标编号,截至日期,完成值,进展情况\nT68-1,2023-09-30,270,入户改造270户\n", encoding="utf-8")
    db = shared_store
    with (streamlit_server("dashboard.py", db) as a,
          streamlit_server("dashboard.py", db) as b,
          nginx_proxy([urlparse(a).port, urlparse(b).port], tmp_path / "nginx") as proxy):
        page = browser.new_page(viewport={"width": 1600, "height": 1400})
        page.goto(proxy)                                          # a fresh store, reached through the proxy
        page.get_by_text("尚未创建任何账户").wait_for(timeout=30000)
        assert page.locator(PAGE_LIST).count() == 0                 # no page reached
        subprocess.run([sys.executable, "-m", "tracker", "user", "add", "office", "--role", "admin",
                        "--password-stdin"], input="admin-pass-1\n", text=True, check=True, capture_output=True,
                       cwd=ROOT, env=dict(os.environ, TRACKER_DB=db))
        page.goto(proxy)
        log_in(page, "office", "admin-pass-1", "总览")
        page.goto(f"{a}/report")                                  # pinned to A: its session and its upload
        page.get_by_role("heading", name="进度上报").wait_for(timeout=30000)   # the login's cookie holds on A
        upload_progress(page, report)
        # the office's own figures, approved as they are imported (with accounts, review is on): the confirmation
        # below carries the box's state whether or not the box's own run has ended
        page.get_by_text("导入时直接审核通过").click()
        page.locator("button:visible").filter(has_text="确认导入").first.click()
        page.get_by_text("已导入为批次").wait_for(timeout=30000)
        page.goto(f"{b}/targets")                                 # the other server
        wait_idle(page)
        page.get_by_label("搜索（指标名称、原文或单位）").fill("适老化改造")
        page.keyboard.press("Enter")
        page.get_by_text("共 1 项").wait_for(timeout=30000)
        page.wait_for_function("() => document.querySelector('.js-plotly-plot')?.innerText.includes('270 / 300')",
                               timeout=30000)
        page.close()


@pytest.fixture(scope="module")
def sample_server(tmp_path_factory):
    """A streamlit server on a store holding the sample data."""
    from tracker.samples import load_sample
    from tracker.store import Store
    db = tmp_path_factory.mktemp("browser_sample") / "progress.db"
    load_sample(load_plan(), Store(db))
    with streamlit_server("dashboard.py", db) as url:
        yield url


# KPI labels and the sidebar's labels: an element cut by its box (its text wider than the room it is given)
CLIPPED = """() => [...document.querySelectorAll('[data-testid="stMetricLabel"] p, [data-testid="stWidgetLabel"] p')]
  .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)"""
# st.dataframe draws on a canvas that cuts what does not fit: the widest pair of status labels (a status and
# 未按期上报) measured in the grid's font (the theme's 0.875rem), with the labels' padding, against the status
# column's width
WIDEST_PAIR = """(labels) => { const ctx = document.createElement("canvas").getContext("2d");
  ctx.font = "14px " + getComputedStyle(document.body).fontFamily;
  const widths = labels.map(l => ctx.measureText(l).width);
  return Math.max(...widths.slice(0, -1)) + widths.at(-1) + 2 * 2 * 8 + 4 + 2 * 8; }"""


@pytest.mark.parametrize("width, height", [(1280, 720), (1024, 768), (390, 844)])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_nothing_is_clipped_at_a_projectors_a_laptops_and_a_phones_width(sample_server, browser, width, height, lang):
    from tracker.status import STATUSES
    from ui.tables import STATUS_WIDTH
    page = browser.new_page(viewport={"width": width, "height": height})
    for path in ("", "targets", "tasks", "departments"):
        page.goto(f"{sample_server}/{path}?lang={lang}")
        wait_idle(page)
        assert page.locator('[data-testid="stException"]').count() == 0, path
        assert page.evaluate(CLIPPED) == [], (path, width, lang)
    labels = [i18n.status_label(s, lang) for s in STATUSES] + [i18n.t("late", lang)]
    assert page.evaluate(WIDEST_PAIR, labels) <= STATUS_WIDTH[lang], (width, lang)
    page.close()


def test_a_reporters_figure_with_a_photo_is_reviewed_and_only_then_shows(browser, tmp_path):
    """The review loop in chromium: a clerk uploads the unit's template with a figure and attaches a photo to its
    row; the reviewer sees the row with the photo's thumbnail, downloads the photo and approves; the gauge shows the
    figure only then."""
    import io
    from datetime import date

    from openpyxl import load_workbook

    from tracker.accounts import Accounts
    from tracker.store import Store
    from tracker.template import template_frame, template_title, template_xlsx

    db = tmp_path / "progress.db"
    store = Store(db)
    Accounts(store).add("office", "admin", "admin-pass-1")
    Accounts(store).add("check", "reviewer", "review-pass-1")
    Accounts(store).add("zhang", "reporter", "correct-horse", unit="区民政局")
    plan = load_plan()
    book = load_workbook(io.BytesIO(template_xlsx(template_frame(plan, store.latest_target_reports(plan.id),
                                                                 store.latest_task_reports(plan.id), "区民政局",
                                                                 date(2023, 9, 30)), template_title(plan, "区民政局"))))
    book["填报"]["K7"] = 270                                        # T68-1, 300 households in the year
    filled = tmp_path / "民政局.xlsx"
    book.save(filled)
    photo = tmp_path / "现场.png"
    Image.new("RGB", (800, 600), "teal").save(photo)

    def gauge_of_t68(page, url):
        page.goto(f"{url}/targets")
        wait_idle(page)
        page.get_by_label("搜索（指标名称、原文或单位）").fill("适老化改造")
        page.keyboard.press("Enter")
        page.get_by_text("共 1 项").wait_for(timeout=30000)
        wait_idle(page)
        return page.locator(".js-plotly-plot").first.inner_text()

    with streamlit_server("dashboard.py", db) as url:
        page = browser.new_page(viewport={"width": 1600, "height": 1400})
        page.goto(url)
        log_in(page, "zhang", "correct-horse", "总览")
        page.locator(PAGE_LIST).get_by_text("进度上报", exact=True).click()
        page.get_by_role("heading", name="进度上报").wait_for(timeout=30000)
        upload_progress(page, filled)
        page.locator("button:visible").filter(has_text="确认导入").first.click()
        page.get_by_text("已提交审核").wait_for(timeout=30000)
        wait_idle(page)
        page.locator('.st-key-evidence_files_0 [data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(photo))
        page.get_by_text("待保存 1 份：现场.png").wait_for(timeout=30000)   # the server has the photo
        wait_idle(page)
        page.locator(".st-key-evidence_for").click()              # the batch is chosen; the photo is of one row
        page.get_by_role("option", name="T68-1", exact=True).click()
        page.wait_for_function("""() => [...document.querySelectorAll('.st-key-evidence_for input')]
            .every(input => input.value === 'T68-1')""", timeout=30000)
        page.get_by_text("待保存 1 份：现场.png").wait_for(timeout=30000)   # still held after the choice's run
        wait_idle(page)
        page.locator(".st-key-evidence_save button").click()
        page.get_by_text("已保存 1 份佐证材料。").wait_for(timeout=30000)
        page.get_by_role("button", name="退出登录").click()
        page.get_by_label("账户名").wait_for(timeout=30000)

        page.goto(url)
        log_in(page, "check", "review-pass-1", "总览")
        assert "270 / 300" not in gauge_of_t68(page, url)           # waiting: not counted yet
        page.locator(PAGE_LIST).get_by_text("审核", exact=True).click()
        page.get_by_role("heading", name="审核").wait_for(timeout=30000)
        page.get_by_role("heading", name="区民政局（1 条）").wait_for(timeout=30000)
        wait_idle(page)
        thumbnail = page.locator('[data-testid="stImage"] img').first
        thumbnail.wait_for(timeout=30000)
        page.wait_for_function("() => document.querySelector('[data-testid=\"stImage\"] img')?.naturalWidth > 0",
                               timeout=30000)
        assert thumbnail.evaluate("img => img.naturalWidth") == 120   # a thumbnail, never the 800-pixel photo
        with page.expect_download() as download:
            page.get_by_role("button", name="下载 现场.png").click()
        assert Path(download.value.path()).read_bytes() == photo.read_bytes()
        page.get_by_role("button", name="通过本单位全部").click()   # the only unit waiting
        page.get_by_text("已审核通过 1 行。").wait_for(timeout=30000)
        gauge_of_t68(page, url)
        page.wait_for_function("() => document.querySelector('.js-plotly-plot')?.innerText.includes('270 / 300')",
                               timeout=30000)
        page.close()


# how opaque an element is drawn: the product of its own and its ancestors' opacity
EFFECTIVE_OPACITY = """(element) => { let opacity = 1;
  for (let e = element; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
  return opacity; }"""


def test_a_slides_marks_are_drawn_at_full_strength_and_its_change_note_above_the_controls(browser, tmp_path):
    import datetime

    from tracker import changes
    from tracker.samples import load_sample
    from tracker.store import Store
    plan, store = load_plan(), Store(tmp_path / "progress.db")
    load_sample(plan, store)
    asked = changes.request(store, plan, "T35-2", "target_value", "25", "用地调整", "office")
    changes.decide(store, asked, True, "office", effective=datetime.date(2023, 8, 15))
    with streamlit_server("dashboard.py", tmp_path / "progress.db") as url:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(f"{url}/present")
        wait_idle(page)
        note = page.get_by_text("目标调整：T35-2")
        for _ in range(15):  # to the slide of chapter 6, which holds T35-2
            if note.count():
                break
            page.keyboard.press("ArrowRight")
            page.wait_for_timeout(500)
            wait_idle(page)
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg').length", timeout=30000)
        controls = page.locator(".st-key-controls").bounding_box()
        box = note.bounding_box()
        assert box["y"] + box["height"] <= controls["y"]                   # the change note is seen, not covered
        for chart in page.locator(".js-plotly-plot").all():                # its lines come out of the chart
            box = chart.bounding_box()
            assert box["y"] + box["height"] <= controls["y"] + 1
        mark = page.get_by_text("示例数据（虚构）", exact=True).first
        assert mark.evaluate(EFFECTIVE_OPACITY) == 1                        # red, not a caption's pale red
        page.close()
