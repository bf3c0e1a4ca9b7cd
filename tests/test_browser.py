"""The dashboard and the Chinese report in a real browser: Debian's Chromium driven by
Playwright (never a downloaded browser), with every request to anything but localhost blocked.

Screenshots go to ``test-artifacts/browser/`` (or ``$TEST_ARTIFACTS``). Without Chromium the
tests are skipped on a developer's machine and FAIL under CI (``CI=true``): `.ci/run` installs it.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from experiments.dashboard.serve import (
    CHROMIUM,
    ROOT,
    dashboard_server,
    date_of,
    launch,
    offline_context,
    open_dashboard,
    wait_date_after,
)

ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", ROOT / "test-artifacts")) / "browser"
START = "2024-01-01"
pytestmark = pytest.mark.slow


def _need_chromium() -> None:
    if not Path(CHROMIUM).is_file():
        message = f"{CHROMIUM} not found: apt-get install -y chromium"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def browser():
    _need_chromium()
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the test extra")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`solara run experiments/app.py` (the README's command) on a free localhost port: its
    URL and its log file."""
    pytest.importorskip("solara", reason="the dashboard needs the viz extra")
    log = tmp_path_factory.mktemp("solara") / "server.log"
    with dashboard_server(log) as url:
        yield url, log


@pytest.fixture(scope="module")
def server(served):
    return served[0]


def test_dashboard_loads_offline_steps_plays_and_switches_language(browser, server):
    blocked: list[str] = []
    ctx = offline_context(browser, blocked)
    try:
        page = open_dashboard(ctx, server)
        assert date_of(page) == START
        assert "side by side" in page.inner_text("body").lower()
        page.screenshot(path=str(ARTIFACTS / "dashboard_en_start.png"))

        page.click(".lab-step")
        assert wait_date_after(page, START) == "2024-01-08"
        page.click(".lab-play")
        moved = wait_date_after(page, "2024-02-01")
        page.click(".lab-play")  # pause
        time.sleep(1.0)
        paused = date_of(page)
        time.sleep(2.0)
        assert date_of(page) == paused >= moved
        # the overlay shows two runs and their running difference, drawn from the server
        size = page.evaluate(
            "() => { const i = document.querySelector('.lab-overlay img, img.lab-overlay');"
            " return [i.naturalWidth, i.naturalHeight]; }"
        )
        assert size[0] > 800 and size[1] > 350
        assert page.locator(".lab-dp").inner_text().count("¥") == 1
        page.screenshot(path=str(ARTIFACTS / "dashboard_en_played.png"))

        page.get_by_text("简体中文").click()
        page.wait_for_function("() => document.body.innerText.includes('并排对比')", timeout=60_000)
        body = page.inner_text("body")
        assert "门店留客实验室" in body and "前进1周" in body and "side by side" not in body.lower()
        assert page.inner_text(".lab-scale").startswith("规模检验：")
        assert page.evaluate("() => document.fonts.check('16px \"Lab Noto Sans SC\"', '并排对比')")
        page.screenshot(path=str(ARTIFACTS / "dashboard_zh.png"))
        page.get_by_text("市场全景").click()
        page.wait_for_selector(".lab-map", timeout=60_000)
        # where the market's numbers come from, as every study report says it (issue 20)
        provenance = page.inner_text(".lab-provenance")
        assert "都是假设" in provenance and "您的县城门店" in provenance
        assert "数字从哪里来" in page.inner_text("body")
        check = "() => document.fonts.check('16px \"Lab Noto Sans SC\"', '数字从哪里来')"
        assert page.evaluate(check)
        page.screenshot(path=str(ARTIFACTS / "dashboard_zh_market.png"))
        page.get_by_text("顾客故事").click()
        page.wait_for_selector(".lab-profile", timeout=60_000)
        page.screenshot(path=str(ARTIFACTS / "dashboard_zh_story.png"))
        assert blocked == [], f"requests left localhost: {blocked[:5]}"
    finally:
        ctx.close()


NEGATIVE_ZERO = re.compile(r"^[-\u2212]0([.,]0*)?%?$")


def _axis_ticks(page) -> dict[str, list[str]]:
    """The overlay's y tick labels per panel, as the page describes them for screen readers."""
    described = page.inner_text(".lab-axes")
    out = {}
    for part in described.split("; "):
        name, _, labels = part.partition(": ")
        out[name] = labels.split(" | ")
    return out


