"""Plotting for every study's figures: one style, fonts (CJK for ``zh``), colours, the money
axis formatter and the one atomic PNG save.

Chinese text needs a CJK font. `find_cjk_font` looks, in order, at the file named by the
environment variable ``STORE_LAB_CJK_FONT``, at the fonts matplotlib already knows (system fonts,
e.g. from ``apt-get install fonts-noto-cjk``), and at font files shipped by pip packages
(``noto-cjk-sans-otc``, ``mplfonts``). Nothing is downloaded at run time. Without one, Chinese
figures still render (as boxes) after a single clear warning.

Figures use matplotlib's object API (no pyplot state), so they are safe in worker processes.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import warnings
from collections.abc import Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.font_manager as fm
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from experiments.engine.store import atomic_savefig

log = logging.getLogger(__name__)

CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
    "Sarasa Gothic SC",
    "Noto Serif CJK SC",
    "AR PL UMing CN",
    "Droid Sans Fallback",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
)
"""CJK font families that carry simplified Chinese, most preferred first."""
FONT_ENV = "STORE_LAB_CJK_FONT"
FONT_HINT = (
    "pip install noto-cjk-sans-otc (or apt-get install fonts-noto-cjk), or point "
    f"{FONT_ENV} at a .ttf/.otf/.ttc file"
)
BASELINE_COLOR = "#222222"
_MPL = tuple(int(v) for v in matplotlib.__version__.split(".")[:2])
HORIZONTAL: dict[str, Any] = {"orientation": "horizontal"} if _MPL >= (3, 10) else {"vert": False}
DPI = 110


# --------------------------------------------------------------------------- fonts
@lru_cache(maxsize=1)
def find_cjk_font() -> str | None:
    """Family name of a CJK-capable font registered with matplotlib, or None."""
    candidates: list[Path] = []
    env = os.environ.get(FONT_ENV)
    if env:
        candidates.append(Path(env))
    for path in candidates:
        if path.is_file():
            try:
                fm.fontManager.addfont(str(path))
                return fm.FontProperties(fname=str(path)).get_name()
            except Exception as exc:  # a bad user file: warn and go on
                log.warning("cannot load %s=%s: %s", FONT_ENV, path, exc)
    known = {f.name for f in fm.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in known:
            return family
    for path in packaged_font_files():
        try:
            fm.fontManager.addfont(str(path))
        except Exception:  # skip unreadable files
            continue
    known = {f.name for f in fm.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in known:
            return family
    return None


def packaged_font_files() -> list[Path]:
    """CJK font files shipped inside installed pip packages (nothing is downloaded)."""
    files: list[Path] = []
    for module, pattern in (
        ("noto_cjk_sans_otc", "*.tt[cf]"),
        ("mplfonts", "fonts/*Sans*SC*"),
        ("mplfonts", "fonts/*CJKsc*"),
        ("mplfonts", "fonts/SimHei.ttf"),
    ):
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            continue
        for root in spec.submodule_search_locations:
            files.extend(sorted(Path(root).glob(pattern)))
    return files


_warned = False


@contextmanager
def style(lang: str):
    """matplotlib rc settings for the language (a CJK font first for zh, DejaVu as fallback)."""
    global _warned
    rc: dict[str, Any] = {
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 11,
        "axes.titleweight": "bold",
        "font.size": 9,
        "figure.dpi": DPI,
        "savefig.bbox": "tight",
    }
    if lang == "zh":
        family = find_cjk_font()
        if family is None:
            if not _warned:
                warnings.warn(
                    f"no CJK font found: Chinese text in figures will show as boxes; {FONT_HINT}",
                    stacklevel=2,
                )
                _warned = True
        else:
            rc["font.family"] = "sans-serif"
            rc["font.sans-serif"] = [family, "DejaVu Sans"]
            rc["axes.unicode_minus"] = False
            rc["axes.titleweight"] = "normal"  # CJK fonts shipped in one (regular) weight
    with matplotlib.rc_context(rc), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        yield


# --------------------------------------------------------------------------- helpers
def policy_colors(policies: Sequence[str], baseline: str) -> dict[str, str]:
    """A fixed colour per policy (baseline dark grey), the same in every figure."""
    others = [p for p in policies if p != baseline]
    cmap = matplotlib.colormaps["tab10" if len(others) <= 10 else "tab20"]
    colors = {p: matplotlib.colors.to_hex(cmap(i % cmap.N)) for i, p in enumerate(others)}
    colors[baseline] = BASELINE_COLOR
    return colors


def money_tick(x: float, _pos: Any = None) -> str:
    """An axis tick in whole currency units with thousands separators (the unit is in the
    axis label, so the same formatter serves any store's currency)."""
    return f"{x:,.0f}"


MONEY = FuncFormatter(money_tick)
"""The money axis formatter of every figure."""


def save(fig: Figure, path: Path | str, dpi: int = DPI) -> Path:
    """Write the figure atomically (temporary file, then rename): never a half-written PNG."""
    return atomic_savefig(fig, path, dpi=dpi)


def height(n: int, per: float = 0.42, extra: float = 1.4) -> float:
    """Figure height for `n` horizontal bars or rows."""
    return max(2.6, extra + per * n)
