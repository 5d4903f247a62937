"""Streamlit-side helpers, one module per job; pages use them through `import ui`.

text: wording and Markdown-safe text · cache: plan, store, snapshot and memo · auth: login and live sessions ·
paint: charts and the first paint · tables: shared tables · frame: routing, the page list and each page's header.
"""
from tracker import i18n  # noqa: F401
from tracker.accounts import LOCAL_ADMIN  # noqa: F401
from tracker.formats import day, number, percent as pct  # noqa: F401  (the pages' formatters)

from .auth import accounts, allowed, current_user, keep_session_in_browser, login_page, logout, user  # noqa: F401
from .cache import (after_write, default_date, memo, memo_at, memo_compare, plan, plans, snapshot,  # noqa: F401
                    store)
from .frame import ALL_UNITS, flash, guard, page_header, run_page, unit_filter  # noqa: F401
from .paint import ask_when_painted, chart, hold_charts_until_painted  # noqa: F401
from .tables import problem_table, status_cells, status_column, status_table, target_table  # noqa: F401
from .text import T, lang, plain, status_text  # noqa: F401
