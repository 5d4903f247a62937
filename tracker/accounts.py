"""Accounts and roles: who may see and do what, passwords as slow salted hashes, lockout after failures."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import text

from . import db
from .formats import invisible
from .navigation import BY_NAME
from .store import Store, write_audit

ROLES = ("admin", "reviewer", "leader", "reporter")
LOCK_AFTER = 5                      # failed logins in a row
LOCK_FOR = timedelta(minutes=15)
# One answer to every refused login, so that nobody can learn from it which account names exist, are locked or
# are disabled; the audit log records the real reason for the office.
LOGIN_REFUSED = "账户名或密码错误，或账户已停用、已锁定（连续 5 次错误将锁定 15 分钟）。如有疑问请联系督办室。"
NAME_MAX = 32                       # characters of an account name; the login form's field allows as many
PASSWORD_MIN = 8                    # characters other than spaces
IDLE_LIMIT = timedelta(minutes=30)  # a session ends after this long without a request
SCRYPT = dict(n=2 ** 14, r=8, p=1, dklen=32)

# What each role may do. Pages ask for one of these; so do the actions behind buttons.
PERMISSIONS = {
    "view": {"admin", "reviewer", "leader"},   # every dashboard page of every unit
    "view_plan": {"admin", "reviewer", "leader", "reporter"},
    "report": {"admin", "reporter"},           # upload or edit progress (a reporter: for its own unit only)
    "review": {"admin", "reviewer"},           # approve or return reported rows (the supervision office's staff)
    "export": {"admin", "reviewer", "leader"},
    "revert": {"admin"},
    "problems": {"admin"},                     # raise problems and move them on
    "plan": {"admin"},                         # import plans, load or remove the sample data
    "accounts": {"admin"},                     # accounts, audit log, backups
}


@dataclass(frozen=True)
class User:
    name: str
    role: str
    unit: str | None = None

    def can(self, permission: str) -> bool:
        """Whether this user's role grants the permission."""
        return self.role in PERMISSIONS[permission]

    def may_open(self, page: str) -> bool:
        """Whether this user may open the page (named as in tracker.navigation's table)."""
        return self.can(BY_NAME[page].permission)


LOCAL_ADMIN = User("本机管理员", "admin")  # a fresh install with no accounts: one administrator on this machine


def account_name(name: str) -> str:
    """An account name as stored and looked up: NFKC-normalised (full-width letters and digits become plain ones)
    and trimmed."""
    return unicodedata.normalize("NFKC", name).strip()


def check_name(name: str) -> str:
    """The normalised account name; ValueError when it is empty, too long or holds invisible characters."""
    normal = account_name(name)
    if not normal:
        raise ValueError("账户名不能为空")
    if len(normal) > NAME_MAX:
        raise ValueError(f"账户名“{normal[:NAME_MAX]}…”有 {len(normal)} 个字符，最多 {NAME_MAX} 个")
    hidden = invisible(normal)
    if hidden:
        raise ValueError(f"账户名含有不可见字符（{'、'.join(dict.fromkeys(hidden))}），"
                         "会让两个看起来相同的名称成为不同账户；请删除这些字符后重试")
    return normal


def check_password(password: str) -> None:
    """ValueError when the password has fewer than PASSWORD_MIN characters other than spaces."""
    if sum(not ch.isspace() for ch in password) < PASSWORD_MIN:
        raise ValueError(f"密码至少 {PASSWORD_MIN} 个字符（空格不计）")


