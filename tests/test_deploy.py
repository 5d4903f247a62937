"""Several app servers behind nginx (deploy/): who may skip the login (tracker/access.py), and the shipped nginx
configuration run for real in front of app servers: sticky, WebSocket-ready, forwarding headers set and user
headers stripped."""
from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pytest

from scripts.nginx import NGINX, NGINX_DIR, main_config, nginx_proxy, upstream
from scripts.serve import streamlit_server
from tracker.access import local_admin_allowed, proxy_user

LOCAL = None  # what Streamlit gives as the address of a client on 127.0.0.1 or ::1
XFF = {"X-Forwarded-For": "10.1.2.3"}


@pytest.mark.parametrize("address, headers, sqlite, allowed", [
    (LOCAL, {}, True, True),
    ("127.0.0.1", {"Host": "localhost:8501"}, True, True),
    ("::1", {}, True, True),
    ("10.1.2.3", {}, True, False),  # another machine
    (LOCAL, XFF, True, False),  # nginx on this host: every visitor comes from 127.0.0.1
    (LOCAL, {"x-forwarded-for": "10.1.2.3"}, True, False),  # header names are case-insensitive
    (LOCAL, {"X-Real-IP": "10.1.2.3"}, True, False),
    (LOCAL, {"Forwarded": "for=10.1.2.3;proto=https"}, True, False),
    (LOCAL, {}, False, False),  # a PostgreSQL store is shared by several servers behind a proxy
])
def test_the_local_administrator_needs_a_direct_client_on_this_machine_and_a_sqlite_store(address, headers, sqlite,
                                                                                            allowed):
    assert local_admin_allowed(address, headers, sqlite) is allowed


SSO = {"TRACKER_TRUSTED_PROXY": "127.0.0.1", "TRACKER_USER_HEADER": "X-Forwarded-User"}


@pytest.mark.parametrize("address, headers, environ, user", [
    (LOCAL, {"X-Forwarded-User": "zhangsan"}, SSO, "zhangsan"),
    ("127.0.0.1", {"x-forwarded-user": " zhangsan "}, SSO, "zhangsan"),
    # Tornado reads header bytes as Latin-1: a UTF-8 name from the proxy is read back as UTF-8
    (LOCAL, {"X-Forwarded-User": "张三".encode().decode("latin-1")}, SSO, "张三"),
    ("10.0.0.5", {"X-Forwarded-User": "zhangsan"}, SSO, None),  # not the trusted proxy
    ("10.0.0.5", {"X-Forwarded-User": "zhangsan"}, {**SSO, "TRACKER_TRUSTED_PROXY": "10.0.0.4, 10.0.0.5"},
     "zhangsan"),
    (LOCAL, {"Remote-User": "zhangsan"}, SSO, None),  # only the configured header counts
    (LOCAL, {"Remote-User": "zhangsan"}, {**SSO, "TRACKER_USER_HEADER": "Remote-User"}, "zhangsan"),
    (LOCAL, {"X-Forwarded-User": ""}, SSO, None),
    (LOCAL, {}, SSO, None),
    (LOCAL, {"X-Forwarded-User": "zhangsan"}, {}, None),  # nothing configured: never believed
    (LOCAL, {"X-Forwarded-User": "zhangsan"}, {"TRACKER_USER_HEADER": "X-Forwarded-User"}, None),
    (LOCAL, {"X-Forwarded-User": "zhangsan"}, {"TRACKER_TRUSTED_PROXY": "127.0.0.1"}, None),
])
def test_a_user_header_counts_only_from_a_configured_proxy(address, headers, environ, user):
    assert proxy_user(address, headers, environ) == user


def _need_nginx(tool: str = NGINX) -> None:
    if not Path(tool).exists() and shutil.which(tool) is None:
        message = f"{Path(tool).name} is not installed: apt-get install nginx-light openssl"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


