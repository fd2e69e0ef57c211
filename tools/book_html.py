"""Sphinx extension for the book's HTML (``_config.yml``: ``sphinx.local_extensions``).

* The static explorers (``densenet_lab.widgets``) draw with plotly.js. This copies the
  file bundled with the installed ``plotly`` package into ``_static/`` and loads it on the
  pages that hold an explorer, so the book works offline and needs no CDN. It also sets
  ``DENSENET_LAB_BOOK=1`` for the notebooks' kernels, so an explorer embeds its whole
  precomputed grid in the page (elsewhere a notebook keeps a small preview).
* sphinx-thebe registers its inline configuration script twice under Jupyter Book; the
  second copy fails in the browser ("Identifier 'THEBE_JS_URL' has already been
  declared"). Exact duplicate scripts are dropped from each page.
* ``tools/static/book.css``, the book's own styles (long code and output lines wrap), is
  copied into ``_static/`` and linked from every page.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

MARKER = 'class="dlab-explorer"'
PLOTLY = "plotly.min.js"
CSS = Path(__file__).parent / "static" / "book.css"


def _plotly_js() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / PLOTLY


def _page(app, pagename, templatename, context, doctree) -> None:
    if MARKER in context.get("body", ""):
        app.add_js_file(PLOTLY, priority=100)  # before any page script that draws
    scripts = context.get("script_files")
    if scripts:
        seen, unique = set(), []
        for js in scripts:
            # the copies differ in priority, or in None against "" for the file
            key = (getattr(js, "filename", None) or "", tuple(sorted(getattr(js, "attributes", {}).items())))
            if key not in seen:
                seen.add(key)
                unique.append(js)
        scripts[:] = unique


def _copy(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        static = Path(app.outdir) / "_static"
        static.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_plotly_js(), static / PLOTLY)
        shutil.copyfile(CSS, static / CSS.name)


def setup(app):
    os.environ["DENSENET_LAB_BOOK"] = "1"  # densenet_lab.widgets.core.BOOK_ENV, read by the kernels it starts
    _plotly_js()  # fail early, with an ImportError naming plotly, if the book extra is missing
    app.add_css_file(CSS.name)
    app.connect("html-page-context", _page, priority=900)  # after the other extensions add theirs
    app.connect("build-finished", _copy)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
