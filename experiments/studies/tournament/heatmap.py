"""Heat-maps of a tournament's payoffs, one per store (PNG, English or simplified Chinese).

Rows are the store's own policies, columns what the other store(s) do. Each cell shows the
store's mean payoff and the half-width of its confidence interval; a black frame marks the best
response to that column and a star the cells of pure Nash equilibria. Uses matplotlib's object
API (no pyplot state) and the style and CJK fonts of `experiments.report.plot`.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter

from experiments.report import lang_suffix
from experiments.report.plot import DPI, style
from experiments.studies.tournament.equilibria import pure_equilibria
from experiments.studies.tournament.game import EmpiricalGame
from experiments.studies.tournament.vocab import HEATMAP_TEXT as TEXT
from sim.stats import t_quantile


def _cell_text(mean: float, half: float, kpi: str, lang: str) -> str:
    if kpi in ("retention", "vip_retention", "top20_revenue_share"):
        return f"{mean:.1%}\n±{half:.1%}" if np.isfinite(half) else f"{mean:.1%}"
    if lang == "zh":
        body = f"{mean / 1e4:,.1f}万"
        return f"{body}\n±{half / 1e4:,.1f}万" if np.isfinite(half) else body
    body = f"{mean / 1e3:,.0f}k"
    return f"{body}\n±{half / 1e3:,.0f}k" if np.isfinite(half) else body


def _axis_text(v: float, kpi: str, lang: str) -> str:
    if kpi in ("retention", "vip_retention", "top20_revenue_share"):
        return f"{v:.0%}"
    return f"{v / 1e4:,.0f}万" if lang == "zh" else f"{v:,.0f}"


def payoff_heatmap(
    game: EmpiricalGame,
    player: int,
    labels: dict[str, str],
    store_names: dict[str, str],
    *,
    lang: str = "en",
    level: float = 0.95,
) -> bytes:
    """PNG bytes of one store's payoff heat-map (own policies x the others' profiles)."""
    t = TEXT[lang]
    values = np.moveaxis(game.payoffs[player], player, 0)  # (k_own, *others, R)
    k_own = values.shape[0]
    values = values.reshape(k_own, -1, game.replications)  # (k_own, n_cols, R)
    means = values.mean(axis=-1)
    r = game.replications
    half = (
        t_quantile(level, r - 1) * values.std(axis=-1, ddof=1) / np.sqrt(r)
        if r > 1
        else np.full(means.shape, np.nan)
    )
    others = [i for i in range(game.n_players) if i != player]
    cols = [
        " / ".join(
            labels.get(game.strategies[i][s], game.strategies[i][s])
            for i, s in zip(others, prof, strict=True)
        )
        for prof in np.ndindex(*(game.shape[i] for i in others))
    ]
    rows = [labels.get(p, p) for p in game.strategies[player]]
    eq_cells = set()
    for prof in pure_equilibria(game.means()):
        own = prof[player]
        rest = [prof[i] for i in others]
        eq_cells.add((own, int(np.ravel_multi_index(rest, [game.shape[i] for i in others]))))
    store = store_names.get(game.players[player], game.players[player])
    other_names = " + ".join(store_names.get(game.players[i], game.players[i]) for i in others)
    other_names = other_names[:1].upper() + other_names[1:]
    run = "run" if len(others) > 1 else "runs"
    kpi = t.get(game.kpi, game.kpi)
    with style(lang):
        fig = Figure(figsize=(1.6 + 1.25 * len(cols), 1.4 + 0.62 * k_own))
        ax = fig.add_subplot()
        im = ax.imshow(means, cmap="YlGn", aspect="auto")
        bar = fig.colorbar(im, ax=ax, shrink=0.8)
        bar.formatter = FuncFormatter(lambda v, _p: _axis_text(v, game.kpi, lang))
        bar.update_ticks()
        lo, hi = float(np.nanmin(means)), float(np.nanmax(means))
        for a in range(k_own):
            for b in range(means.shape[1]):
                dark = hi > lo and (means[a, b] - lo) / (hi - lo) > 0.6
                text = _cell_text(means[a, b], half[a, b], game.kpi, lang)
                if (a, b) in eq_cells:
                    text = "★ " + text
                ax.text(
                    b,
                    a,
                    text,
                    ha="center",
                    va="center",
                    fontsize=7.5,
                    color="white" if dark else "black",
                )
        for b in range(means.shape[1]):
            best = int(np.nanargmax(means[:, b]))
            ax.add_patch(Rectangle((b - 0.5, best - 0.5), 1, 1, fill=False, lw=2.2, ec="black"))
        ax.set_xticks(range(len(cols)), cols, rotation=30, ha="right")
        ax.set_yticks(range(k_own), rows)
        ax.set_ylabel(t["rows"].format(store=store))
        ax.set_xlabel(t["cols"].format(others=other_names, run=run) + "\n" + t["legend"])
        title = t["title"].format(store=store, kpi=kpi, level=f"{level:.0%}")
        ax.set_title(title[:1].upper() + title[1:])
        for side in ("top", "right"):
            ax.spines[side].set_visible(True)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    return buf.getvalue()


def write_heatmaps(
    game: EmpiricalGame,
    outdir: Path,
    labels: dict[str, str],
    store_names: dict[str, str],
    *,
    lang: str = "en",
    level: float = 0.95,
) -> dict[str, Path]:
    """``heatmap_<store>.png`` (``_zh`` for Chinese) per store, written atomically."""
    from experiments.engine.store import atomic_write_bytes

    suffix = lang_suffix(lang)
    out = {}
    for i, store in enumerate(game.players):
        path = outdir / f"heatmap_{store}{suffix}.png"
        atomic_write_bytes(
            path, payoff_heatmap(game, i, labels, store_names, lang=lang, level=level)
        )
        out[store] = path
    return out
