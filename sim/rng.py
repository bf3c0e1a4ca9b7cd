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

    def __getitem__(self, process: str) -> np.random.Generator:
        return self._gens[process]

    def for_policy(self, policy_name: str, store_id: str) -> np.random.Generator:
        """A stream private to one policy at one store, independent of the core streams."""
        key = zlib.crc32(f"{policy_name}@{store_id}".encode())
        return np.random.default_rng(np.random.SeedSequence([self.seed, 0x5EED, key]))
