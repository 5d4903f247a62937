"""The page table: every page it names exists and is opened by a real permission, and every page file is in it."""
from pathlib import Path

from tracker import i18n, navigation
from tracker.accounts import PERMISSIONS

ROOT = Path(__file__).resolve().parent.parent


def test_every_page_file_is_in_the_table_once_and_every_entry_has_its_file():
    files = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))
    listed = [page.file for page in navigation.PAGES]
    assert sorted(listed) == files and len(set(listed)) == len(listed)


def test_every_page_is_opened_by_a_permission_the_roles_grant():
    assert {page.name: page.permission for page in navigation.PAGES if page.permission not in PERMISSIONS} == {}


def test_every_title_and_section_has_its_wording_in_both_languages():
    for key in {key for page in navigation.PAGES for key in (page.title, page.section)}:
        assert i18n.t(key, "zh") != i18n.t(key, "en"), key


def test_the_table_lists_the_pages_of_a_section_together():
    assert [page for pages in navigation.sections().values() for page in pages] == list(navigation.PAGES)
