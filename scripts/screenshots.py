"""Take a full-page screenshot of every page of a running app with Debian's chromium.

Usage: python scripts/screenshots.py [BASE_URL] [OUT_DIR]   (default http://localhost:8501 screenshots/)
"""
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

PAGES = {"overview": "", **{name: name for name in ("departments", "tasks", "targets", "warnings", "trends", "ranking",
                                                      "problems", "meeting", "report", "batches")}}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def wait_idle(page) -> None:
    """Wait until Streamlit has finished running the script and drawing."""
    page.wait_for_selector('[data-testid="stApp"] h1', timeout=30000)
    page.wait_for_function("""() => !document.querySelector('[data-testid="stSkeleton"]')
        && !document.querySelector('[data-testid="stStatusWidget"]')
        && !document.body.innerText.includes("图表载入中")""", timeout=30000)
    page.wait_for_timeout(1000)


def main() -> None:
    base = sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8501"
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "screenshots")
    out.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": int(sys.argv[3]) if len(sys.argv) > 3 else 900})
        for name, path in PAGES.items():
            page.goto(f"{base}/{path}")
            wait_idle(page)
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            print(out / f"{name}.png")
        browser.close()


if __name__ == "__main__":
    main()