class _Echo(BaseHTTPRequestHandler):
    """Answers every request with the headers it received, as JSON."""
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = json.dumps({key.lower(): value for key, value in self.headers.items()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def echo_proxy(tmp_path_factory):
    """nginx with deploy/'s settings in front of one upstream that echoes the request headers it gets."""
    _need_nginx()
    echo = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=echo.serve_forever, daemon=True).start()
    try:
        with nginx_proxy([echo.server_address[1]], tmp_path_factory.mktemp("nginx-echo")) as url:
            yield url
    finally:
        echo.shutdown()


def _get(url: str, path: str, headers: dict | None = None, source: str = "127.0.0.1") -> http.client.HTTPResponse:
    parts = urlparse(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10, source_address=(source, 0))
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    response.body = response.read()
    conn.close()
    return response


def test_nginx_tells_the_app_it_is_a_proxy_so_the_local_administrator_is_refused(echo_proxy):
    seen = json.loads(_get(echo_proxy, "/_stcore/stream").body)
    assert seen["x-forwarded-for"] == "127.0.0.1" and seen["x-real-ip"] == "127.0.0.1"
    assert local_admin_allowed(LOCAL, seen, sqlite=True) is False


def test_nginx_passes_the_websocket_upgrade(echo_proxy):
    seen = json.loads(_get(echo_proxy, "/_stcore/stream", {"Upgrade": "websocket", "Connection": "Upgrade"}).body)
    assert seen["upgrade"] == "websocket" and seen["connection"] == "upgrade"
    plain = json.loads(_get(echo_proxy, "/").body)  # other requests keep the upstream connection alive
    assert "upgrade" not in plain and plain.get("connection", "") == ""


def test_a_browser_cannot_name_its_own_user_through_nginx(echo_proxy):
    seen = json.loads(_get(echo_proxy, "/", {"X-Forwarded-User": "admin", "Remote-User": "admin"}).body)
    assert "x-forwarded-user" not in seen and "remote-user" not in seen
    assert proxy_user(LOCAL, seen, SSO) is None


def test_nginx_refuses_an_upload_over_the_apps_limit_before_reading_it(echo_proxy):
    parts = urlparse(echo_proxy)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.putrequest("PUT", "/_stcore/upload_file/x/y")
    conn.putheader("Content-Length", str(21 * 1024 * 1024))  # server.maxUploadSize is 20 (MB)
    conn.endheaders()
    assert conn.getresponse().status == 413
    conn.close()


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory):
    """Two Streamlit servers on one store behind nginx: (nginx URL, the servers' URLs)."""
    _need_nginx()
    store = tmp_path_factory.mktemp("two-servers") / "progress.db"
    with streamlit_server("dashboard.py", store) as a, streamlit_server("dashboard.py", store) as b:
        ports = [urlparse(a).port, urlparse(b).port]
        with nginx_proxy(ports, tmp_path_factory.mktemp("nginx")) as url:
            yield url, [a, b]


def test_each_browser_stays_on_one_server_and_the_browsers_spread_over_both(two_servers):
    url, servers = two_servers
    reached = {}
    for n in range(1, 21):  # twenty browsers (every 127.x.y.z is this machine)
        source = f"127.0.0.{n}"
        answers = {_get(url, "/_stcore/health", source=source).getheader("X-Upstream") for _ in range(3)}
        assert len(answers) == 1, source  # sticky: a session and its uploads reach one process
        reached[source] = answers.pop()
    assert {f"http://{upstream_}" for upstream_ in reached.values()} == set(servers)
    assert all(_get(url, "/_stcore/health", source=s).body == b"ok" for s in ("127.0.0.1", "127.0.0.2"))


