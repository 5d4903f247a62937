"""Who may use the app without a login form: the local administrator of a fresh install, and a user named by a trusted
reverse proxy's header. Pure decisions on the client's address and request headers, so they can be tested without
Streamlit."""
from __future__ import annotations

from typing import Mapping

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
# Any of these means a proxy stands between the browser and the app, and the client address (the proxy's) says
# nothing about where the browser is.
FORWARDING_HEADERS = ("x-forwarded-for", "x-real-ip", "forwarded")
TRUSTED_PROXY = "TRACKER_TRUSTED_PROXY"  # comma-separated addresses of the proxies whose user header is believed
USER_HEADER = "TRACKER_USER_HEADER"  # the header carrying the logged-in user's name, e.g. X-Forwarded-User


def _loopback(address: str | None) -> bool:
    # Streamlit gives None for a client on 127.0.0.1 or ::1
    return address is None or address in LOOPBACK or address == ""


def _lowered(headers: Mapping[str, str]) -> dict[str, str]:
    return {str(key).lower(): value for key, value in headers.items()}


def forwarded(headers: Mapping[str, str]) -> bool:
    """Whether the request came through a proxy that says so (X-Forwarded-For, X-Real-IP or Forwarded)."""
    lowered = _lowered(headers)
    return any(name in lowered for name in FORWARDING_HEADERS)


def local_admin_allowed(address: str | None, headers: Mapping[str, str], sqlite: bool) -> bool:
    """Whether a store without accounts may be used as the local administrator: only by a browser on the server itself,
    not through a proxy (a proxy on the same host makes every visitor look local), and only on a SQLite store (a
    PostgreSQL store is shared by several servers behind a proxy)."""
    return sqlite and _loopback(address) and not forwarded(headers)


def proxy_user(address: str | None, headers: Mapping[str, str], environ: Mapping[str, str]) -> str | None:
    """The user name the trusted proxy vouches for in its user header, or None: when no proxy or header is configured,
    the request does not come from a configured proxy address, or the header is missing or empty."""
    proxies = {a.strip() for a in environ.get(TRUSTED_PROXY, "").split(",") if a.strip()}
    header = environ.get(USER_HEADER, "").strip().lower()
    if not proxies or not header:
        return None
    if not (address in proxies or (_loopback(address) and proxies & LOOPBACK)):
        return None
    value = _lowered(headers).get(header, "").strip()
    try:  # the HTTP server reads header bytes as Latin-1; a proxy sends a Chinese name as UTF-8
        value = value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    return value or None
