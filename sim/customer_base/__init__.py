"""Customer-base models fitted to a store's transaction log (no Hydra, plain NumPy/SciPy).

- :mod:`~sim.customer_base.rfm`: the RFM summary (x, t_x, T, mean spend), grouped rows;
- :mod:`~sim.customer_base.bgnbd`, :mod:`~sim.customer_base.paretonbd`: purchase and dropout;
- :mod:`~sim.customer_base.mbgcnbd`: Erlang-k (regular) purchase timing;
- :mod:`~sim.customer_base.gammagamma`: spend per visit;
- :mod:`~sim.customer_base.posterior`: exact posterior draws per customer (member twin);
- :mod:`~sim.customer_base.value`: P(alive), expected purchases, discounted CLV;
- :mod:`~sim.customer_base.simulate`: a fast BG/NBD + Gamma-Gamma simulator (tests, demos).

Method and assumptions: docs/calibration.md.
"""

from sim.customer_base import bgnbd, gammagamma, mbgcnbd, paretonbd, posterior
from sim.customer_base.fitting import FitResult
from sim.customer_base.rfm import GroupedRFM, group_rfm, rfm_summary
from sim.customer_base.value import customer_outlook

__all__ = [
    "FitResult",
    "GroupedRFM",
    "bgnbd",
    "customer_outlook",
    "gammagamma",
    "mbgcnbd",
    "group_rfm",
    "paretonbd",
    "posterior",
    "rfm_summary",
]
