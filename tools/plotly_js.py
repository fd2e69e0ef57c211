"""Sphinx extension for the book: serve plotly.js from the site itself.

The static explorers (``densenet_lab.widgets``) draw with plotly.js. This copies the
file bundled with the installed ``plotly`` package into ``_static/`` and loads it on the
pages that hold an explorer, so the book works offline and needs no CDN.
"""

from __future__ import annotations

import shutil
from pathlib import Path

MARKER = 'class="dlab-explorer"'
FILE = "plotly.min.js"


def _plotly_js() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / FILE


def _add_to_explorer_pages(app, pagename, templatename, context, doctree) -> None:
    if MARKER in context.get("body", ""):
        app.add_js_file(FILE, priority=100)  # before any page script that draws


def _copy(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        static = Path(app.outdir) / "_static"
        static.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_plotly_js(), static / FILE)


def setup(app):
    _plotly_js()  # fail early, with an ImportError naming plotly, if the book extra is missing
    app.connect("html-page-context", _add_to_explorer_pages)
    app.connect("build-finished", _copy)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
