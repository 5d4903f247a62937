"""Accounts and roles: hashes, lockout, expiry, the permission table, and the CLI for users and backups."""
import io
import re
import sqlite3
import sys
from datetime import datetime, timedelta

import pytest
from conftest import dump, refuse_inserts
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tracker.accounts import (
    IDLE_LIMIT,
    LOCK_AFTER,
    LOCK_FOR,
    LOGIN_REFUSED,
    NAME_MAX,
    ROLES,
    Accounts,
    User,
    expired,
    hash_password,
    verify_password,
)
from tracker.cli import main
from tracker.i18n import AUDIT_ACTION_LABELS, ROLE_LABELS

NOW = datetime(2026, 11, 30, 9, 0)


@pytest.fixture
def accounts(store):
    accounts = Accounts(store)
    accounts.add("office", "admin", "admin-pass-1")
    accounts.add("zhang", "reporter", "correct-horse", unit="区民政局")
    return accounts


def test_passwords_are_stored_only_as_salted_slow_hashes(store, accounts):
    first, second = hash_password("same-password"), hash_password("same-password")
    assert first != second and first.startswith("scrypt$")
    assert verify_password("same-password", first) and not verify_password("other", first)
    with store.connect() as conn:
        stored = [row[0] for row in conn.execute(text("SELECT password_hash FROM users"))]
    assert all("correct-horse" not in h and h.startswith("scrypt$") for h in stored)


@pytest.mark.parametrize("failures, then, expected", [
    (4, timedelta(0), "zhang"),                       # four mistakes, then the right password: in
    (5, timedelta(minutes=1), None),                  # the fifth locks the account, even for the right password
    (5, LOCK_FOR + timedelta(seconds=1), "zhang"),    # until the lock runs out
])
def test_repeated_failures_lock_the_account_for_a_while(accounts, failures, then, expected):
    for _ in range(failures):
        assert accounts.login("zhang", "wrong", now=NOW)[0] is None
    user, why = accounts.login("zhang", "correct-horse", now=NOW + then)
    assert (user.name if user else None) == expected
    if expected is None:
        assert why == LOGIN_REFUSED
        log = accounts.store.audit_log()
        assert log[log["action"] == "login_failed"]["detail"].iloc[0] == "locked"  # the office sees why


def test_a_refusal_never_tells_which_names_exist(accounts):
    answers = set()
    for name in ("zhang", "nobody"):
        for _ in range(6):
            answers.add(accounts.login(name, "wrong", now=NOW)[1])
    accounts.disable("zhang", by="office")
    answers.add(accounts.login("zhang", "correct-horse", now=NOW)[1])
    assert answers == {LOGIN_REFUSED}


def test_unknown_and_disabled_accounts_cannot_log_in(accounts, store):
    assert accounts.login("nobody", "x", now=NOW) == (None, LOGIN_REFUSED)
    accounts.disable("zhang", by="office")
    assert accounts.login("zhang", "correct-horse", now=NOW) == (None, LOGIN_REFUSED)
    accounts.enable("zhang", by="office")
    assert accounts.login("zhang", "correct-horse", now=NOW)[0] == User("zhang", "reporter", "区民政局")
    actions = store.audit_log()["action"].tolist()
    assert {"login", "login_failed", "user_add", "user_disable", "user_enable"} <= set(actions)


@pytest.mark.parametrize("idle, ends", [(None, False), (timedelta(minutes=29), False), (timedelta(minutes=31), True)])
def test_a_session_ends_after_the_idle_limit(idle, ends):
    assert expired(None if idle is None else NOW - idle, NOW) is ends


# role x permission -> allowed, written out so that a change to the rules must change this table too
MATRIX = {
    "view":      {"admin": True, "leader": True, "reporter": False},
    "view_plan": {"admin": True, "leader": True, "reporter": True},
    "report":    {"admin": True, "leader": False, "reporter": True},
    "export":    {"admin": True, "leader": True, "reporter": False},
    "revert":    {"admin": True, "leader": False, "reporter": False},
    "problems":  {"admin": True, "leader": False, "reporter": False},
    "plan":      {"admin": True, "leader": False, "reporter": False},
    "accounts":  {"admin": True, "leader": False, "reporter": False},
}


@pytest.mark.parametrize("permission, role", [(p, r) for p in MATRIX for r in MATRIX[p]])
def test_permission_matrix(permission, role):
    assert User("x", role, "区民政局").can(permission) is MATRIX[permission][role]


