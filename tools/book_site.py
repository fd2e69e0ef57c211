"""Build the course's site: one book per language, and a landing page that offers them.

    python tools/book_site.py build                                   # every language in book/, executed
    python tools/book_site.py build --languages en,ko,zh --execute-languages en --out _build/site

For each language (``en``, ``ko``, ``zh``: the folders of ``book/``) this runs
``jupyter-book build . --all -W -n --keep-going`` (the README's flags: every page executed again,
warnings are errors) with a generated configuration and table of contents, written under
``--work`` (default ``_build/site-books/<lang>/``, never committed):

* the configuration is the repository's ``_config.yml`` with that language's Sphinx ``language``
  (the theme's words, dates and search index in that language), a title in that language, the
  site's languages for the language switch (``tools/book_languages.py``) and, for a language
  not in ``--execute-languages``, notebooks shown as they are instead of executed;
* the table of contents is ``_toc.yml`` (the English book's) with ``book/en/`` made
  ``book/<lang>/``, in the same order, its captions in that language.

Each book's HTML goes to ``<out>/<lang>/`` (a page is ``<out>/ko/book/ko/03_dense_blocks.html``),
and ``<out>/index.html`` offers the languages, each named in its own. ``<out>`` is what GitHub
Pages publishes (``.github/workflows/book.yml``).
"""

from __future__ import annotations

import argparse
import copy
import shutil
import subprocess
import sys
import time
from html import escape
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from book_languages import LANGUAGES, check_languages  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BOOK_FLAGS = ["--all", "-W", "-n", "--keep-going"]
# what a reader meets in each language: the book's title, the toc's caption, the landing page's line
TITLES = {"en": "DenseNet Lab", "ko": "DenseNet 실습", "zh": "DenseNet 实验课"}
CAPTIONS = {"en": "Chapters", "ko": "목차", "zh": "目录"}
TAGLINES = {
    "en": "An interactive course on densely connected convolutional networks",
    "ko": "고밀도 연결 컨벌루션 신경망(DenseNet)을 직접 실행하며 배우는 대화형 강좌",
    "zh": "动手学习稠密连接卷积神经网络（DenseNet）的交互式课程",
}


def available_languages(root: Path = ROOT) -> list[str]:
    """The languages whose book exists (``book/<lang>/``), in the site's order."""
    return [code for code in LANGUAGES if (root / "book" / code).is_dir()]


