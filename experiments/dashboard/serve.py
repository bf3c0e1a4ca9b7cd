"""Start the dashboard server on a free localhost port and open pages in headless Chromium, for
the browser tests and the screenshot script (docs/screenshots.py).

Uses Debian's Chromium (``apt-get install chromium``) through Playwright's Python package; no
browser is ever downloaded. Only localhost, ``data:``, ``blob:`` and ``file:`` URLs may load:
anything else is recorded and refused, so a page that needs the internet shows it.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
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
_LOCAL = re.compile(r"^(https?|wss?)://(127\.0\.0\.1|localhost)(:\d+)?/")


def keep_offline() -> None:
    """Stop Solara from contacting its website: no usage telemetry from the server, and no
    one-off "installation works" iframe (a request to solara.dev) in the page. A classroom
    machine may have no internet, and a trainer's page should not phone home anyway."""
    import solara.checks
    import solara.server.settings

    solara.server.settings.telemetry.mixpanel_enable = False
    solara.checks.should_perform_solara_check = lambda: False
    solara.checks.should_perform_jupyter_check = lambda: False


def quiet_cookie_warning() -> None:
    """Silence Solara's ten-line warning on every page load served over plain http to a host
    other than "localhost" (a classroom machine's address, 127.0.0.1): it says the session
    cookie falls back from SameSite=None to SameSite=Lax, which only matters when the page is
    embedded in another site's iframe. The dashboard is opened directly, where Lax is right."""
    import warnings

    warnings.filterwarnings(
        "ignore", message="Cookies with samesite=none require https", category=UserWarning
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def dashboard_server(
    log: Path, timeout: float = 120.0, env_extra: dict[str, str] | None = None
) -> Iterator[str]:
    """``solara run experiments/app.py`` (the README's command) on a free port, with
    `env_extra` in its environment (``LAB_MARKET``); yields its URL."""
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), **(env_extra or {}))
    env.pop("PYTEST_CURRENT_TEST", None)  # Solara skips its online checks under pytest: don't
    env["SOLARA_HOME"] = str(log.parent / "solara-home")  # a fresh home: no "already checked"
    solara = Path(sys.executable).with_name("solara")
    cmd = [str(solara), "run", "experiments/app.py", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("w") as out:
        proc = subprocess.Popen(
            [*cmd, "--no-open"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"solara exited with {proc.returncode}:\n{log.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"solara did not listen within {timeout:.0f} s") from None
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def offline_context(browser, blocked: list[str], width: int = 1366, height: int = 900):
    """A browser context where only local URLs load; every other request is recorded."""
    ctx = browser.new_context(viewport={"width": width, "height": height})

    def route(r) -> None:
        url = r.request.url
        if _LOCAL.match(url) or url.startswith(("data:", "blob:", "file:")):
            r.continue_()
        else:
            blocked.append(url)
            r.abort()

    ctx.route("**/*", route)
    return ctx


def launch(playwright):
    """Headless Debian Chromium."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def open_dashboard(ctx, url: str, timeout_ms: float = 120_000):
    """A new page on the dashboard, once its date and first overlay picture are shown."""
    page = ctx.new_page()
    page.goto(url)
    page.wait_for_selector(".lab-date", timeout=timeout_ms)
    page.wait_for_function(
        "() => { const i = document.querySelector('.lab-overlay img, img.lab-overlay');"
        " return i && i.complete && i.naturalWidth > 600; }",
        timeout=timeout_ms,
    )
    return page


def date_of(page) -> str:
    return page.inner_text(".lab-date").strip()


def wait_date_after(page, date: str, timeout_ms: float = 90_000) -> str:
    """Wait until the shown date (ISO) is later than `date`; returns it."""
    page.wait_for_function(
        "d => { const e = document.querySelector('.lab-date');"
        " return e && e.innerText.trim() > d; }",
        arg=date,
        timeout=timeout_ms,
    )
    return date_of(page)
