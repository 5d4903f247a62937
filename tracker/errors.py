"""Errors a user can cause (a full disk, a read-only store, a damaged file, a database server out of reach) as short Chinese messages that say what
to do; anything else as one message, its traceback left for the log."""
from __future__ import annotations

import errno
import logging
import sqlite3
from pathlib import Path

import psycopg
from sqlalchemy.exc import DBAPIError

log = logging.getLogger("tracker")

NOT_SAVED = "本次操作没有保存，数据库保持原样。"
DISK_FULL = "磁盘已满（或数据库已到容量上限）：" + NOT_SAVED + "请清理服务器磁盘空间后重试，或联系管理员。"
READ_ONLY = ("数据库为只读，无法写入：" + NOT_SAVED
             + "请管理员检查数据库文件及其所在目录的写权限，以及磁盘是否以只读方式挂载。")
CANNOT_OPEN = ("无法打开数据库文件：请确认它所在的目录存在，且程序对该文件及其目录有读写权限"
               "（命令行的 --db 或环境变量 TRACKER_DB 指定数据库的位置）。")
BUSY = "数据库正被另一项操作长时间占用：" + NOT_SAVED + "请稍后重试。"
DAMAGED = "数据库文件已损坏或不是本系统的数据库：请从备份恢复（python -m tracker restore 备份文件），或联系管理员。"
DISK_ERROR = "读写磁盘出错（磁盘已满或出现故障）：" + NOT_SAVED + "请管理员检查服务器磁盘后重试。"
NO_MEMORY = "内存不足，操作已中止：" + NOT_SAVED + "请换一个较小的文件重试，或联系管理员。"
CANNOT_CONNECT = ("无法连接数据库服务器：请确认 PostgreSQL 正在运行，数据库地址、数据库名和登录账户正确"
                  "（命令行的 --db 或环境变量 TRACKER_DB 指定数据库）。" + NOT_SAVED)
NO_RIGHTS = "数据库账户没有所需的权限：" + NOT_SAVED + "请管理员为本程序使用的 PostgreSQL 账户授予该数据库的读写权限。"
UNEXPECTED = "程序遇到意外错误（{kind}），操作已中止，详细信息已记入日志。请把出错前的操作告诉管理员。"

SQLITE_MESSAGES = [  # (words in SQLite's English message, what to tell the user), first match wins
    ("disk is full", DISK_FULL),
    ("readonly database", READ_ONLY),
    ("read-only", READ_ONLY),
    ("unable to open database", CANNOT_OPEN),
    ("database is locked", BUSY),
    ("database table is locked", BUSY),
    ("not a database", DAMAGED),
    ("malformed", DAMAGED),
    ("disk i/o error", DISK_ERROR),
]


POSTGRES_MESSAGES = [  # (start of PostgreSQL's SQLSTATE, what to tell the user), first match wins
    ("53100", DISK_FULL),
    ("53200", NO_MEMORY),
    ("25006", READ_ONLY),          # a read-only transaction: a hot standby, or default_transaction_read_only
    ("42501", NO_RIGHTS),
    ("55P03", BUSY),               # lock not available
    ("40", BUSY),                  # deadlock, serialization failure
    ("57014", BUSY),               # statement timeout
    ("08", CANNOT_CONNECT),
    ("28", CANNOT_CONNECT),        # login refused
    ("3D000", CANNOT_CONNECT),     # no such database
    ("57P", CANNOT_CONNECT),       # the server is shutting down or restarting
    ("58", DISK_ERROR),
    ("XX001", DAMAGED),
    ("XX002", DAMAGED),
]


def _cause(exc: BaseException) -> BaseException:
    while True:
        if isinstance(exc, DBAPIError) and exc.orig is not None:  # SQLAlchemy's wrapping of the driver's error
            exc = exc.orig
        elif "cannot rollback" in str(exc) and exc.__context__ is not None:
            exc = exc.__context__  # a failed ROLLBACK hides the error that made it necessary
        else:
            return exc


def _file_message(exc: OSError) -> str | None:
    name = Path(exc.filename).name if exc.filename else ""  # the name only: no server paths on a page
    return {
        errno.ENOSPC: DISK_FULL,
        errno.EDQUOT: DISK_FULL,
        errno.EROFS: READ_ONLY,
        errno.EACCES: f"没有权限读写“{name}”：请管理员检查该文件及其所在目录的权限。",
        errno.EPERM: f"不允许读写“{name}”：请管理员检查该文件及其所在目录的权限。",
        errno.ENOENT: f"找不到“{name}”：请检查文件名和所在目录是否存在。",
        errno.EISDIR: f"“{name}”是一个目录，这里需要一个文件。",
        errno.EEXIST: f"“{name}”已存在，且不是这里需要的目录或文件：请换一个名称或位置。",
        errno.ENOTDIR: f"“{name}”所在的路径中有一段不是目录：请检查路径。",
    }.get(exc.errno)


def user_message(exc: BaseException) -> str:
    """What to tell the user about an exception: one or two sentences in Chinese, never a traceback."""
    exc = _cause(exc)
    if isinstance(exc, sqlite3.Error):
        text = str(exc).lower()
        return next((message for words, message in SQLITE_MESSAGES if words in text),
                    UNEXPECTED.format(kind=type(exc).__name__))
    if isinstance(exc, psycopg.Error):
        state = exc.sqlstate
        if state is None:  # no answer from a server at all
            return CANNOT_CONNECT if isinstance(exc, psycopg.OperationalError) else UNEXPECTED.format(
                kind=type(exc).__name__)
        return next((message for prefix, message in POSTGRES_MESSAGES if state.startswith(prefix)),
                    UNEXPECTED.format(kind=type(exc).__name__))
    if isinstance(exc, OSError):
        return _file_message(exc) or UNEXPECTED.format(kind=type(exc).__name__)
    if isinstance(exc, MemoryError):
        return NO_MEMORY
    return UNEXPECTED.format(kind=type(exc).__name__)


def report(exc: BaseException) -> str:
    """user_message(exc), with the exception and its traceback written to the log (the server's log for the app)."""
    message = user_message(exc)
    log.error("%s", message, exc_info=exc)
    return message
