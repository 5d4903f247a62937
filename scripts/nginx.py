"""nginx in front of app servers with deploy/'s configuration, for the tests: a config written to a directory of
its own, plain HTTP on a free local port, nginx run in the foreground and stopped at the end."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
NGINX_DIR = ROOT / "deploy" / "nginx"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
UPSTREAM_SERVER = re.compile(r"^\s*server 127\.0\.0\.1:\d+[^;]*;\n", re.M)


def free_port() -> int:
    """A TCP port nobody listens on at the moment."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def upstream(ports: list[int]) -> str:
    """deploy/'s upstream block with the shipped app servers replaced by these local ports."""
    shipped = (NGINX_DIR / "dbkb-upstream.conf").read_text(encoding="utf-8")
    servers = "".join(f"    server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;\n" for port in ports)
    return UPSTREAM_SERVER.sub("", shipped).replace("    keepalive", servers + "    keepalive", 1)


def main_config(directory: Path, http: str) -> str:
    """A whole nginx.conf kept inside directory (pid, logs, temporary files), with `http` as its http block's body."""
    user = "user root root;\n" if os.geteuid() == 0 else ""  # workers must write uploads into the directory
    temp = "".join(f"    {kind}_temp_path {directory / kind};\n" for kind in ("client_body", "proxy", "fastcgi",
                                                                                 "uwsgi", "scgi"))
    return (f"{user}daemon off;\nworker_processes 1;\npid {directory / 'nginx.pid'};\n"
            f"error_log {directory / 'error.log'} warn;\nevents {{ worker_connections 256; }}\n"
            f"http {{\n    access_log off;\n{temp}{http}\n}}\n")


@contextmanager
def nginx_proxy(ports: list[int], directory: Path, location: str = "/") -> Iterator[str]:
    """nginx on a free local port in front of the app servers on these ports, with deploy/'s upstream (sticky by
    client address) and proxy settings under `location`; each answer names its app server in X-Upstream. Yields the
    URL."""
    port = free_port()
    http = (upstream(ports) + f"\nserver {{\n    listen 127.0.0.1:{port};\n"
            "    add_header X-Upstream $upstream_addr always;\n"
            f"    location {location} {{\n        include {NGINX_DIR / 'dbkb-proxy.conf'};\n    }}\n}}\n")
    config = directory / "nginx.conf"
    config.write_text(main_config(directory, http), encoding="utf-8")
    process = subprocess.Popen([NGINX, "-c", str(config), "-p", str(directory)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.time() > deadline:
                    raise RuntimeError(
                        f"nginx did not start: {process.stderr.read().decode(errors='replace')}") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)