def book_config(root: Path, lang: str, languages: list[str], execute: bool) -> dict:
    """The ``_config.yml`` of ``root`` for the ``lang`` book of a site of ``languages``:
    Sphinx ``language``, localised title, the switch's settings, notebooks executed or not.
    Local extensions' paths become absolute (the file is written elsewhere)."""
    config = copy.deepcopy(yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")))
    config["title"] = TITLES[lang]
    sphinx = config.setdefault("sphinx", {})
    sphinx["local_extensions"] = {name: str((root / path).resolve())
                                  for name, path in (sphinx.get("local_extensions") or {}).items()}
    sphinx.setdefault("config", {}).update(
        language=LANGUAGES[lang].sphinx, site_language=lang, site_languages=list(languages))
    if not execute:
        config.setdefault("execute", {})["execute_notebooks"] = "off"
    return config


def _localise(entry, lang: str):
    """A toc entry (dict, list or value) with every ``book/en/`` file made ``book/<lang>/``."""
    if isinstance(entry, dict):
        return {key: (CAPTIONS[lang] if key == "caption" else _localise(value, lang)) for key, value in entry.items()}
    if isinstance(entry, list):
        return [_localise(item, lang) for item in entry]
    if isinstance(entry, str) and entry.startswith("book/en/"):
        return f"book/{lang}/{entry.removeprefix('book/en/')}"
    return entry


def toc_files(toc: dict) -> list[str]:
    """Every file a toc names (its root first), as written (no suffix)."""
    files = [toc["root"]]

    def walk(entry):
        if isinstance(entry, dict):
            files.extend([entry["file"]] if "file" in entry else [])
            for value in entry.values():
                walk(value)
        elif isinstance(entry, list):
            for item in entry:
                walk(item)

    walk({key: value for key, value in toc.items() if key != "root"})
    return files


def book_toc(root: Path, lang: str) -> dict:
    """``_toc.yml`` of ``root`` for the ``lang`` book: the English pages' translations, in the
    same order. Raises ValueError naming the pages of ``book/<lang>/`` that are missing."""
    toc = _localise(yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8")), lang)
    missing = [f for f in toc_files(toc) if not any((root / f).with_suffix(s).exists() for s in (".md", ".ipynb"))]
    if missing:
        raise ValueError(f"languages: the {lang} book lacks {missing}; make it with: python tools/translate.py sync")
    return toc


def landing_page(languages: list[str]) -> str:
    """``<out>/index.html``: the site's title and one link per language, to its book's first
    page, each in its own language (``lang``, ``hreflang``)."""
    items, alternates = [], []
    for code in check_languages(languages):
        tag, href = LANGUAGES[code].html, f"{code}/book/{code}/index.html"
        items.append(f'  <li lang="{tag}"><a href="{href}" hreflang="{tag}">{escape(LANGUAGES[code].name)}</a>'
                     f"<br><span>{escape(TAGLINES[code])}</span></li>")
        alternates.append(f'<link rel="alternate" hreflang="{tag}" href="{href}">')
    head = "\n".join(['<meta charset="utf-8">', '<meta name="viewport" content="width=device-width, initial-scale=1">',
                      f"<title>{escape(TITLES['en'])}</title>", *alternates, f"<style>{_STYLE}</style>"])
    body = "\n".join([f"<h1>{escape(TITLES['en'])}</h1>", '<ul class="languages">', *items, "</ul>"])
    return f'<!doctype html>\n<html lang="en">\n<head>\n{head}\n</head>\n<body>\n{body}\n</body>\n</html>\n'


_STYLE = ("body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;line-height:1.5}"
          ".languages{list-style:none;padding:0}.languages li{margin:1.25rem 0}"
          ".languages a{font-size:1.5rem;font-weight:600}.languages span{color:#555}")


def build_language(root: Path, lang: str, languages: list[str], execute: bool, work: Path, out: Path) -> float:
    """Build the ``lang`` book into ``out/<lang>/``; returns the seconds it took. Raises
    RuntimeError (with the end of jupyter-book's output) when the build fails."""
    folder = work / lang
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "_config.yml").write_text(yaml.safe_dump(book_config(root, lang, languages, execute),
                                                       allow_unicode=True, sort_keys=False), encoding="utf-8")
    (folder / "_toc.yml").write_text(yaml.safe_dump(book_toc(root, lang), allow_unicode=True, sort_keys=False),
                                     encoding="utf-8")
    jb = Path(sys.executable).parent / "jupyter-book"
    command = [str(jb) if jb.exists() else "jupyter-book", "build", str(root), "--config", str(folder / "_config.yml"),
               "--toc", str(folder / "_toc.yml"), "--path-output", str(folder), *BOOK_FLAGS]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"the {lang} book failed to build:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    shutil.rmtree(out / lang, ignore_errors=True)
    shutil.copytree(folder / "_build" / "html", out / lang)
    return seconds


def build(root: Path, languages: list[str], execute_languages: list[str], out: Path, work: Path) -> dict[str, float]:
    """Build the site: every book of ``languages`` into ``out/<lang>/`` (those in
    ``execute_languages`` executed), then ``out/index.html``; returns each book's seconds."""
    languages, execute_languages = check_languages(languages), check_languages(execute_languages)
    if not languages:
        raise ValueError("languages: got none, allowed: one or more of " + ", ".join(LANGUAGES))
    for lang in languages:
        book_toc(root, lang)  # every book complete before the first (long) build starts
    out.mkdir(parents=True, exist_ok=True)
    seconds = {}
    for lang in languages:
        seconds[lang] = build_language(root, lang, languages, lang in execute_languages, work, out)
        print(f"{lang}: built in {seconds[lang]:.0f} s -> {out / lang}", flush=True)
    (out / "index.html").write_text(landing_page(languages), encoding="utf-8")
    (out / ".nojekyll").write_text("")  # GitHub Pages serves _static/ and _images/ as they are
    return seconds


def _codes(text: str) -> list[str]:
    return [] if text.strip() in ("", "none") else [c.strip() for c in text.split(",")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["build"])
    parser.add_argument("--languages", help="comma-separated, default: every book/<lang>/ there is (en,ko,zh)")
    parser.add_argument("--execute-languages", help="comma-separated or none, default: all that are built")
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository (the books' sources)")
    parser.add_argument("--out", type=Path, help="the site, default <root>/_build/site")
    parser.add_argument("--work", type=Path, help="generated configs and builds, default <root>/_build/site-books")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    languages = _codes(args.languages) if args.languages is not None else available_languages(root)
    execute = _codes(args.execute_languages) if args.execute_languages is not None else languages
    try:
        build(root, languages, execute, (args.out or root / "_build" / "site").resolve(),
              (args.work or root / "_build" / "site-books").resolve())
    except (ValueError, RuntimeError) as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