def _check_ticks(page, when: str) -> None:
    ticks = _axis_ticks(page)
    assert len(ticks) == 6, ticks
    for panel, labels in ticks.items():
        assert len(labels) >= 2, f"{when}, {panel}: {labels}"
        assert len(set(labels)) == len(labels), f"{when}, {panel}: repeated ticks {labels}"
        assert not [t for t in labels if NEGATIVE_ZERO.match(t)], f"{when}, {panel}: {labels}"


def test_slider_values_and_ticks_at_week_0_and_after_10_steps(browser, served):
    url, log = served
    blocked: list[str] = []
    ctx = offline_context(browser, blocked)
    try:
        page = open_dashboard(ctx, url)
        # every slider says its value, and the customers slider has room for its positions
        assert page.inner_text(".lab-customers-label").strip().endswith(": 20,000")
        assert page.inner_text(".lab-years-label").strip().endswith(": 3")
        assert page.inner_text(".lab-speed-label").strip().endswith(": 4")
        track = page.locator(".lab-customers .v-slider").bounding_box()
        assert track is not None and track["width"] >= 250  # 25 positions, >= 10 px each
        # week 0 explains itself; no axis repeats a rounded tick or reads "-0"
        assert "Week 0" in page.inner_text(".lab-week0")
        assert page.inner_text(".lab-scale").startswith("Scale check: VIP programme")
        _check_ticks(page, "week 0")
        page.screenshot(path=str(ARTIFACTS / "dashboard_week0.png"))
        for _ in range(10):
            shown = date_of(page)
            page.click(".lab-step")
            wait_date_after(page, shown)
        page.wait_for_function(
            "() => !document.querySelector('.lab-week0') && "
            "document.querySelector('.lab-axes').innerText.length > 0"
        )
        time.sleep(1.0)
        assert date_of(page) == "2024-03-11"
        _check_ticks(page, "week 10")
        card = page.inner_text(".lab-dv")
        assert "percentage points" in card and "pp" not in card.split()
        page.screenshot(path=str(ARTIFACTS / "dashboard_week10.png"))
        assert blocked == []
    finally:
        ctx.close()
    assert "samesite" not in log.read_text().lower()  # no cookie warning on page loads


def test_a_calibrated_store_keeps_its_own_size(browser, tmp_path):
    """LAB_MARKET's store runs at its own size (README), not at the customers slider's nearest
    position: the browser's slider reports a snapped value back within a second of loading."""
    import yaml

    from sim import default_market

    path = tmp_path / "odd" / "market" / "odd.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(yaml.safe_dump(default_market(n_customers=3_001).to_dict()))
    blocked: list[str] = []
    with dashboard_server(tmp_path / "server.log", env_extra={"LAB_MARKET": str(path)}) as url:
        ctx = offline_context(browser, blocked)
        try:
            page = open_dashboard(ctx, url)
            time.sleep(2.0)
            assert page.inner_text(".lab-customers-label").strip().endswith(": 3,001")
            shown = date_of(page)
            page.click(".lab-step")
            wait_date_after(page, shown)
            assert page.inner_text(".lab-customers-label").strip().endswith(": 3,001")
            assert "3,001" in page.inner_text("body")
            assert blocked == []
        finally:
            ctx.close()


def test_two_sessions_do_not_share_a_model(browser, server):
    blocked: list[str] = []
    first, second = offline_context(browser, blocked), offline_context(browser, blocked)
    try:
        a = open_dashboard(first, server)
        a.click(".lab-step")
        wait_date_after(a, START)
        a.click(".lab-step")
        assert wait_date_after(a, "2024-01-08") == "2024-01-15"
        b = open_dashboard(second, server)  # another browser: its own model, at the start
        assert date_of(b) == START
        a2 = open_dashboard(first, server)  # a new tab of the same browser too
        assert date_of(a2) == START
        b.click(".lab-step")
        assert wait_date_after(b, START) == "2024-01-08"
        time.sleep(1.0)
        assert date_of(a) == "2024-01-15" and date_of(a2) == START
        # a changed setting restarts that session's run (and only that one)
        seed = a.locator(".lab-seed input")
        seed.fill("7")
        seed.press("Enter")
        a.wait_for_function(
            "d => document.querySelector('.lab-date').innerText.trim() === d", arg=START
        )
        assert date_of(b) == "2024-01-08"
        assert blocked == []
    finally:
        first.close()
        second.close()


# --------------------------------------------------------------------------- the report
from tests.test_report import comparison  # noqa: E402,F401  (the module's fixture)

