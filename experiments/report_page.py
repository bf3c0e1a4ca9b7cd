"""Kept importable for notebooks and the README: the page shell is
`experiments.report.page` (``render_page``, ``section``)."""

from experiments.report.page import (  # noqa: F401
    LANGS,
    png_data_uri,
    render_page,
    section,
    visible_text,
)
