"""The trainers' dashboard (`solara run experiments/app.py`), in small modules.

- `catalog`: the policy configs of ``configs/policy/`` (bundles included), loaded without Hydra.
- `twin`: the chosen policy and the baseline run in step on the same customers (same seed:
  common random numbers), with the running history and differences.
- `market_view`, `story`: what the market picture and a customer's story show (plain data).
- `charts`: matplotlib figures of all of it, in English or Chinese.
- `text`: every label in both languages.
- `page`: the Solara page; each browser session gets its own state and its own models.

Everything but `page` is importable without Solara (tests and notebooks use it directly).
"""
