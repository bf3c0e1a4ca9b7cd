"""The shared HTML page shell of every study report (comparison, robustness, tournament …).

`render_page(title, sections_html, lang)` wraps a study's own HTML sections in one look: the
screen and print stylesheets and, so that Chinese text renders on a machine without any CJK
system font, an embedded ``@font-face`` holding a subset of the bundled Noto Sans CJK SC font
(pip package ``noto-cjk-sans-otc``) made with fontTools from exactly the characters the page
shows. The page loads nothing from elsewhere: mail the file on its own, or print it to PDF.

    from experiments.report.page import render_page, section
    html = render_page("My study", [section("Results", "<p>…</p>")], lang="zh")
"""

from __future__ import annotations

import base64
import html
import io
import logging
import os
import re
from functools import lru_cache
from pathlib import Path

from experiments.report.vocab import LANGS

FONT_FAMILY = "Lab Noto Sans SC"
"""CSS family name of the embedded subset (never clashes with an installed font)."""
_SC_NAME = "Noto Sans CJK SC"

CSS = """
body { font-family: %(family)s; max-width: 1180px; margin: 2em auto; padding: 0 1em;
       color: #212121; line-height: 1.5; }
h1 { font-size: 1.6em; margin-bottom: .2em; }
h2 { font-size: 1.25em; border-bottom: 1px solid #e0e0e0; padding-bottom: .2em; margin-top: 1.6em; }
ul.headlines li { margin: .45em 0; }
.table-wrap { max-width: 100%%; overflow-x: auto; }
table { border-collapse: collapse; font-size: .86em; width: 100%%; }
th, td { padding: .3em .45em; border-bottom: 1px solid #eeeeee; text-align: right;
         vertical-align: top; }
th { background: #f5f5f5; font-weight: 600; }
td.name, th.name { text-align: left; }
td .ci { display: block; color: #757575; font-size: .82em; white-space: nowrap; }
figure { margin: 1.2em 0; }
figure img { max-width: 100%%; height: auto; }
figcaption { color: #616161; font-size: .9em; }
.note, footer { color: #616161; font-size: .9em; }
footer { margin-top: 2em; border-top: 1px solid #e0e0e0; padding-top: .5em; }
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; color: #000; }
  h1 { font-size: 16pt; }
  h2 { font-size: 12.5pt; break-after: avoid; page-break-after: avoid; }
  section, figure, table, tr, ul.headlines li { break-inside: avoid; page-break-inside: avoid; }
  .table-wrap { overflow: visible; }
  table { font-size: 8pt; }
  th { background: none; border-bottom: 1.5px solid #000; }
  figure img { max-height: 120mm; object-fit: contain; }
  a { color: inherit; text-decoration: none; }
  .no-print { display: none; }
}
"""

_EN_STACK = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
_TAG = re.compile(r"<[^>]*>")
_BASE64 = re.compile(r"data:[^\"')\s]+")


def section(heading: str, body_html: str, *, id: str | None = None) -> str:
    """One titled section (`heading` is plain text and is escaped; `body_html` is HTML)."""
    ident = f' id="{html.escape(id)}"' if id else ""
    return f"<section{ident}>\n<h2>{html.escape(heading)}</h2>\n{body_html}\n</section>"


def png_data_uri(png: bytes | Path) -> str:
    """A PNG (bytes or a file) as a ``data:`` URI, so the page carries its figures itself."""
    raw = png if isinstance(png, bytes) else Path(png).read_bytes()
    return "data:image/png;base64," + base64.b64encode(raw).decode("ascii")


def visible_text(fragment: str) -> str:
    """The text a browser shows for an HTML fragment: tags and data URIs out, entities decoded."""
    fragment = re.sub(r"<(style|script)\b.*?</\1>", " ", fragment, flags=re.S | re.I)
    no_data = _BASE64.sub(" ", fragment)
    alts = " ".join(re.findall(r'\balt="([^"]*)"', no_data))  # shown when an image is missing
    return html.unescape(_TAG.sub(" ", no_data) + " " + alts)


def needs_cjk(ch: str) -> bool:
    """A character an ordinary Latin system font may lack (CJK, fullwidth forms, ¥ …)."""
    return ord(ch) >= 0x2E80 or ch in "¥"


def render_page(
    title: str, sections_html: list[str], lang: str, *, intro_html: str = "", footer: str = ""
) -> str:
    """A complete, self-contained HTML page in the team's report style.

    The embedded font subset is computed from the final text of the page: every character of
    a Chinese page, and the CJK characters (if any, e.g. a store's Chinese name) of an English
    one. Nothing is fetched from the network.
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {list(LANGS)}, got {lang!r}")
    body = (
        f"<h1>{html.escape(title)}</h1>\n{intro_html}\n"
        + "\n".join(sections_html)
        + (f"\n<footer>{html.escape(footer)}</footer>" if footer else "")
    )
    text = visible_text(title + " " + body)
    chars = {c for c in text if not c.isspace()}
    if lang != "zh":
        chars = {c for c in chars if needs_cjk(c)}
    face = font_face(frozenset(chars)) if chars else ""
    if lang == "zh":
        family = f'"{FONT_FAMILY}", "{_SC_NAME}", "PingFang SC", "Microsoft YaHei", sans-serif'
    else:
        family = f'{_EN_STACK}, "{FONT_FAMILY}"'
    css = face + CSS % {"family": family}
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{css}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


# --------------------------------------------------------------------------- the embedded font
def cjk_font_file() -> tuple[Path, int] | None:
    """The bundled Noto Sans CJK file and the index of its SC face (or a user's own file)."""
    from experiments.report.plot import FONT_ENV, packaged_font_files

    env = os.environ.get(FONT_ENV)
    candidates = ([Path(env)] if env else []) + packaged_font_files()
    for path in candidates:
        if not path.is_file():
            continue
        if path.suffix.lower() in (".ttc", ".otc"):
            from fontTools.ttLib import TTCollection

            with TTCollection(str(path), lazy=True) as coll:
                names = [f["name"].getDebugName(1) or "" for f in coll.fonts]
            for i, name in enumerate(names):
                if name.startswith(_SC_NAME):
                    return path, i
            return path, 0
        return path, 0
    return None


@lru_cache(maxsize=32)
def font_face(chars: frozenset[str]) -> str:
    """An ``@font-face`` rule with the subset of the CJK font for `chars`, base64 OpenType.

    Empty (with the system fonts left to do their best) when no CJK font is installed.
    """
    found = cjk_font_file()
    if found is None:
        return ""
    data = subset_font(found[0], found[1], "".join(sorted(chars)))
    b64 = base64.b64encode(data).decode("ascii")
    return (
        f'@font-face {{ font-family: "{FONT_FAMILY}"; font-style: normal; font-weight: 100 900; '
        f'src: url(data:font/otf;base64,{b64}) format("opentype"); }}\n'
    )


def subset_font(path: Path, index: int, text: str) -> bytes:
    """The glyphs of `text` (plus .notdef) from face `index` of a font file, as OpenType bytes."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    logging.getLogger("fontTools").setLevel(logging.WARNING)  # its INFO lines are noise here
    options = subset.Options()
    options.layout_features = ["kern", "liga", "locl", "palt", "vert"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = True
    # recalcTimestamp=False: keep the source font's `head.modified`, so the same page text gives
    # the same bytes (saving would otherwise stamp the current time into every report)
    font = TTFont(str(path), fontNumber=index, lazy=False, recalcTimestamp=False)
    sub = subset.Subsetter(options)
    sub.populate(text=text)
    sub.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    return buf.getvalue()
