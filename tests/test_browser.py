"""The dashboard and the Chinese report in a real browser: Debian's Chromium driven by
Playwright (never a downloaded browser), with every request to anything but localhost blocked.

Screenshots go to ``test-artifacts/browser/`` (or ``$TEST_ARTIFACTS``). Without Chromium the
tests are skipped on a developer's machine and FAIL under CI (``CI=true``): `.ci/run` installs it.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
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
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def offline_context(browser, blocked: list[str], width: int = 1366, height: int = 900):
    """A browser context where only localhost, data: and blob: URLs load; others are recorded."""
    ctx = browser.new_context(viewport={"width": width, "height": height})

    def route(r) -> None:
        url = r.request.url
        if re.match(r"^(https?|wss?)://(127\.0\.0\.1|localhost)(:\d+)?/", url) or url.startswith(
            ("data:", "blob:", "file:")
        ):
            r.continue_()
        else:
            blocked.append(url)
            r.abort()

    ctx.route("**/*", route)
    return ctx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`solara run experiments/app.py` (the README's command) on a free localhost port."""
    pytest.importorskip("solara", reason="the dashboard needs the viz extra")
    port = _free_port()
    log = tmp_path_factory.mktemp("solara") / "server.log"
    env = dict(os.environ, PYTHONPATH=str(ROOT), SOLARA_TELEMETRY_MIXPANEL_ENABLE="False")
    solara = Path(sys.executable).with_name("solara")
    cmd = [str(solara), "run", "experiments/app.py", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("w") as out:
        proc = subprocess.Popen(
            [*cmd, "--no-open"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        for _ in range(240):
            if proc.poll() is not None:
                pytest.fail(f"solara exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"solara did not listen within 120 s:\n{log.read_text()[-3000:]}")
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def open_dashboard(ctx, url: str):
    page = ctx.new_page()
    page.goto(url)
    page.wait_for_selector(".lab-date", timeout=120_000)
    page.wait_for_function(
        "() => { const i = document.querySelector('.lab-overlay img, img.lab-overlay');"
        " return i && i.complete && i.naturalWidth > 600; }",
        timeout=120_000,
    )
    return page


def date_of(page) -> str:
    return page.inner_text(".lab-date").strip()


def wait_date_after(page, date: str, timeout: float = 90_000) -> str:
    page.wait_for_function(
        "d => { const e = document.querySelector('.lab-date');"
        " return e && e.innerText.trim() > d; }",
        arg=date,
        timeout=timeout,
    )
    return date_of(page)


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
        assert page.evaluate("() => document.fonts.check('16px \"Lab Noto Sans SC\"', '并排对比')")
        page.screenshot(path=str(ARTIFACTS / "dashboard_zh.png"))
        page.get_by_text("市场全景").click()
        page.wait_for_selector(".lab-map", timeout=60_000)
        page.screenshot(path=str(ARTIFACTS / "dashboard_zh_market.png"))
        page.get_by_text("顾客故事").click()
        page.wait_for_selector(".lab-profile", timeout=60_000)
        page.screenshot(path=str(ARTIFACTS / "dashboard_zh_story.png"))
        assert blocked == [], f"requests left localhost: {blocked[:5]}"
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
