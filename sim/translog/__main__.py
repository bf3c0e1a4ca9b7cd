"""``python -m sim.translog --bench [N_ROWS]``."""

from sim.translog.bench import main

main()
