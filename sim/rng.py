"""Independent random streams, one per stochastic process (common random numbers).

Every stream is spawned from the run's seed, so policy A and policy B see the same population
and the same exogenous shocks, and a policy that changes one choice does not shift the draws of
any other process.
"""

from __future__ import annotations

import zlib

import numpy as np

PROCESSES: tuple[str, ...] = (
    "population",
    "network",
    "occasions",
    "choice",
    "purchase",
    "service",
    "complaints",
    "wom",
    "recruitment",
    "churn",
    "agent_order",
)


class Streams:
    """Named `numpy.random.Generator`s spawned from one seed.

    Core processes get fixed children of the root `SeedSequence`; policies get streams keyed by
    a stable hash of their name and store, so adding a policy never perturbs the others.
    """

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        root = np.random.SeedSequence(self.seed)
        children = root.spawn(len(PROCESSES))
        self._gens = {
            name: np.random.default_rng(ss) for name, ss in zip(PROCESSES, children, strict=True)
        }
        self.tick_offset = 0
        """Added to the tick of keyed draws: the burn-in runs at ticks -B..-1 for its keys."""

    def __getitem__(self, process: str) -> np.random.Generator:
        return self._gens[process]

    def keyed(self, process: str, tick: int) -> KeyedDraws:
        """Per-customer draws of `process` at `tick` (see `KeyedDraws`)."""
        return KeyedDraws(self.seed, process, tick + self.tick_offset)

    def for_policy(self, policy_name: str, store_id: str) -> np.random.Generator:
        """A stream private to one policy at one store, independent of the core streams."""
        key = zlib.crc32(f"{policy_name}@{store_id}".encode())
        return np.random.default_rng(np.random.SeedSequence([self.seed, 0x5EED, key]))


# ---------------------------------------------------------------------------- keyed draws
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_COLUMN = np.uint64(0xD6E8FEB86659FD93)
_MASK = (1 << 64) - 1


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser: a bijective, well-mixing hash of 64-bit integers."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def _mix_int(z: int) -> int:
    """`_mix` on one Python integer (cheaper than a NumPy scalar for a single key)."""
    z &= _MASK
    z = ((z ^ (z >> 30)) * int(_M1)) & _MASK
    z = ((z ^ (z >> 27)) * int(_M2)) & _MASK
    return z ^ (z >> 31)


class KeyedDraws:
    """Counter-based random numbers: the value for (customer row, column) depends only on the
    seed, the process, the tick and that row — not on how many other customers drew before.

    Used for processes whose set of participants depends on the policy (word-of-mouth
    recruitment, extra visits): a policy that changes who takes part leaves every other
    customer's numbers untouched, which keeps common random numbers intact.
    """

    def __init__(self, seed: int, process: str, tick: int) -> None:
        z = 0
        for part in (seed, zlib.crc32(process.encode()), tick):
            z = _mix_int(z + int(part) * int(_GOLDEN))
        self._key = np.uint64(z)

    def random(self, rows: np.ndarray, k: int = 1) -> np.ndarray:
        """Uniforms in (0, 1), shape (len(rows), k)."""
        r = np.asarray(rows, dtype=np.uint64)[:, None]
        c = np.arange(1, k + 1, dtype=np.uint64)[None, :]
        with np.errstate(over="ignore"):
            z = _mix(_mix(self._key + r * _GOLDEN + c * _COLUMN))
        return ((z >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53

    def exponential(self, rows: np.ndarray, k: int = 1) -> np.ndarray:
        return -np.log(self.random(rows, k))
