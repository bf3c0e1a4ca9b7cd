"""Kept importable for notebooks, the README and the dashboard: the page shell is
`experiments.report.page` (``render_page``, ``section``, ``font_face`` ...)."""

from experiments.report.page import (  # noqa: F401
    CSS,
    FONT_FAMILY,
    LANGS,
    cjk_font_file,
    font_face,
    needs_cjk,
    png_data_uri,
    render_page,
    section,
    subset_font,
    visible_text,
)
