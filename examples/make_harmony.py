"""Write ``examples/harmony.xlsx``: a simulated client export as a store's till writes it.

The walk-through of docs/calibration.md ("From a client's export to the report") runs on it: a
US music shop with two branches (``north``, ``south``), two years of purchases by its members
(BG/NBD timing, Gamma-Gamma spend around $35 a visit), written the way the shop's system does:
headers ``Member ID, Purchase Date, Sales Amount, Shop, Note``, dates as text ``3/25/2023``,
amounts as text ``$1,234.50``, returns as negative lines on the day of their purchase.

Regenerate (deterministic content): ``python examples/make_harmony.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from openpyxl import Workbook

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sim.customer_base.simulate import simulate  # noqa: E402

#: branch -> (members, seed); BG/NBD (r, alpha, a, b) and Gamma-Gamma (p, q, gamma): ~$35.
BRANCHES = {"north": (900, 11), "south": (500, 12)}
BGNBD = (0.9, 10.0, 1.0, 5.0)
GAMMA_GAMMA = (4.0, 3.0, 17.5)
NOTES = ("", "", "", "gift card", "online order", "event ticket")


def rows() -> list[tuple[str, str, str, str, str]]:
    """The export's rows: member, date, amount, branch, note (refunds as negative lines)."""
    out = []
    rng = np.random.default_rng(2023)
    for shop, (members, seed) in BRANCHES.items():
        log = simulate(
            members, BGNBD, GAMMA_GAMMA, horizon=104.0, cohort_span=80.0, seed=seed
        ).to_log()
        log = log.assign(date=log["date"] + (np.datetime64("2023-01-02") - log["date"].min()))
        for r in log.itertuples(index=False):
            day = f"{r.date.month}/{r.date.day}/{r.date.year}"
            member = f"{shop[0].upper()}{int(r.customer_id):05d}"
            note = NOTES[int(rng.integers(len(NOTES)))]
            out.append((member, day, f"${r.amount:,.2f}", shop, note))
            if rng.random() < 0.01:  # taken back: in full, or part of it
                back = r.amount if rng.random() < 0.8 else round(r.amount / 2, 2)
                out.append((member, day, f"-${back:,.2f}", shop, "return"))
    return out


def main(path: Path = ROOT / "examples" / "harmony.xlsx") -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "Sales"
    sheet.append(["Member ID", "Purchase Date", "Sales Amount", "Shop", "Note"])
    for row in rows():
        sheet.append(list(row))
    book.save(path)
    return path


if __name__ == "__main__":
    print(main())
