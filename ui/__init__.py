"""Streamlit-side helpers, one module per job; pages use them through `import ui`.

text: wording and Markdown-safe text · cache: plan, store, snapshot and memo · auth: login and live sessions ·
charts: charts on a page · tables: shared tables · files: evidence files, thumbnails and downloads ·
frame: routing, the page list and each page's header.
"""
from tracker import i18n
from tracker.accounts import LOCAL_ADMIN
from tracker.formats import day, number, size, visible
from tracker.formats import percent as pct

from .auth import accounts, allowed, current_user, keep_session_in_browser, login_page, logout, user
from .cache import (
    INCLUDE_UNREVIEWED,
    after_write,
    batches,
    default_date,
    latest,
    memo,
    memo_at,
    memo_compare,
    plan,
    plans,
    returned,
    review_queue,
    reviewing,
    snapshot,
    store,
    thumbnail,
)
from .charts import chart
from .files import evidence_files
from .frame import ALL_UNITS, flash, guard, page_header, run_page, unit_filter
from .tables import problem_table, status_cells, status_column, status_css, status_table, target_table
from .text import T, lang, plain, remember_lang, status_text

__all__ = [
    "i18n", "LOCAL_ADMIN", "day", "number", "pct", "size", "visible",  # what pages and the entry file use from tracker
    "accounts", "allowed", "current_user", "keep_session_in_browser", "login_page", "logout", "user",
    "INCLUDE_UNREVIEWED", "review_queue", "reviewing", "after_write", "batches", "default_date", "latest", "memo", "memo_at", "memo_compare", "plan", "plans", "returned", "snapshot",
    "store", "thumbnail", "chart", "evidence_files",
    "ALL_UNITS", "flash", "guard", "page_header", "run_page", "unit_filter",
    "problem_table", "status_cells", "status_css", "status_column", "status_table", "target_table",
    "T", "lang", "plain", "remember_lang", "status_text",
]