def test_the_first_account_must_be_an_administrator(store):
    with pytest.raises(ValueError, match="第一个账户必须是管理员"):
        Accounts(store).add("zhang", "reporter", "correct-horse", unit="区民政局")


def test_account_rules(accounts):
    with pytest.raises(ValueError, match="必须指定单位"):
        accounts.add("li", "reporter", "long-enough-1")
    with pytest.raises(ValueError, match="至少 8 个字符"):
        accounts.add("li", "leader", "short")
    with pytest.raises(ValueError, match="已存在"):
        accounts.add("zhang", "leader", "long-enough-1")


@pytest.mark.parametrize("typed, stored, refused", [
    ("li", "li", None),
    ("  li\t", "li", None),                          # trimmed
    ("ｌｉ１", "li1", None),                           # full-width letters and digits: NFKC
    ("李 四", "李 四", None),
    ("x" * NAME_MAX, "x" * NAME_MAX, None),
    ("x" * (NAME_MAX + 1), None, "最多 32 个"),
    ("   ", None, "不能为空"),
    ("li\u200b", None, "U+200B"),                    # zero-width space
    ("\u200dli", None, "U+200D"),
    ("县\u202e局财政\u202c", None, "U+202E"),          # right-to-left override: reads as another name
    ("li\u2066x\u2069", None, "U+2066"),
    ("li\u00adx", None, "U+00AD"),                   # soft hyphen (Cf)
    ("li\x07", None, "U+0007"),                      # control character
    ("li\nadmin", None, "U+000A"),
])
def test_account_names_are_normalised_and_invisible_characters_refused(accounts, typed, stored, refused):
    if refused:
        with pytest.raises(ValueError, match=re.escape(refused)):
            accounts.add(typed, "leader", "long-enough-1")
        assert len(accounts.list()) == 2
    else:
        accounts.add(typed, "leader", "long-enough-1")
        assert stored in accounts.list()["name"].tolist()
        assert accounts.login(typed, "long-enough-1", now=NOW)[0].name == stored
        assert accounts.login(stored, "long-enough-1", now=NOW)[0].name == stored


def test_a_name_that_differs_only_by_spaces_or_width_is_the_same_account(accounts):
    for twin in ("zhang ", " zhang", "ｚｈａｎｇ"):
        with pytest.raises(ValueError, match="已存在"):
            accounts.add(twin, "leader", "long-enough-1")


@pytest.mark.parametrize("password, accepted", [
    ("        ", False),                   # eight spaces
    ("a b c d e f g", False),              # seven characters between spaces
    ("\t\tabcdefg\t", False),
    ("abcdefgh", True),
    ("a b c d e f g h", True),
    ("密码密码密码密码", True),
])
def test_passwords_need_enough_characters_other_than_spaces(accounts, password, accepted):
    if accepted:
        accounts.add("li", "leader", password)
        accounts.set_password("li", password, by="office")
        assert accounts.login("li", password, now=NOW)[0] is not None
    else:
        with pytest.raises(ValueError, match="空格不计"):
            accounts.add("li", "leader", password)
        with pytest.raises(ValueError, match="空格不计"):
            accounts.set_password("zhang", password, by="office")


def _wrong_login(db):
    from tracker.store import Store
    return Accounts(Store(db)).login("zhang", "wrong-password", now=NOW)[0]


def test_parallel_wrong_passwords_from_several_processes_lock_the_account(accounts, store, db_url):
    import multiprocessing
    store.close()  # no pooled connection handed down to the forked processes
    with multiprocessing.get_context("fork").Pool(4) as pool:
        results = pool.map(_wrong_login, [db_url] * 100, chunksize=1)
    assert results == [None] * 100
    log = store.audit_log(limit=1000)
    details = log[log["action"] == "login_failed"]["detail"].tolist()
    # each failure counted exactly once: 1, 2, 3, 4, then the lock; every other attempt met the lock
    counted = sorted(d for d in details if d.startswith("wrong"))
    assert counted == [f"wrong password ({n})" for n in range(1, LOCK_AFTER)]
    assert details.count("locked now") == 1 and details.count("locked") == 100 - LOCK_AFTER
    assert accounts.login("zhang", "correct-horse", now=NOW + timedelta(minutes=1)) == (None, LOGIN_REFUSED)
    assert accounts.login("zhang", "correct-horse", now=NOW + LOCK_FOR + timedelta(seconds=1))[0] is not None


