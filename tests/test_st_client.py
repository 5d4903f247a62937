"""scripts/st_client.py against a real server: Streamlit's websocket protocol as bench/sessions.py speaks it, so that
a Streamlit upgrade that changes it fails here rather than in the middle of a benchmark."""
import asyncio
import shutil

import pytest

from scripts.serve import streamlit_server
from scripts.st_client import Session
from tracker import i18n
from tracker.accounts import Accounts, User
from tracker.plan import DATA_DIR
from tracker.store import Store
from ui.auth import SESSION_COOKIE

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(shutil.which("streamlit") is None, reason="needs the streamlit command")]
OTHER_TITLE = "另一区2024年重点工作任务"


@pytest.fixture
def server(tmp_path, monkeypatch):
    """A server on a store with a leader's login session, and a second plan to switch to; yields (url, token)."""
    other = tmp_path / "plans" / "other"
    other.mkdir(parents=True)
    for name in ("tasks.csv", "targets.csv", "departments.csv"):
        shutil.copy(DATA_DIR / name, other / name)
    toml = (DATA_DIR / "plan.toml").read_text(encoding="utf-8")
    toml = toml.replace('id = "hedong-2023"', 'id = "other-2024"').replace(
        'title = "河东区深化新旧动能转换推动绿色低碳高质量发展2023年重点工作任务"', f'title = "{OTHER_TITLE}"')
    (other / "plan.toml").write_text(toml, encoding="utf-8")
    monkeypatch.setenv("TRACKER_PLANS", str(tmp_path / "plans"))
    db = tmp_path / "progress.db"
    store = Store(db)
    accounts = Accounts(store)
    accounts.add("admin", "admin", "a long enough password")
    accounts.add("leader", "leader", "a long enough password")
    token = accounts.open_session(User("leader", "leader"))
    store.close()
    with streamlit_server("dashboard.py", db) as url:
        yield url, token


def test_a_logged_in_session_runs_a_page_reruns_it_and_switches_the_plan(server):
    url, token = server

    async def visit():
        session = await Session.open(url, cookies={SESSION_COOKIE: token})
        try:
            first = await session.run("")  # the first page, at the root address
            again = await session.run()
            session.select("plan_dir", "other-2024")
            present = await session.run("present")  # its first slide is the plan's title
            return first, again, present
        finally:
            await session.close()

    first, again, present = asyncio.run(visit())
    for run in (first, again, present):
        assert run.status == "FINISHED_SUCCESSFULLY"
        assert not run.errors, run.errors
    assert first.headings[0] == i18n.t("overview")  # not the login form's 督办看板: the cookie logged it in
    assert again.headings[0] == i18n.t("overview") and again.seconds > 0
    assert "plan_dir" in again.widgets
    assert present.headings[0] == OTHER_TITLE
