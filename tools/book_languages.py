"""Sphinx extension for the books' languages: the site's language switch, the theme's search box
in the book's language, and a Chinese search index without jieba (``tools/book_site.py`` builds
the site).

The site holds one book per language, each built on its own with its own Sphinx ``language``
and published under its own folder: ``en/``, ``ko/``, ``zh/``. A page of one book,
``<lang>/book/<lang>/NAME.html``, has its counterparts at ``<other>/book/<other>/NAME.html``;
pages outside ``book/<lang>/`` (``search``, ``genindex``) have the same name in every book.

Every page gets, in the article header beside the theme's buttons, a menu that links to the
same page in each language (relative links, so they work under any address and from a local
folder), each named in its own language (English, 한국어, 简体中文) and marked with ``lang`` and
``hreflang``; the page's ``<head>`` gets ``<link rel="alternate" hreflang=...>`` for the others.

Configuration (set by tools/book_site.py in the config it generates for each book):
``site_languages``, the site's languages in menu order (empty, the default, as in a plain
``jupyter-book build .``, or one language: no switch), and ``site_language``, the one this book is in. Jupyter Book
writes its search box's placeholder in English whatever the language; this puts the book's own.

Search: each book has its own ``searchindex.js``, split into words by Sphinx's splitter for the
book's ``language``. Korean has none of its own in Sphinx: the default one indexes the words
between spaces (a Korean word with its particle, ``성장률은``; the search box also finds a query
of 3 or more letters inside a longer word). Chinese has no spaces: Sphinx cuts it into words with
``jieba`` where that package is installed, and without it indexes no Chinese at all. Where jieba
is missing, :class:`ChineseWithoutJieba` indexes every two-character piece of a Chinese run (a
query of two characters finds it) and the run itself (a longer query is found inside it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from pathlib import Path

from sphinx.search.zh import JIEBA, SearchChinese

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE = "language-switch.html"


@dataclass(frozen=True)
class Language:
    """One book of the site: its folder name (``code``), its name in its own language, the
    Sphinx ``language`` it is built with, the HTML ``lang`` of its pages (what Sphinx writes for
    that language), and the switch's label and the search box's placeholder in that language."""

    code: str
    name: str
    sphinx: str
    html: str
    label: str
    search: str


LANGUAGES = {
    "en": Language("en", "English", "en", "en", "Language", "Search this book..."),
    "ko": Language("ko", "한국어", "ko", "ko", "언어", "이 책에서 검색..."),
    # Sphinx and the book theme translate their words for zh_CN (Simplified); "zh" alone finds
    # no catalog of Sphinx's own
    "zh": Language("zh", "简体中文", "zh_CN", "zh-CN", "语言", "在本书中搜索..."),
}
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


class ChineseWithoutJieba(SearchChinese):
    """Sphinx's Chinese search language, where ``jieba`` is not installed: a run of Chinese
    characters is indexed as its two-character pieces and, when longer, as itself."""

    def split(self, input: str) -> list[str]:
        words = super().split(input)  # the Latin words (and jieba's, were it there)
        for run in CJK.findall(input):
            words.extend(run[i:i + 2] for i in range(len(run) - 1))
            words.extend([run] if len(run) > 2 else [])
        return words


def check_languages(codes) -> list[str]:
    """``codes`` as a list, after checking each is one of :data:`LANGUAGES` (ValueError otherwise)."""
    codes = list(codes)
    unknown = [c for c in codes if c not in LANGUAGES]
    if unknown or len(set(codes)) != len(codes):
        raise ValueError(f"languages: got {codes}, allowed: each of {list(LANGUAGES)} at most once")
    return codes


def counterpart(pagename: str, lang: str, other: str) -> str:
    """The page of the ``other`` book that matches ``pagename`` of the ``lang`` book:
    ``book/ko/03_dense_blocks`` -> ``book/zh/03_dense_blocks``; ``search`` -> ``search``."""
    prefix = f"book/{lang}/"
    return f"book/{other}/{pagename[len(prefix):]}" if pagename.startswith(prefix) else pagename


def switch_links(pagename: str, lang: str, languages) -> list[dict]:
    """For the page ``pagename`` (a Sphinx docname, ``/``-separated) of the ``lang`` book, one
    entry per site language: ``code``, ``name``, ``html`` (its ``lang``), ``current`` and ``url``,
    the relative link from this page's HTML file (``<lang>/<pagename>.html`` in the site) to the
    same page of that language's book."""
    to_site = "../" * (pagename.count("/") + 1)
    links = []
    for code in check_languages(languages):
        language = LANGUAGES[code]
        url = f"{to_site}{code}/{counterpart(pagename, lang, code)}.html"
        links.append({"code": code, "name": language.name, "html": language.html, "current": code == lang, "url": url})
    return links


def _config_inited(app, config) -> None:
    if not config.site_languages:
        return
    check_languages(config.site_languages)
    if config.site_language not in config.site_languages:
        raise ValueError(f"site_language: got {config.site_language!r}, allowed: one of {config.site_languages}")
    options = config.html_theme_options
    options["search_bar_text"] = LANGUAGES[config.site_language].search
    if len(config.site_languages) < 2:
        return  # a site of one book: no switch
    config.templates_path = [*config.templates_path, str(TEMPLATES)]
    end = options.get("article_header_end", ["article-header-buttons.html"])
    end = end.split(",") if isinstance(end, str) else list(end)
    options["article_header_end"] = [TEMPLATE, *[t for t in end if t != TEMPLATE]]


def _page(app, pagename, templatename, context, doctree) -> None:
    config = app.config
    if len(config.site_languages) < 2:
        return
    links = switch_links(pagename, config.site_language, config.site_languages)
    context["site_language_links"] = links
    context["site_language_label"] = LANGUAGES[config.site_language].label
    alternates = "".join(f'\n<link rel="alternate" hreflang="{escape(link["html"])}" href="{escape(link["url"])}" />'
                         for link in links if not link["current"])
    context["metatags"] = context.get("metatags", "") + alternates


def setup(app):
    app.add_config_value("site_languages", [], "html", types=[list, tuple])
    app.add_config_value("site_language", "en", "html", types=[str])
    app.connect("config-inited", _config_inited)
    app.connect("html-page-context", _page)
    if not JIEBA:
        app.add_search_language(ChineseWithoutJieba)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