def hash_password(password: str) -> str:
    """A salted scrypt hash, stored as scrypt$salt$hash."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, **SCRYPT)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def verify_password(password: str, stored: str) -> bool:
    """Whether the password matches the stored hash (compared in constant time)."""
    try:
        _, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), **SCRYPT)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


class Accounts:
    """Accounts kept in the progress store, every change written to its audit log."""

    def __init__(self, store: Store):
        self.store = store

    def any(self) -> bool:
        """Whether at least one account exists (then every page needs a login)."""
        with self.store.connect() as conn:
            return conn.execute(text("SELECT 1 FROM users LIMIT 1")).first() is not None

    def add(self, name: str, role: str, password: str, unit: str | None = None, by: str | None = None) -> str:
        """Create an account (a reporter must name its unit); returns its name as stored (see check_name)."""
        if role not in ROLES:
            raise ValueError(f"角色应为 {', '.join(ROLES)} 之一")
        if role == "reporter" and not unit:
            raise ValueError("单位联络员（reporter）必须指定单位（--unit）")
        name = check_name(name)
        check_password(password)
        if role != "admin" and not self.any():
            raise ValueError("第一个账户必须是管理员（admin）：之后每个页面都需要登录，需要有人能管理账户")
        hashed = hash_password(password)  # the slow part, before the write lock is taken
        with self.store.transaction() as conn:
            added = conn.execute(text(
                "INSERT INTO users (name, role, unit, password_hash, created_at)"
                " VALUES (:name, :role, :unit, :hash, :at) ON CONFLICT (name) DO NOTHING RETURNING name"),
                dict(name=name, role=role, unit=unit if role == "reporter" else None, hash=hashed,
                     at=datetime.now().isoformat(timespec="seconds"))).first()
            if added is None:
                raise ValueError(f"账户 {name} 已存在")
            write_audit(conn, by, "user_add", f"{name} {role} {unit or ''}".strip())
        return name

    def list(self) -> pd.DataFrame:
        """Every account without its password hash."""
        with self.store.connect() as conn:
            return pd.read_sql_query(text("SELECT name, role, unit, disabled, failed_logins, locked_until,"
                                          " created_at FROM users ORDER BY name"), conn)

    def open_session(self, user: User, now: datetime | None = None) -> str:
        """A new random token for the browser to keep in a cookie, so that a page reload keeps the login; only its
        hash is stored."""
        token = secrets.token_urlsafe(32)
        at = (now or datetime.now()).isoformat(timespec="seconds")
        with self.store.transaction() as conn:
            conn.execute(text("INSERT INTO sessions (token_hash, name, created_at, last_seen)"
                              " VALUES (:token, :name, :at, :at)"), dict(token=_digest(token), name=user.name, at=at))
        return token

    def resume(self, token: str, now: datetime | None = None) -> User | None:
        """The user of a session token that is known, not idle longer than IDLE_LIMIT, and whose account is still
        enabled and unlocked, the login after a reload audited; None otherwise (a token that no longer counts is
        forgotten, and the audit log says so)."""
        now = now or datetime.now()
        with self.store.transaction() as conn:
            row = conn.execute(text("SELECT s.last_seen, u.name, u.role, u.unit, u.disabled, u.locked_until"
                                    " FROM sessions s JOIN users u ON u.name = s.name WHERE s.token_hash = :token"),
                               {"token": _digest(token)}).first()
            if row is None:
                return None
            last_seen, name, role, unit, disabled, locked_until = row
            idle = expired(datetime.fromisoformat(last_seen), now)
            if idle or disabled or (locked_until and datetime.fromisoformat(locked_until) > now):
                _drop_session(conn, token)
                write_audit(conn, name, "session_expired", "idle" if idle else "account disabled or locked")
                return None
            _touch(conn, token, now)
            write_audit(conn, name, "login", "session resumed after a reload")
        return User(name, role, unit)

    def check(self, name: str | None = None, token: str | None = None, now: datetime | None = None) -> User | None:
        """The account behind a session as it stands now, read in one indexed query (cheap enough for every page
        run): None once the session token is gone (logout, a new password, disabling) or idle longer than
        IDLE_LIMIT, or the account is disabled or locked. A session without a token (an identity provider's login)
        is checked by the account's name."""
        now = now or datetime.now()
        with self.store.connect() as conn:
            if token:
                row = conn.execute(text("SELECT s.last_seen, u.name, u.role, u.unit, u.disabled, u.locked_until"
                                        " FROM sessions s JOIN users u ON u.name = s.name WHERE s.token_hash = :token"),
                                   {"token": _digest(token)}).first()
            else:
                row = conn.execute(text("SELECT NULL, name, role, unit, disabled, locked_until FROM users"
                                        " WHERE name = :name"), {"name": name}).first()
        if row is None:
            return None
        last_seen, name, role, unit, disabled, locked_until = row
        if (last_seen and expired(datetime.fromisoformat(last_seen), now)) or disabled or (
                locked_until and datetime.fromisoformat(locked_until) > now):
            return None
        return User(name, role, unit)

    def touch(self, token: str, now: datetime | None = None) -> None:
        """Note that the session of a token is in use."""
        with self.store.transaction() as conn:
            _touch(conn, token, now or datetime.now())

    def close_session(self, token: str) -> None:
        """Forget a session token: the cookie left in the browser opens nothing any more."""
        with self.store.transaction() as conn:
            _drop_session(conn, token)

    def end_session(self, name: str, token: str | None = None, idle: bool = False) -> None:
        """End a user's session at logout, or after the idle limit when `idle`: the browser's token (if it has one)
        opens nothing any more, and the audit log records the logout or the expiry."""
        with self.store.transaction() as conn:
            if token:
                _drop_session(conn, token)
            write_audit(conn, name, "session_expired" if idle else "logout")

    def disable(self, name: str, by: str | None = None) -> None:
        """Stop an account from logging in (it is kept, with its history); never yourself or the last admin."""
        name = account_name(name)
        if name == by:
            raise ValueError("不能停用自己正在使用的账户")
        with self.store.transaction() as conn:
            db.lock(conn, "admins")  # two admins disabling each other at once: the second sees the first
            admins = [n for (n,) in conn.execute(text("SELECT name FROM users WHERE role = 'admin' AND disabled = 0"))]
            if admins == [name]:
                raise ValueError("这是最后一个可用的管理员账户，不能停用")
            _update(conn, name, "UPDATE users SET disabled = 1 WHERE name = :name", {"name": name})
            conn.execute(text("DELETE FROM sessions WHERE name = :name"), {"name": name})
            write_audit(conn, by, "user_disable", name)

    def enable(self, name: str, by: str | None = None) -> None:
        """Let a disabled or locked account log in again."""
        name = account_name(name)
        with self.store.transaction() as conn:
            _update(conn, name, "UPDATE users SET disabled = 0, failed_logins = 0, locked_until = NULL"
                                " WHERE name = :name", {"name": name})
            write_audit(conn, by, "user_enable", name)

    def set_password(self, name: str, password: str, by: str | None = None) -> None:
        """Give an account a new password (and unlock it)."""
        check_password(password)
        name = account_name(name)
        hashed = hash_password(password)  # the slow part, before the write lock is taken
        with self.store.transaction() as conn:
            _update(conn, name, "UPDATE users SET password_hash = :hash, failed_logins = 0, locked_until = NULL"
                                " WHERE name = :name", {"hash": hashed, "name": name})
            conn.execute(text("DELETE FROM sessions WHERE name = :name"), {"name": name})  # logs out every browser that knew the old one
            write_audit(conn, by, "user_passwd", name)

    def login(self, name: str, password: str, now: datetime | None = None) -> tuple[User | None, str]:
        """(the user, "") on success, else (None, LOGIN_REFUSED); failures are counted and lock the account for a
        while."""
        name = account_name(name)
        at = (now or datetime.now()).isoformat(timespec="seconds")
        with self.store.connect() as conn:
            row = conn.execute(text("SELECT password_hash, disabled FROM users WHERE name = :name"),
                               {"name": name}).first()
        if row is None:
            hash_password(password)  # the same slow work as for a real account: no hint that the name is unknown
            self.store.audit(name[:NAME_MAX], "login_failed", "unknown account")
            return None, LOGIN_REFUSED
        stored, disabled = row
        correct = verify_password(password, stored)  # always, so that every refusal takes as long
        if disabled:
            self.store.audit(name, "login_failed", "disabled")
            return None, LOGIN_REFUSED
        # Both outcomes are decided by one UPDATE that only touches an unlocked, enabled row, so that parallel
        # attempts (threads, processes, servers) are counted one by one and none gets past a lock another one set.
        # On PostgreSQL the UPDATE waits for a parallel one on the same row and then re-checks its WHERE on the row
        # as that one left it; on SQLite the write transaction holds the whole database.
        unlocked = "disabled = 0 AND (locked_until IS NULL OR locked_until <= :at)"
        with self.store.transaction() as conn:  # the count and its audit row land together
            if correct:
                row = conn.execute(text(f"UPDATE users SET failed_logins = 0, locked_until = NULL WHERE name = :name"
                                        f" AND {unlocked} RETURNING role, unit"), dict(name=name, at=at)).first()
            else:
                lock = (datetime.fromisoformat(at) + LOCK_FOR).isoformat(timespec="seconds")
                row = conn.execute(text(
                    "UPDATE users SET failed_logins = CASE WHEN failed_logins + 1 >= :limit THEN 0"
                    " ELSE failed_logins + 1 END, locked_until = CASE WHEN failed_logins + 1 >= :limit THEN :lock END"
                    f" WHERE name = :name AND {unlocked} RETURNING failed_logins, locked_until"),
                    dict(limit=LOCK_AFTER, lock=lock, name=name, at=at)).first()
            if row is None:
                write_audit(conn, name, "login_failed", "locked")
                return None, LOGIN_REFUSED
            if not correct:
                failures, locked_until = row
                write_audit(conn, name, "login_failed", "locked now" if locked_until else f"wrong password ({failures})")
                return None, LOGIN_REFUSED
            write_audit(conn, name, "login", row[0])
        return User(name, row[0], row[1]), ""

    def find(self, name: str) -> User | None:
        """An enabled account by name."""
        name = account_name(name)
        with self.store.connect() as conn:
            row = conn.execute(text("SELECT role, unit FROM users WHERE name = :name AND disabled = 0"),
                               {"name": name}).first()
        return None if row is None else User(name, row[0], row[1])

    def login_external(self, name: str) -> User | None:
        """The enabled account of a user the organisation's identity provider has logged in, the login audited;
        None when there is no such account."""
        user = self.find(name)
        if user is not None:
            self.store.audit(user.name, "login", "identity provider")
        return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _drop_session(conn, token: str) -> None:
    conn.execute(text("DELETE FROM sessions WHERE token_hash = :token"), {"token": _digest(token)})


def _touch(conn, token: str, now: datetime) -> None:
    conn.execute(text("UPDATE sessions SET last_seen = :at WHERE token_hash = :token"),
                 {"at": now.isoformat(timespec="seconds"), "token": _digest(token)})


def _update(conn, name: str, sql: str, params: dict) -> None:
    if conn.execute(text(sql), params).rowcount != 1:
        raise ValueError(f"没有账户 {name}")


def expired(last_seen: datetime | None, now: datetime | None = None) -> bool:
    """Whether a session has been idle longer than IDLE_LIMIT."""
    return last_seen is not None and (now or datetime.now()) - last_seen > IDLE_LIMIT
