"""Keep the Korean and Simplified Chinese books (``book/ko``, ``book/zh``) in step with the English one.

    python tools/translate.py sync  [--root DIR] [--lang ko]   # make every translation match English
    python tools/translate.py stale [--root DIR] [--lang ko]   # list the cells to (re-)translate
    python tools/translate.py check [--root DIR] [--lang ko]   # exit 1 when out of step (the tests call it)
    python tools/translate.py mark ko 03_dense_blocks ch03-004 ch03-006   # "translated from today's English"
    python tools/translate.py mark ko instructors.md

A translation of ``book/en/NAME.ipynb`` is ``book/<lang>/NAME.ipynb`` with the same cells (same ids,
in the same order, of the same types: tools/book.py gives every English cell a stable id):

* a **code cell** is a copy of the English one (source, metadata and tags, outputs, execution count),
  except the cell tagged ``lang`` (``P = setup(lang="en")``), which names the translation's language;
* a **markdown cell** holds the translation. Its metadata is the English cell's, plus
  ``translation: {"source": HASH}``, the first 16 hex digits of the sha256 of the English source it
  translates. A cell whose English changed since (another hash) or that was never translated (no
  hash: ``sync`` put the English text there as a placeholder) is *stale*: ``stale`` lists it.

``sync`` copies the code cells, keeps every translated markdown cell whose id English still has,
puts English text (untranslated) where English has a new cell, and drops (and names) the cells
English no longer has. It never writes a hash: ``mark`` does, once a translator has brought the cells
in line with the current English. A markdown page (``book/en/instructors.md``) is tracked whole:
its translation's first line is ``<!-- translation of en/instructors.md: HASH -->``.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ("ko", "zh")
LANG_TAG = "lang"
UNTRANSLATED = "untranslated"


def source_hash(text: str) -> str:
    """The first 16 hex digits of the sha256 of ``text`` (UTF-8): what a translation records."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def first_words(text: str, n: int = 8) -> str:
    """The first ``n`` words of ``text`` on one line, to name a cell to a translator."""
    words = text.split()
    return " ".join(words[:n]) + (" ..." if len(words) > n else "")


# ---------------------------------------------------------------- notebooks


def is_lang_cell(cell: nbformat.NotebookNode) -> bool:
    return cell.cell_type == "code" and LANG_TAG in cell.metadata.get("tags", [])


def code_cell_for(english: nbformat.NotebookNode, lang: str) -> nbformat.NotebookNode:
    """The translation's copy of an English code cell: identical, but the ``lang`` cell names ``lang``."""
    cell = copy.deepcopy(english)
    if is_lang_cell(cell):
        if 'lang="en"' not in cell.source:
            raise ValueError(f"cell {cell.id}: the English lang cell must say lang=\"en\", got {cell.source!r}")
        cell.source = cell.source.replace('lang="en"', f'lang="{lang}"')
    return cell


def markdown_cell_for(english: nbformat.NotebookNode, translated: nbformat.NotebookNode | None):
    """The translation's markdown cell: its own text and hash with the English metadata, or,
    when there is none yet, the English text marked untranslated (no hash)."""
    cell = copy.deepcopy(english)
    if translated is not None and translated.cell_type == english.cell_type:
        cell.source = translated.source
        cell.metadata["translation"] = copy.deepcopy(translated.metadata.get("translation", {UNTRANSLATED: True}))
    else:
        cell.metadata["translation"] = {UNTRANSLATED: True}
    return cell


def synced(english: nbformat.NotebookNode, translated: nbformat.NotebookNode | None,
           lang: str) -> tuple[nbformat.NotebookNode, list[str]]:
    """The translation as ``sync`` writes it, and what it dropped (``"cell ID: first words"``)."""
    old = {c.get("id"): c for c in translated.cells} if translated is not None else {}
    nb = copy.deepcopy(english)
    nb.cells = [code_cell_for(c, lang) if c.cell_type == "code" else markdown_cell_for(c, old.get(c.id))
                for c in english.cells]
    kept = {c.id for c in english.cells}
    dropped = [f"cell {i}: {first_words(c.source)}" for i, c in old.items() if i not in kept]
    return nb, dropped