GLYPHS_JS = """() => {
  for (const [id, ch] of [['g1', '利'], ['g2', '润']]) {
    const s = document.createElement('div');
    s.id = id; s.textContent = ch;
    s.style.cssText = 'display:block;width:64px;height:64px;font-size:48px;line-height:64px';
    document.body.prepend(s);
  }
}"""


def _system_has_cjk_font() -> bool:
    try:
        out = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(out.stdout.strip())


def test_chinese_report_renders_with_its_embedded_font(browser, comparison, tmp_path):  # noqa: F811
    from experiments import report

    out, _ = comparison
    path = report.report_from_dir(out, lang="zh")
    html = path.read_text(encoding="utf-8")
    tofu = tmp_path / "tofu.html"
    tofu.write_text(re.sub(r"@font-face \{[^}]*\}", "", html), encoding="utf-8")
    blocked: list[str] = []
    ctx = offline_context(browser, blocked, height=768)
    try:
        page = ctx.new_page()
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        page.evaluate("() => document.fonts.ready.then(() => true)")
        assert page.evaluate("() => document.fonts.check('48px \"Lab Noto Sans SC\"', '利润')")
        faces = page.evaluate("() => [...document.fonts].map(f => [f.family, f.status])")
        assert ['"Lab Noto Sans SC"', "loaded"] in faces or ["Lab Noto Sans SC", "loaded"] in faces
        family = page.evaluate("() => getComputedStyle(document.querySelector('h1')).fontFamily")
        assert family.startswith('"Lab Noto Sans SC"')
        # the ranked table fits a 1,366-px screen
        wrap = page.evaluate(
            "() => { const w = document.querySelector('.table-wrap');"
            " return [w.scrollWidth, w.clientWidth, w.getBoundingClientRect().right]; }"
        )
        assert wrap[0] <= wrap[1] + 1 and wrap[2] <= 1366
        page.screenshot(path=str(ARTIFACTS / "report_zh.png"))
        page.emulate_media(media="print")
        page.pdf(path=str(ARTIFACTS / "report_zh.pdf"), format="A4")
        assert (ARTIFACTS / "report_zh.pdf").stat().st_size > 10_000
        page.emulate_media(media="screen")
        page.evaluate(GLYPHS_JS)
        real = [page.locator(f"#{g}").screenshot() for g in ("g1", "g2")]
        assert real[0] != real[1]  # two different glyphs drawn

        plain = ctx.new_page()
        plain.goto(tofu.as_uri())
        plain.wait_for_load_state("load")
        plain.evaluate(GLYPHS_JS)
        boxes = [plain.locator(f"#{g}").screenshot() for g in ("g1", "g2")]
        assert boxes[0] != real[0]  # the embedded font is what draws them
        if not _system_has_cjk_font():
            assert boxes[0] == boxes[1]  # without it: the same empty box for both ("tofu")
        assert blocked == []
    finally:
        ctx.close()


def test_chinese_calibration_page_renders_offline(browser, tmp_path):
    """calibration.html (--lang zh) carries its font subset and its figures: in an offline
    browser the Chinese headings are drawn by the embedded font and every figure loads."""
    from experiments import calibrate
    from sim.customer_base.simulate import simulate
    from sim.translog import write_log

    sim = simulate(800, (1.0, 12.0, 1.0, 6.0), (4.0, 3.0, 800.0), horizon=52.0,
                   cohort_span=52.0, seed=4)
    log = write_log(sim.to_log(), tmp_path / "log.csv")
    out = tmp_path / "cal"
    assert calibrate.main([str(log), "--out", str(out), "--no-market", "--no-pareto",
                           "--lang", "zh", "--quiet"]) == 0
    blocked: list[str] = []
    ctx = offline_context(browser, blocked, height=900)
    try:
        page = ctx.new_page()
        page.goto((out / "calibration.html").as_uri())
        page.wait_for_load_state("load")
        page.evaluate("() => document.fonts.ready.then(() => true)")
        assert page.evaluate("() => document.fonts.check('24px \"Lab Noto Sans SC\"', '拟合参数')")
        family = page.evaluate("() => getComputedStyle(document.querySelector('h1')).fontFamily")
        assert family.startswith('"Lab Noto Sans SC"')
        sizes = page.evaluate("() => [...document.images].map(i => i.naturalWidth)")
        assert len(sizes) == 3 and min(sizes) > 0  # tracking, conditional, cumulative
        page.screenshot(path=str(ARTIFACTS / "calibration_zh.png"), full_page=True)
        assert blocked == []
    finally:
        ctx.close()
