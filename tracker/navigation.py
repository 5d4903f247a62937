"""The one list of pages: file, section, title, icon and the permission that opens each (pure data, no Streamlit).

The entry file, the permissions, the page tests, the browser tests, the benchmark and the screenshots all read it:
a new page is one line here plus its file in pages/.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    name: str        # pages/{name}.py, served at /{name} (the first page at /)
    section: str     # i18n key of the sidebar section
    title: str       # i18n key of the title
    icon: str        # a Material Symbols name
    permission: str  # the permission in tracker.accounts.PERMISSIONS that opens it

    @property
    def file(self) -> str:
        """The page's script, relative to the entry file."""
        return f"pages/{self.name}.py"


PAGES = (
    Page("overview", "section_board", "overview", "dashboard", "view_plan"),
    Page("departments", "section_board", "departments", "account_balance", "view"),
    Page("tasks", "section_board", "tasks", "list_alt", "view_plan"),
    Page("targets", "section_board", "targets", "speed", "view_plan"),
    Page("present", "section_board", "present", "slideshow", "view"),
    Page("warnings", "section_supervise", "warnings", "warning", "view"),
    Page("trends", "section_supervise", "trends", "trending_up", "view"),
    Page("ranking", "section_supervise", "ranking_page", "leaderboard", "view"),
    Page("problems", "section_supervise", "problems_page", "report_problem", "view"),
    Page("meeting", "section_supervise", "meeting", "compare_arrows", "view"),
    Page("report", "section_report", "report", "upload_file", "report"),
    Page("batches", "section_report", "batches", "history", "view_plan"),
    Page("review", "section_report", "review_page", "fact_check", "review"),
    Page("plan_import", "section_manage", "plan_import", "note_add", "plan"),
    Page("admin", "section_manage", "admin", "admin_panel_settings", "accounts"),
)
BY_NAME = {page.name: page for page in PAGES}
HOME = PAGES[0]  # served at the root address


def sections() -> dict[str, list[Page]]:
    """The pages grouped by section, in the table's order."""
    grouped: dict[str, list[Page]] = {}
    for page in PAGES:
        grouped.setdefault(page.section, []).append(page)
    return grouped
