"""Keep freed heap pages for reuse instead of handing them back to the system each time.

A policy run allocates and frees the same medium arrays every week (segment features of 20k
customers are 160 kB each, recruitment and census buffers, pandas temporaries), and each run of
a study allocates the ~10 MB its predecessor freed (the population copied from the burn-in, the
ledger, the log). glibc's malloc serves arrays above a threshold with fresh `mmap`s and trims
the top of the heap whenever enough is free there; both give pages back that the next week's
arrays fault in again (and zero). Whether that happens depends on the heap's layout, so run
times jumped with unrelated changes: measured on the default comparison, a policy run whose
weekly hook builds segments took ~35,000 minor page faults (60-90 ms of CPU) in one layout and
none in another, and a run's start from a shared burn-in spent ~4 ms faulting in its population
copy.

`keep_freed_pages` (called by the weekly rules and by `experiments.engine.runner.run_spec`)
fixes glibc's thresholds once per process: arrays up to 4 MB come from the heap and up to 32 MB
free at its top stay mapped. Arrays above 4 MB (a 1M-customer market's) are mapped and unmapped
as before, so the peak memory of large markets is not changed beyond those 32 MB. Elsewhere than
glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
MMAP_THRESHOLD = 4 << 20
TRIM_THRESHOLD = 32 << 20
_done = False


def keep_freed_pages() -> bool:
    """Set glibc's malloc thresholds (once per process); True if they were set."""
    global _done
    if _done:
        return True
    _done = True
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    ok = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
    return mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1 and ok