@pytest.mark.parametrize("site", ["dbkb.conf", "dbkb-prefix.conf"])
def test_the_shipped_https_sites_pass_nginxs_own_check(site, tmp_path):
    _need_nginx()
    _need_nginx("openssl")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True)
    text = (NGINX_DIR / site).read_text(encoding="utf-8")
    text = text.replace("snippets/dbkb-proxy.conf", str(NGINX_DIR / "dbkb-proxy.conf"))
    for directive, path in (("ssl_certificate_key", "key.pem"), ("ssl_certificate", "cert.pem")):
        text = "\n".join(f"    {directive} {tmp_path / path};" if line.split()[:1] == [directive] else line
                         for line in text.splitlines())
    config = tmp_path / "nginx.conf"
    config.write_text(main_config(tmp_path, upstream([8501, 8502]) + text), encoding="utf-8")
    checked = subprocess.run([NGINX, "-t", "-c", str(config), "-p", str(tmp_path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    assert "warn" not in checked.stderr, checked.stderr


@pytest.fixture
def behind_proxy(tmp_path, monkeypatch):
    """The app on a SQLite store in tmp_path, each run's client being nginx on this host with these headers."""
    import streamlit as st

    import ui.auth

    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "progress.db"))
    monkeypatch.setenv("TRACKER_PLANS", str(tmp_path / "plans"))
    st.cache_data.clear()
    st.cache_resource.clear()
    headers = {"X-Forwarded-For": "10.1.2.3", "X-Real-IP": "10.1.2.3"}
    monkeypatch.setattr(ui.auth, "_request", lambda: (None, headers))
    yield headers
    st.cache_data.clear()
    st.cache_resource.clear()


def _app():
    from streamlit.testing.v1 import AppTest
    return AppTest.from_file("../dashboard.py", default_timeout=60)


def test_a_fresh_store_reached_through_the_proxy_gets_no_local_administrator(behind_proxy):
    app = _app().run()
    assert [e.value for e in app.error] == [
        "尚未创建任何账户：为安全起见，此时只允许在本机直接访问（不经反向代理，且使用 SQLite 数据库）。"
        "请先在服务器上运行 python -m tracker user add 创建管理员账户。"]
    assert not app.metric and not app.text_input


def test_the_user_a_trusted_proxy_names_gets_their_role_without_the_login_form(behind_proxy, monkeypatch, tmp_path):
    from tracker.accounts import Accounts
    from tracker.store import Store

    store = Store(tmp_path / "progress.db")
    Accounts(store).add("office", "admin", "admin-pass-1")
    Accounts(store).add("zhang", "reporter", "correct-horse", unit="区民政局")
    monkeypatch.setenv("TRACKER_TRUSTED_PROXY", "127.0.0.1")
    monkeypatch.setenv("TRACKER_USER_HEADER", "X-Forwarded-User")
    behind_proxy["X-Forwarded-User"] = "zhang"
    app = _app().run()
    assert app.title[0].value == "总览" and not app.error
    assert app.session_state["user"].role == "reporter" and app.session_state["user"].unit == "区民政局"
    app.run()
    log = store.audit_log()
    assert log[log["action"] == "login"]["user"].tolist() == ["zhang"]  # one login per session, not per run
    Accounts(store).disable("zhang", by="office")
    app.run()  # disabled since the last run: refused on the next one
    assert [e.value for e in app.error] == ["统一身份认证用户“zhang”在本系统中没有可用的账户（不存在或已停用），请联系督办室开通。"]
    behind_proxy["X-Forwarded-User"] = "[nobody](http://x)"  # shown as written, not as a link
    assert "“\\[nobody\\]\\(http://x\\)”" in _app().run().error[0].value


def test_the_board_under_a_path_prefix(tmp_path):
    """As deploy/nginx/dbkb-prefix.conf: nginx passes /duban/ unchanged to a server started with
    STREAMLIT_SERVER_BASE_URL_PATH=duban (as in deploy/systemd/dbkb.env)."""
    import sys
    import time

    from scripts.nginx import free_port
    from scripts.serve import ROOT

    _need_nginx()
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
                               "--server.port", str(port), "--server.address", "127.0.0.1"], cwd=ROOT,
                              env=dict(os.environ, TRACKER_DB=str(tmp_path / "progress.db"),
                                       STREAMLIT_SERVER_BASE_URL_PATH="duban"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    (tmp_path / "nginx").mkdir()
    try:
        with nginx_proxy([port], tmp_path / "nginx", location="/duban/") as url:
            deadline = time.time() + 60
            while _get(url, "/duban/_stcore/health").status != 200:
                assert time.time() < deadline, "the server behind /duban/ did not answer within 60 s"
                time.sleep(0.3)
            assert _get(url, "/duban/_stcore/health").body == b"ok"
            assert _get(url, "/_stcore/health").status == 404  # nothing outside the prefix
    finally:
        server.terminate()
        server.wait(10)
