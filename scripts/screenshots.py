"""Take a full-page screenshot of every page of a running app with Debian's chromium.

Usage: python scripts/screenshots.py [BASE_URL] [OUT_DIR]   (default http://localhost:8501 screenshots/)
"""
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from serve import CHROMIUM, CHROMIUM_ARGS, ROOT, wait_idle

sys.path.insert(0, str(ROOT))
from tracker.navigation import HOME, PAGES  # noqa: E402


def main() -> None:
    base = sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8501"
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "screenshots")
    out.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": int(sys.argv[3]) if len(sys.argv) > 3 else 900})
        for entry in PAGES:
            page.goto(f"{base}/{'' if entry is HOME else entry.name}")
            wait_idle(page)
            page.wait_for_timeout(1000)  # let the last chart finish its animation
            page.screenshot(path=str(out / f"{entry.name}.png"), full_page=True)
            print(out / f"{entry.name}.png")
        browser.close()


if __name__ == "__main__":
    main()