def run(capsys, *argv, stdin=None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_user_commands(capsys, monkeypatch, tmp_path):
    db = tmp_path / "p.db"
    assert run(capsys, "user", "add", "office", "--role", "admin", "--password-stdin", "--db", db,
               stdin="admin-pass-1\n", monkeypatch=monkeypatch)[0] == 0
    code, out, _ = run(capsys, "user", "add", "zhang", "--role", "reporter", "--unit", "区民政局", "--password-stdin",
                       "--db", db, stdin="correct-horse\n", monkeypatch=monkeypatch)
    assert code == 0 and "已创建账户 zhang" in out
    code, _, err = run(capsys, "user", "add", "wang", "--role", "reporter", "--password-stdin", "--db", db,
                       stdin="correct-horse\n", monkeypatch=monkeypatch)
    assert code == 1 and "必须指定单位" in err
    assert "zhang\treporter\t区民政局\t正常" in run(capsys, "user", "list", "--db", db)[1]
    assert run(capsys, "user", "disable", "zhang", "--db", db)[0] == 0
    assert "停用" in run(capsys, "user", "list", "--db", db)[1]
    assert run(capsys, "user", "passwd", "zhang", "--password-stdin", "--db", db, stdin="new-password-9\n",
               monkeypatch=monkeypatch)[0] == 0
    from tracker.store import Store
    assert Accounts(Store(db)).login("zhang", "new-password-9")[0] is None  # still disabled


def test_backup_and_restore_round_trip_refusing_a_bad_file(capsys, tmp_path):
    db, backup = tmp_path / "p.db", tmp_path / "backup.db"
    assert run(capsys, "sample", "load", "--db", db)[0] == 0
    assert run(capsys, "backup", "--out", backup, "--db", db)[0] == 0
    assert run(capsys, "sample", "remove", "--db", db)[0] == 0
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    before = db.read_bytes()
    code, _, err = run(capsys, "restore", bad, "--db", db)
    assert code == 1 and "数据库未作任何改动" in err and db.read_bytes() == before
    assert run(capsys, "restore", backup, "--db", db)[0] == 0
    from tracker.store import Store
    assert Store(db).has_samples("hedong-2023")


def test_a_backup_taken_during_imports_is_consistent(tmp_path, db_url):
    """Backups taken again and again while six imports land one after another: every copy holds whole batches
    only, and at least one copy was taken between the first import and the last."""
    import subprocess
    import time
    from pathlib import Path

    from tracker.store import Store, check_backup
    db = db_url
    store = Store(db)
    lines = ["target_id,as_of,actual"] + [f"T15-1,2023-{m:02d}-{d:02d},{m * 31 + d}"
                                          for m in range(1, 13) for d in range(1, 28)]
    files = []
    for n in range(6):
        path = tmp_path / f"f{n}.csv"
        path.write_text("\n".join(lines).replace("T15-1", ["T15-1", "T15-2", "T68-1", "T35-3", "T63-1", "T16-1"][n]),
                        encoding="utf-8")
        files.append(path)
    root = Path(__file__).resolve().parent.parent
    script = "; ".join(f"import subprocess, sys; subprocess.run([sys.executable, '-m', 'tracker', 'import', r'{f}', "
                       f"'--db', r'{db}'], check=True)" for f in files)
    importer = subprocess.Popen([sys.executable, "-c", script], cwd=root)
    seen, copy, deadline = [], tmp_path / "backup.db", time.time() + 180
    while importer.poll() is None and time.time() < deadline:
        copy.unlink(missing_ok=True)
        store.backup(copy)
        check_backup(copy)
        with sqlite3.connect(copy) as conn:
            batches, rows_counted = conn.execute("SELECT COUNT(*), COALESCE(SUM(row_count), 0) FROM batches").fetchone()
            rows = conn.execute("SELECT COUNT(*) FROM target_reports").fetchone()[0]
        assert rows == rows_counted, f"a copy with {batches} batches holds half an import"
        seen.append(batches)
        time.sleep(0.05)
    assert importer.wait(10) == 0
    assert len(store.batches("hedong-2023")) == 6
    assert any(0 < n < 6 for n in seen), f"no copy was taken while the imports landed: {sorted(set(seen))}"
    restored = Store(tmp_path / "restored.db")
    restored.restore(copy)
    assert len(restored.batches("hedong-2023")) == seen[-1]


def test_an_admin_cannot_disable_itself_or_the_last_admin(accounts):
    with pytest.raises(ValueError, match="自己"):
        accounts.disable("office", by="office")
    with pytest.raises(ValueError, match="最后一个"):
        accounts.disable("office", by="cli")
    accounts.add("second", "admin", "second-pass-1")
    accounts.disable("office", by="second")


@pytest.mark.parametrize("event, resumed", [
    (None, True),
    ("idle", False),                     # unused for longer than the idle limit
    ("logout", False),
    ("disable", False),
    ("new_password", False),             # a new password logs out every browser that knew the old one
    ("locked", False),
])
def test_a_session_token_lets_a_reload_keep_the_login_until_it_should_not(accounts, event, resumed):
    user, _ = accounts.login("zhang", "correct-horse", now=NOW)
    token = accounts.open_session(user, now=NOW)
    later = NOW + timedelta(minutes=5)
    if event == "idle":
        later = NOW + IDLE_LIMIT + timedelta(seconds=1)
    elif event == "logout":
        accounts.end_session("zhang", token)
    elif event == "disable":
        accounts.disable("zhang", by="office")
    elif event == "new_password":
        accounts.set_password("zhang", "another-pass-1", by="office")
    elif event == "locked":
        for _ in range(5):
            accounts.login("zhang", "wrong", now=later)
    assert accounts.resume(token, now=later) == (user if resumed else None)


# each write door of the accounts (given a session token of zhang's) -> the audit row it leaves
LATER, IDLE = NOW + timedelta(minutes=5), NOW + IDLE_LIMIT + timedelta(minutes=1)
DOORS = {
    "add": (lambda a, token: a.add("li", "leader", "long-enough-1", by="office"), ("office", "user_add", "li leader")),
    "disable": (lambda a, token: a.disable("zhang", by="office"), ("office", "user_disable", "zhang")),
    "enable": (lambda a, token: a.enable("zhang", by="office"), ("office", "user_enable", "zhang")),
    "passwd": (lambda a, token: a.set_password("zhang", "another-pass-1", by="office"),
               ("office", "user_passwd", "zhang")),
    "login": (lambda a, token: a.login("zhang", "correct-horse", now=NOW), ("zhang", "login", "reporter")),
    "wrong password": (lambda a, token: a.login("zhang", "wrong", now=NOW),
                       ("zhang", "login_failed", "wrong password (1)")),
    "identity provider": (lambda a, token: a.login_external("zhang"), ("zhang", "login", "identity provider")),
    "reload": (lambda a, token: a.resume(token, now=LATER), ("zhang", "login", "session resumed after a reload")),
    "reload after idling": (lambda a, token: a.resume(token, now=IDLE), ("zhang", "session_expired", "idle")),
    "logout": (lambda a, token: a.end_session("zhang", token), ("zhang", "logout", "")),
    "idle in the browser": (lambda a, token: a.end_session("zhang", idle=True), ("zhang", "session_expired", "")),
}


@pytest.mark.parametrize("door", DOORS)
def test_every_account_write_leaves_its_audit_row(accounts, store, door):
    write, expected = DOORS[door]
    write(accounts, accounts.open_session(User("zhang", "reporter", "区民政局"), now=NOW))
    row = store.audit_log().iloc[0]
    assert (row["user"], row["action"], row["detail"]) == expected
    assert row["action"] in AUDIT_ACTION_LABELS


@pytest.mark.parametrize("door", DOORS)
def test_an_account_change_whose_audit_row_cannot_be_written_does_not_land(accounts, store, door):
    write, _ = DOORS[door]
    token = accounts.open_session(User("zhang", "reporter", "区民政局"), now=NOW)
    refuse_inserts(store, "audit", "refused")
    before = dump(store)
    with pytest.raises(DBAPIError, match="refused"):
        write(accounts, token)
    assert dump(store) == before


def test_the_role_labels_name_every_role():
    assert set(ROLE_LABELS) == set(ROLES)


def test_only_a_hash_of_the_session_token_is_stored_and_use_keeps_it_alive(accounts, store):
    user, _ = accounts.login("zhang", "correct-horse", now=NOW)
    token = accounts.open_session(user, now=NOW)
    with store.connect() as conn:
        stored = [row[0] for row in conn.execute(text("SELECT token_hash FROM sessions"))]
    assert stored and token not in stored[0]
    accounts.touch(token, NOW + timedelta(minutes=25))           # in use 25 minutes later
    assert accounts.resume(token, NOW + timedelta(minutes=50)) == user
    assert accounts.resume("a-guessed-token", NOW) is None

