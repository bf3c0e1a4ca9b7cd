"""HTML building blocks of every report: numbers (money, percent, plain), a mean with its
confidence interval, a table and an embedded figure. Each returns text ready for a page made
by `experiments.report.page.render_page`."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from experiments.report.page import png_data_uri, section

NA = {"en": "n/a", "zh": "无数据"}
"""What a missing number reads, by language."""


def money(v: float, *, signed: bool = False, symbol: str = "", na: str = "n/a") -> str:
    """Whole currency units with thousands separators; ``symbol`` before the digits (after the
    sign: ``-¥1,200``); never "-0"."""
    if not np.isfinite(v):
        return na
    v = round(float(v)) + 0.0
    if symbol:
        sign = "-" if v < 0 else ("+" if signed and v > 0 else "")
        return f"{sign}{symbol}{abs(v):,.0f}"
    return format(v, "+,.0f" if signed else ",.0f")


def percent(v: float, *, digits: int = 0, signed: bool = False, na: str = "n/a") -> str:
    """A share as a percentage (0.123 -> "12%"); never "-0%"."""
    if not np.isfinite(v):
        return na
    return format(round(float(v), digits + 2) + 0.0, ("+" if signed else "") + f".{digits}%")


def number(v: float, *, digits: int = 2, signed: bool = False, na: str = "n/a") -> str:
    if not np.isfinite(v):
        return na
    return format(round(float(v), digits) + 0.0, ("+" if signed else "") + f".{digits}f")


def with_ci(value: str, lo: float, hi: float, fmt: Callable[[float], str]) -> str:
    """A table cell (HTML): the mean and, on its own line, its confidence interval."""
    out = html.escape(value)
    if np.isfinite(lo) and np.isfinite(hi):
        out += f'<span class="ci">[{html.escape(fmt(lo))}, {html.escape(fmt(hi))}]</span>'
    return out


def table(
    head: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    cls: str | None = None,
    name_col: int | None = None,
    escape_head: bool = True,
) -> str:
    """A table whose cells are HTML already. With `cls` it is wrapped to scroll sideways on
    narrow screens and `name_col` is left-aligned (the long names)."""

    def attr(i: int) -> str:
        return ' class="name"' if i == name_col else ""

    th = "".join(
        f"<th{attr(i)}>{html.escape(h) if escape_head else h}</th>" for i, h in enumerate(head)
    )
    if cls is None:
        body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
        return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"
    body = "\n".join(
        "<tr>" + "".join(f"<td{attr(i)}>{c}</td>" for i, c in enumerate(r)) + "</tr>" for r in rows
    )
    return (
        f'<div class="table-wrap"><table class="{cls}">\n<thead><tr>{th}</tr></thead>\n'
        f"<tbody>\n{body}\n</tbody>\n</table></div>"
    )


def image(png: bytes | Path | str, alt: str = "") -> str:
    """An embedded PNG (the page carries its figures itself)."""
    raw = Path(png).read_bytes() if isinstance(png, (str, Path)) else png
    return f'<img alt="{html.escape(alt)}" src="{png_data_uri(raw)}">'


def figure(title: str, caption: str, png: Path) -> str:
    """A titled section holding one figure and its caption."""
    return section(
        title,
        f'<figure><img src="{png_data_uri(png)}" alt="{html.escape(title)}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>",
    )
