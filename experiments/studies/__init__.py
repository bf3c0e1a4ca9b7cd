"""Studies (no Hydra): each a specialisation of one `Study` (`base`), run by one driver.

- `comparison`: every policy x N replications under common random numbers;
- `robustness`: policies across scenarios of uncertain assumptions;
- `tournament`: competing stores' policy choices as an empirical game.
- `design`: a policy's levers searched for the setting that pays best (Optuna).

A new study is a new subpackage with one `Study` subclass (docs/architecture.md).
"""
