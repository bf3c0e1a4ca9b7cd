"""Compiled (Numba) versions of the hot rules, behind the same functions as the NumPy ones.

The occasion pipeline and the weekly housekeeping are made of ~100 NumPy calls on batches of a
few dozen rows: at the default market's size the calls' fixed cost, not the arithmetic, is
the run time. The kernels here do the same arithmetic row by row in compiled loops, in the same
order (same float operations in the same dtypes, same order of additions, the random numbers
still drawn by NumPy outside the kernels), so every output is bit-identical to the NumPy path
(tests/test_kernels.py). See docs/performance.md, "Compiled hot path (issue 23)".

The switch is the environment variable ``SIM_KERNELS``:

- ``numba`` (default): the compiled kernels (if Numba is installed; else NumPy);
- ``numpy``: the plain NumPy rules (the reference; what the kernels are tested against).

`use("numpy")` switches in-process (tests, benchmarks); `engine()` says which one is in use.
Kernels compile on first use and are cached on disk (`cache=True`) in a directory named by a
hash of every kernel module's source (`_cache_dir`): Numba's own check sees only the file a
kernel lives in, so a kernel calling into another module would otherwise keep running the old
callee after that module changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ENV = "SIM_KERNELS"
ENGINES = ("numba", "numpy")


def _cache_dir() -> Path:
    """Where compiled kernels are cached: ``numba-<hash of the kernel sources>`` under
    ``NUMBA_CACHE_DIR`` if set, else next to the sources (a per-user temp dir if that is not
    writable). Any edit of any kernel module starts a fresh cache, so no kernel runs a stale
    callee from another module."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha1()
    for source in sorted(here.glob("*.py")):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    root = os.environ.get("NUMBA_CACHE_DIR")
    if not root:
        root = here / "__pycache__" if os.access(here, os.W_OK) else None
        root = root or Path(tempfile.gettempdir()) / "sim-numba-cache"
    return Path(root) / f"numba-{digest.hexdigest()[:12]}"


def _numba_available() -> bool:
    return importlib.util.find_spec("numba") is not None


def _from_env() -> str:
    wanted = os.environ.get(ENV, "numba").strip().lower() or "numba"
    if wanted not in ENGINES:
        raise ValueError(f"{ENV}: must be one of {list(ENGINES)}, got {wanted!r}")
    return wanted


_engine = _from_env()
_HAVE_NUMBA = _numba_available()
CACHE_DIR = _cache_dir()
if _HAVE_NUMBA:  # before any kernel module is imported: their caches are located then
    import numba

    numba.config.CACHE_DIR = str(CACHE_DIR)
if _engine == "numba" and _HAVE_NUMBA:
    # Numba's import and its compiler's one-off set-up (~0.5 s together, the set-up otherwise
    # paid by the first kernel call) belong with the other imports, not with a run.
    from numba.core.registry import cpu_target

    cpu_target.target_context.refresh()


def engine() -> str:
    """The engine in use: "numba" (compiled kernels) or "numpy"."""
    return "numba" if (_engine == "numba" and _HAVE_NUMBA) else "numpy"


def compiled() -> bool:
    """True when the hot rules run through the compiled kernels."""
    return _engine == "numba" and _HAVE_NUMBA


def set_engine(name: str) -> None:
    """Choose the engine for this process ("numba" or "numpy")."""
    global _engine
    if name not in ENGINES:
        raise ValueError(f"{ENV}: must be one of {list(ENGINES)}, got {name!r}")
    _engine = name


@contextlib.contextmanager
def use(name: str) -> Iterator[None]:
    """Run a block with the given engine, then restore the previous one."""
    before = _engine
    set_engine(name)
    try:
        yield
    finally:
        set_engine(before)


def cache_is_warm() -> bool:
    """False when the compiled engine is in use and this checkout's kernels are not on disk yet:
    the first run then compiles them (about a minute on 2 cores), later runs load them."""
    return not compiled() or next(CACHE_DIR.rglob("*.nbi"), None) is not None


def compile_note() -> str | None:
    """The line to show before work that will compile the kernels (None if they are cached)."""
    if cache_is_warm():
        return None
    return (
        "compiling the simulation's kernels once for this checkout (about a minute; "
        f"cached in {CACHE_DIR} for every later run)"
    )


def warm_up() -> float:
    """Load every kernel now (compiling it if the on-disk cache lacks it): tiny runs of each
    shipped policy alone, of a bundle and of the shipped configs' variants (churn-risk gifts),
    which pass through the hook-free pipeline (the burn-in), the fused and phase-by-phase
    hooked ones and the policies' own kernels. Returns the seconds it took (0 with the NumPy
    engine). What a process's first runs pay otherwise (a few ms per kernel); benchmarks call
    it before timing."""
    if not compiled():
        return 0.0
    started = time.perf_counter()
    from sim.config import default_market
    from sim.model import RetailModel
    from sim.policies import BUILTIN_POLICIES, policy_names

    bundle = [
        p for p in ("promotions", "referral_points", "complaint_recovery") if p in policy_names()
    ]
    from sim.metrics import all_store_kpis
    from sim.segmenting import yearly_segment_snapshots

    variants = [[{"name": "gift_budget", "target": "churn_risk"}]]  # win_back's gifts
    # A year and a bit: complaints, lapsed members, referral credits and a year end happen,
    # so their kernels load too; then what a study extracts (KPIs, segments) and what the
    # dashboard reads between ticks (active counts).
    market = default_market(n_customers=1_000, years=56 / 52, tick="week")
    for policies in [bundle, *([p.name] for p in BUILTIN_POLICIES), *variants]:
        model = RetailModel(market=market, policies=policies or None, seed=0).run()
    all_store_kpis(model)
    yearly_segment_snapshots(model, store_column=False)
    model.active_counts()  # the dashboard's live KPIs
    return time.perf_counter() - started
