"""Calibration of a market from a store's transaction export (Hydra-free; the command is
``experiments/calibrate.py``): ``core`` (split, checks, fits, holdout validation),
``market`` (indirect inference, calibrated market), ``report`` (fit.json, YAML, figures,
calibration.html), ``pipeline`` (the whole run, and the benchmark)."""
