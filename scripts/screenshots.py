"""Take a full-page screenshot of every page of a running app with Debian's chromium, at a projector's 1280×720 and a
phone's 390×844, in Chinese and in English (?lang=en): OUT_DIR/{page}_{width}_{lang}.png.

Usage: python scripts/screenshots.py [BASE_URL] [OUT_DIR] [PAGE ...]   (default http://localhost:8501 screenshots/)
"""
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from serve import CHROMIUM, CHROMIUM_ARGS, ROOT, wait_idle

sys.path.insert(0, str(ROOT))
from tracker.navigation import HOME, PAGES  # noqa: E402

SIZES = ((1280, 720), (390, 844))


def main() -> None:
    base = sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8501"
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "screenshots")
    out.mkdir(exist_ok=True)
    only = set(sys.argv[3:])
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for width, height in SIZES:
            page = browser.new_page(viewport={"width": width, "height": height})
            for lang in ("zh", "en"):
                for entry in (e for e in PAGES if not only or e.name in only):
                    page.goto(f"{base}/{'' if entry is HOME else entry.name}{'?lang=en' if lang == 'en' else ''}")
                    wait_idle(page)
                    page.wait_for_timeout(4000)  # the charts and their animation
                    path = out / f"{entry.name}_{width}_{lang}.png"
                    page.screenshot(path=str(path), full_page=True)
                    print(path)
            page.close()
        browser.close()

if __name__ == "__main__":
    main()
