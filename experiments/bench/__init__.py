"""`python -m experiments.bench`: performance figures of the simulation -> table + bench.json.

Each measured run is a fresh subprocess (so its peak RSS, `ru_maxrss`, belongs to that size
alone). A run builds the default market with daily ticks and the focal store's representative
policy bundle (whichever of `gift_budget`, `referral_points`, `promotions` are registered), times
the set-up (`RetailModel(...)`) and the stepping (`model.run()`) separately and reports
customer-ticks per second and nanoseconds per customer-tick.

    python -m experiments.bench            # 10k, 100k (3 years), 1M (1 year), agent 10k (90 days)
    python -m experiments.bench --quick    # 10k / 30k, 1 year; agent 10k, 30 days (~20 s)
    python -m experiments.bench --scaling  # + cost vs customers and ticks, 1,000-run sweep estimate
    python -m experiments.bench --profile  # + cProfile hot spots of every run (in bench.json)
    python -m experiments.bench --out results/ --repeat 3

Timings are wall-clock on a shared machine: `--repeat N` runs each case N times and keeps the
fastest (peak RSS: the largest). Method and figures: docs/performance.md.
"""
