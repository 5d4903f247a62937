"""The review queue as docs/review.md shows it: a store with the sample data, accounts, two units' rows waiting and a
photo as evidence; the office logs in and 审核 is photographed at a projector's width into docs/review.png. Other
pages of the same store (the one task and target with the photo) can be photographed too, for a look.

Usage: python scripts/review_screenshot.py [OUT_DIR PAGE ...]   (default: docs/review.png only)
"""
import io
import sys
import tempfile
from datetime import date
from pathlib import Path

import pandas as pd
from PIL import Image, ImageDraw
from playwright.sync_api import sync_playwright

from serve import CHROMIUM, CHROMIUM_ARGS, ROOT, streamlit_server, wait_idle

sys.path.insert(0, str(ROOT))
from tracker import evidence  # noqa: E402
from tracker.accounts import Accounts  # noqa: E402
from tracker.plan import load_plan  # noqa: E402
from tracker.samples import load_sample  # noqa: E402
from tracker.store import Store  # noqa: E402

AS_OF = date(2023, 9, 30)
WAITING = {  # unit: (target, value, note)
    "区民政局": [("T68-1", 270, "入户改造270户，验收单已签"), ("T67-1", 96, "探访记录见台账"), ("T66-1", 4, "")],
    "区科学技术局": [("T15-1", 81, "新认定4家，待公示"), ("T15-2", 92, "")],
}


def photo() -> bytes:
    """A stand-in for a site photo: a picture with some structure, not a flat colour."""
    image = Image.new("RGB", (1200, 900), (70, 120, 140))
    draw = ImageDraw.Draw(image)
    for i in range(0, 1200, 60):
        draw.rectangle((i, 500 - i // 4, i + 40, 900), fill=(200, 180 - i // 10, 120))
    data = io.BytesIO()
    image.save(data, "JPEG", quality=85)
    return data.getvalue()


def demo_store(db: Path) -> None:
    """The sample data, an office and a reviewer account, and the rows of WAITING waiting for review."""
    plan, store = load_plan(), Store(db)
    load_sample(plan, store)
    Accounts(store).add("office", "admin", "admin-pass-1")
    for unit, rows in WAITING.items():
        frame = pd.DataFrame([{"target_id": t, "as_of": AS_OF, "actual": v, "note": n} for t, v, n in rows])
        store.add_batch(plan.id, f"{unit}9月进度.xlsx", f"demo-{unit}", frame, unit=unit, by="demo",
                        review="pending")
    evidence.add(store, plan.id, "target", "T68-1", [("T68-1_验收现场.jpg", photo())], "demo")


def trim(path: Path) -> None:
    """Cut the empty bottom of a screenshot taken in a tall window (the app scrolls inside, not the page)."""
    image = Image.open(path)
    main = image.crop((image.width // 3, 0, image.width, image.height)).convert("L")
    bottom = max(y for y in range(main.height) if main.crop((0, y, main.width, y + 1)).getextrema()[0] < 240)
    image.crop((0, 0, image.width, min(image.height, bottom + 40))).save(path)


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    pages = sys.argv[2:]
    db = Path(tempfile.mkdtemp()) / "progress.db"
    demo_store(db)
    with streamlit_server(ROOT / "dashboard.py", db) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 2000})  # the app scrolls inside, not the page
        page.goto(f"{url}/review")
        page.get_by_label("账户名").fill("office")
        page.get_by_label("密码").fill("admin-pass-1")
        page.get_by_role("button", name="登录").click()
        page.get_by_role("heading", name="审核").wait_for(timeout=60000)
        wait_idle(page)
        page.wait_for_timeout(1500)
        target = out / "review.png" if out else ROOT / "docs" / "review.png"
        page.screenshot(path=str(target), full_page=True)
        trim(target)
        print(target)
        for name in pages:
            page.goto(f"{url}/{name}")
            wait_idle(page)
            page.wait_for_timeout(3000)
            path = out / f"{name}.png"
            page.screenshot(path=str(path), full_page=True)
            print(path)
        browser.close()


if __name__ == "__main__":
    main()
