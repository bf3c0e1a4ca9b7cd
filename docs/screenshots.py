"""Regenerate the screenshots in docs/screenshots/: the dashboard (English and Chinese) and the
comparison report (English and Chinese), taken in headless Debian Chromium with the network
blocked.

    source .venv/bin/activate
    python docs/screenshots.py            # needs: apt-get install chromium

The report comes from a small real comparison (`python -m experiments.compare` with a few
policies and 4 replications on the default market, the same store as every tool), so the
pictures show what the code draws today.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from experiments.dashboard.serve import (  # noqa: E402
    dashboard_server,
    launch,
    offline_context,
    open_dashboard,
    wait_date_after,
)
from experiments.report import report_name  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
COMPARE = [
    "policies=[none,vip_program,win_back,promotions_blacklist,gift_budget]",
    "replications=4",
]


def dashboard_shots(browser, work: Path) -> None:
    blocked: list[str] = []
    with dashboard_server(work / "server.log") as url:
        ctx = offline_context(browser, blocked, height=1000)  # down to the scale check
        page = open_dashboard(ctx, url)
        page.click(".lab-play")
        wait_date_after(page, "2026-02-01", timeout_ms=900_000)  # past week 104: both cards
        page.click(".lab-play")
        time.sleep(3)
        page.screenshot(path=str(OUT / "dashboard_en.png"))
        page.get_by_text("简体中文").click()
        page.wait_for_function("() => document.body.innerText.includes('并排对比')")
        time.sleep(3)
        page.screenshot(path=str(OUT / "dashboard_zh.png"))
        page.get_by_text("市场全景").click()
        page.wait_for_selector(".lab-map", timeout=120_000)
        time.sleep(3)
        page.screenshot(path=str(OUT / "dashboard_market_zh.png"))
        page.get_by_text("English").click()
        page.get_by_text("A customer's story", exact=False).click()
        page.wait_for_selector(".lab-profile", timeout=120_000)
        time.sleep(3)
        page.screenshot(path=str(OUT / "dashboard_story_en.png"))
        ctx.close()
    if blocked:
        raise SystemExit(f"the dashboard tried to leave localhost: {blocked[:5]}")


def report_shots(browser, work: Path) -> None:
    out = work / "compare"
    for lang in ("en", "zh"):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "experiments.compare",
                *COMPARE,
                f"report.lang={lang}",
                f"output_dir={out / lang}",
                "output.progress=false",
            ],
            cwd=ROOT,
            check=True,
        )
        blocked: list[str] = []
        ctx = offline_context(browser, blocked, height=1000)
        page = ctx.new_page()
        page.goto((out / lang / report_name(lang)).as_uri())  # report.html / report_zh.html
        page.wait_for_load_state("load")
        page.screenshot(path=str(OUT / f"report_{lang}.png"))
        ctx.close()


def main() -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = launch(p)
        try:
            dashboard_shots(browser, Path(tmp))
            report_shots(browser, Path(tmp))
        finally:
            browser.close()
    for f in sorted(OUT.glob("*.png")):
        print(f.relative_to(ROOT))


if __name__ == "__main__":
    main()
