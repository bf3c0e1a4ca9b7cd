"""Live dashboard for trainers: ``solara run experiments/app.py`` (needs the `viz` extra).

Pick a policy for your store; it runs side by side with the baseline on the same customers
(same seed), week by week, with the running difference in profit, active customers and top-20%
retention; the market's places and stores with the flows of your customers between them; and
any customer's story. English or 简体中文. ``LAB_MARKET=DIR/market/NAME.yaml`` runs that store
(e.g. a calibrated one) instead of the default market. Works offline: Solara's scripts come from the
`solara-assets` package, the Chinese font is embedded. Each browser session has its own models
(see `experiments.dashboard`).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[1])
if sys.path[:1] != [_ROOT]:  # `solara run` executes this file: import this checkout's packages
    sys.path.insert(0, _ROOT)

from experiments.dashboard.catalog import store_market  # noqa: E402
from sim import ConfigError  # noqa: E402

try:  # a bad LAB_MARKET: one line and exit 2, before the server loads the page
    store_market()
except ConfigError as exc:
    if Path(sys.argv[0]).name != "solara":
        raise  # imported (a notebook, a test): the caller sees the error itself
    print(f"error: {exc}", file=sys.stderr, flush=True)
    os._exit(2)  # the server's start-up would print any exception (SystemExit too) in full

from experiments.dashboard.page import Page  # noqa: E402
from experiments.dashboard.serve import keep_offline, quiet_cookie_warning  # noqa: E402
from experiments.engine.executors import compile_once  # noqa: E402

keep_offline()
quiet_cookie_warning()
# On a fresh checkout the kernels compile here, once, with a line in the terminal, while the
# server starts (Solara loads this file before it listens): not silently in the first page's
# first model, which would leave a class looking at a frozen page for a minute.
compile_once()

logging.getLogger("MESA").setLevel(logging.WARNING)

page = Page
"""What ``solara run experiments/app.py`` serves."""

__all__ = ["Page", "page"]