def differences(english: nbformat.NotebookNode, translated: nbformat.NotebookNode, lang: str) -> list[str]:
    """What ``sync`` would change besides the translated text: cell ids, order and types, a code
    cell that is not the English one, a markdown cell whose metadata is not the English one's."""
    want = [(c.id, c.cell_type) for c in english.cells]
    have = [(c.get("id"), c.cell_type) for c in translated.cells]
    if want != have:
        missing = [i for i, _ in want if i not in {j for j, _ in have}]
        extra = [j for j, _ in have if j not in {i for i, _ in want}]
        return [f"cells are not English's (ids, order or types): missing {missing}, extra {extra}"]
    found = []
    for en, tr in zip(english.cells, translated.cells):
        if en.cell_type == "code" and tr != code_cell_for(en, lang):
            found.append(f"code cell {en.id} differs from English: {first_words(en.source)}")
        elif en.cell_type != "code":
            meta = {k: v for k, v in tr.metadata.items() if k != "translation"}
            if meta != en.metadata:
                found.append(f"markdown cell {en.id}: metadata differs from English")
    return found


def stale_cells(english: nbformat.NotebookNode, translated: nbformat.NotebookNode) -> list[str]:
    """``"ID (why): first English words"`` for each markdown cell to (re-)translate: no
    translation, no hash, or the hash of another English text."""
    old = {c.get("id"): c for c in translated.cells}
    found = []
    for en in english.cells:
        if en.cell_type == "code":
            continue
        tr = old.get(en.id)
        recorded = tr.metadata.get("translation", {}).get("source") if tr is not None else None
        if recorded != source_hash(en.source):
            why = "English changed" if recorded else UNTRANSLATED
            found.append(f"{en.id} ({why}): {first_words(en.source)}")
    return found


# ---------------------------------------------------------------- markdown pages (instructors.md)


def page_header(name: str, digest: str | None) -> str:
    return f"<!-- translation of en/{name}: {digest or UNTRANSLATED} -->"


def page_hash(text: str) -> str | None:
    """The hash a translated page records in its first line, or None (untranslated or no header)."""
    found = re.match(r"<!-- translation of en/\S+: ([0-9a-f]{16}) -->\n", text)
    return found.group(1) if found else None


def synced_page(name: str, english: str, translated: str | None) -> str:
    """The translated page as ``sync`` writes it: unchanged if it has its header, else English
    text under an untranslated header."""
    if translated is not None and translated.startswith(f"<!-- translation of en/{name}: "):
        return translated
    return page_header(name, None) + "\n" + english


# ---------------------------------------------------------------- the book


def read_notebook(path: Path) -> nbformat.NotebookNode | None:
    return nbformat.read(path, as_version=4) if path.exists() else None


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` unless it already holds it; whether it wrote."""
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def sources(book: Path) -> list[Path]:
    """The English files a translation mirrors: every notebook and markdown page in ``book/en``."""
    return sorted([*(book / "en").glob("*.ipynb"), *(book / "en").glob("*.md")])


def sync(book: Path, lang: str) -> list[str]:
    """Bring ``book/<lang>`` in line with ``book/en``; returns what it did, one line each."""
    report = []
    for en_path in sources(book):
        path = book / lang / en_path.name
        where = f"{lang}/{en_path.name}"
        if en_path.suffix == ".md":
            old = path.read_text(encoding="utf-8") if path.exists() else None
            text = synced_page(en_path.name, en_path.read_text(encoding="utf-8"), old)
        else:
            nb, dropped = synced(nbformat.read(en_path, as_version=4), read_notebook(path), lang)
            report += [f"{where}: dropped {d} (English no longer has it)" for d in dropped]
            text = nbformat.writes(nb) + "\n"  # the form tools/book.py writes
        if write_if_changed(path, text):
            report.append(f"{where}: written")
    return report


def problems(book: Path, lang: str) -> tuple[list[str], list[str]]:
    """``(differences, stale)`` of ``book/<lang>``: what ``sync`` would repair, and what needs a translator."""
    differ, stale = [], []
    for en_path in sources(book):
        path = book / lang / en_path.name
        where = f"book/{lang}/{en_path.name}"
        if not path.exists():
            differ.append(f"{where}: missing")
        elif en_path.suffix == ".md":
            recorded = page_hash(path.read_text(encoding="utf-8"))
            if recorded != source_hash(en_path.read_text(encoding="utf-8")):
                why = "English changed" if recorded else UNTRANSLATED
                stale.append(f"{where} ({why}): the whole page")
        else:
            english, translated = nbformat.read(en_path, as_version=4), nbformat.read(path, as_version=4)
            differ += [f"{where}: {d}" for d in differences(english, translated, lang)]
            stale += [f"{where} {s}" for s in stale_cells(english, translated)]
    return differ, stale


def mark(book: Path, lang: str, name: str, cell_ids: list[str]) -> list[str]:
    """Record that cells ``cell_ids`` of ``book/<lang>/<name>`` (or the whole page, for a ``.md``)
    now translate the current English: store the English source's hash. Returns what it marked."""
    en_path = book / "en" / (name if name.endswith((".ipynb", ".md")) else name + ".ipynb")
    path = book / lang / en_path.name
    if not en_path.exists() or not path.exists():
        raise ValueError(f"name must be a file in both book/en and book/{lang}, got {name!r}")
    if en_path.suffix == ".md":
        body = path.read_text(encoding="utf-8").partition("\n")[2]
        digest = source_hash(en_path.read_text(encoding="utf-8"))
        path.write_text(page_header(en_path.name, digest) + "\n" + body, encoding="utf-8")
        return [f"{lang}/{en_path.name}: {digest}"]
    english = {c.id: c for c in nbformat.read(en_path, as_version=4).cells if c.cell_type != "code"}
    nb = nbformat.read(path, as_version=4)
    unknown = [i for i in cell_ids if i not in english]
    if unknown or not cell_ids:
        raise ValueError(f"cell ids must name markdown cells of {en_path.name}, got {unknown or 'none'}")
    for cell in nb.cells:
        if cell.get("id") in cell_ids:
            cell.metadata["translation"] = {"source": source_hash(english[cell.id].source)}
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    return [f"{lang}/{en_path.name} {i}" for i in cell_ids]


def main(argv: list[str]) -> int:
    """The command line (see the module docstring); returns the exit status."""
    parser = argparse.ArgumentParser(prog="translate.py", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("sync", "stale", "check", "mark"))
    parser.add_argument("args", nargs="*", help="mark: LANG NAME [CELL_ID ...]")
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository (its book/ folder is used)")
    parser.add_argument("--lang", choices=LANGUAGES, action="append", help="only this language (repeatable)")
    options = parser.parse_args(argv)
    book = options.root / "book"
    if options.command == "mark":
        if len(options.args) < 2 or options.args[0] not in LANGUAGES:
            parser.error(f"mark takes LANG NAME [CELL_ID ...] with LANG one of {', '.join(LANGUAGES)}")
        try:
            print(*mark(book, options.args[0], options.args[1], options.args[2:]), sep="\n")
        except ValueError as err:
            parser.error(str(err))
        return 0
    failed = False
    for lang in options.lang or LANGUAGES:
        if options.command == "sync":
            print(*sync(book, lang) or [f"{lang}: in step with English"], sep="\n")
            continue
        differ, stale = problems(book, lang)
        if options.command == "check" and differ:
            print(f"{lang}: out of step with English (run python tools/translate.py sync):", *differ, sep="\n  ")
        if stale:
            print(f"{lang}: {len(stale)} to translate (then: translate.py mark):", *stale, sep="\n  ")
        failed |= bool(differ or stale) if options.command == "check" else False
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
