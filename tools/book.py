"""Keep the book's notebooks tidy: ``python tools/book.py sync`` before committing.

* the first code cell of every notebook installs densenet_lab from the repository named in
  ``_config.yml`` (repository.url), so a fork changes that one line;
* outputs are stripped, except in cells tagged ``nbval-check-output`` (nbval's own cell tag,
  invisible in the rendered page), whose outputs nbval compares (run ``sync --execute`` to
  refresh them in the ci profile); an old ``# NBVAL_CHECK_OUTPUT`` comment becomes that tag;
* execution counts (but those of checked cells) and volatile metadata are cleared;
* the notebook is nbformat 4.5 and every cell has a stable, readable ``id``, ``ch03-017``
  (chapter, then a number): a cell keeps its id for good, as the translations (``book/ko``,
  ``book/zh``, tools/translate.py) find their cells by it. A cell without one, with the random
  id an editor gives a new cell, or with a second copy of an id gets the next free number;
* the second code cell, ``P = setup(lang="en")``, carries the tag ``lang`` (the one code cell
  a translation changes: tools/translate.py writes its language there);
* an exercise's solution cell (nbgrader ``solution`` metadata, code) is collapsed in the
  rendered book behind a "Show solution" toggle (tag ``hide-input`` and myst-nb's prompts).

``python tools/book.py check`` reports what ``sync`` would change (the tests call it).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHECK_TAG = "nbval-check-output"
OLD_CHECK_COMMENT = "# NBVAL_CHECK_OUTPUT"
INSTALL_MARK = "# Install densenet_lab when it is missing"


def repository_url() -> str:
    return yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]


def install_cell_source() -> str:
    return (
        f"{INSTALL_MARK} (on Colab); nothing happens where it is installed.\n"
        "import importlib.util, subprocess, sys\n"
        'if importlib.util.find_spec("densenet_lab") is None:\n'
        f'    url = "git+{repository_url()}"\n'
        '    subprocess.run([sys.executable, "-m", "pip", "install", "-q", f"densenet-lab @ {url}"],\n'
        '                   check=True)'
    )


def notebooks() -> list[Path]:
    return sorted((ROOT / "book").glob("*/*.ipynb"))


def is_checked(cell: nbformat.NotebookNode) -> bool:
    """Whether nbval compares this cell's output (it carries nbval's check-output tag)."""
    return CHECK_TAG in cell.metadata.get("tags", [])


SETUP_MARK = "from densenet_lab.book import setup"
LANG_TAG = "lang"
RANDOM_ID = re.compile(r"[0-9a-f]{8}(-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?")  # nbformat's, Jupyter's
READABLE_ID = re.compile(r"(?P<prefix>[a-z0-9]+)-(?P<number>\d+)")


def id_prefix(nb: nbformat.NotebookNode, stem: str) -> str:
    """``ch03`` for ``03_dense_blocks``: the prefix the notebook's ids already use, else its chapter."""
    for cell in nb.cells:
        found = READABLE_ID.fullmatch(cell.get("id", ""))
        if found:
            return found["prefix"]
    number = re.match(r"\d+", stem)
    return f"ch{number.group()}" if number else re.sub(r"[^a-z0-9]", "", stem.lower()) or "cell"


def give_ids(nb: nbformat.NotebookNode, stem: str) -> None:
    """Give every cell of ``nb`` a unique readable id (``<prefix>-<NNN>``), keeping the ones it has.

    Only a missing id, a random one (an editor's new cell) or a repeated one is replaced, by the
    next number after the highest in use, so no cell's id ever changes once committed."""
    prefix = id_prefix(nb, stem)
    numbers = [int(m["number"]) for c in nb.cells
               if (m := READABLE_ID.fullmatch(c.get("id", ""))) and m["prefix"] == prefix]
    following = max(numbers, default=0) + 1
    seen: set[str] = set()
    for cell in nb.cells:
        cell_id = cell.get("id", "")
        if not cell_id or RANDOM_ID.fullmatch(cell_id) or cell_id in seen:
            cell_id = cell["id"] = f"{prefix}-{following:03d}"
            following += 1
        seen.add(cell_id)


def tag_lang_cell(code: list[nbformat.NotebookNode]) -> None:
    """Tag the setup cell (the second code cell) ``lang``, and no other cell."""
    for i, cell in enumerate(code):
        tags = [t for t in cell.metadata.get("tags", []) if t != LANG_TAG]
        if i == 1 and cell.source.startswith(SETUP_MARK):
            tags = sorted({*tags, LANG_TAG})
        if tags:
            cell.metadata["tags"] = tags
        else:
            cell.metadata.pop("tags", None)


SOLUTION_PROMPTS = {"code_prompt_show": "Show solution", "code_prompt_hide": "Hide solution"}


def is_solution(cell: nbformat.NotebookNode) -> bool:
    """Whether this is an exercise's solution code cell (nbgrader metadata)."""
    return cell.cell_type == "code" and bool(cell.metadata.get("nbgrader", {}).get("solution"))


def tidy(nb: nbformat.NotebookNode, stem: str = "") -> nbformat.NotebookNode:
    """The committed form of a notebook (see the module docstring); ``stem`` is its file name
    without ``.ipynb`` (``03_dense_blocks``), whose chapter number prefixes new cell ids."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    if code and code[0].source.startswith(INSTALL_MARK):
        code[0].source = install_cell_source()
    tag_lang_cell(code)
    give_ids(nb, stem)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code" and OLD_CHECK_COMMENT in cell.source:
            lines = [line for line in cell.source.splitlines() if line.strip() != OLD_CHECK_COMMENT]
            cell.source = "\n".join(lines)
            cell.metadata["tags"] = sorted({*cell.metadata.get("tags", []), CHECK_TAG})
        if is_solution(cell):
            cell.metadata["tags"] = sorted({*cell.metadata.get("tags", []), "hide-input"})
            cell.metadata["mystnb"] = dict(SOLUTION_PROMPTS)
        if cell.cell_type == "code" and not is_checked(cell):
            cell.execution_count = None  # nbval treats a checked cell without a count as unrun
            cell.outputs = []
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    nb.nbformat, nb.nbformat_minor = 4, 5  # 4.5: cells have ids
    return nb


def execute(path: Path) -> None:
    """Run a notebook in the ci profile, in place (to refresh the checked outputs)."""
    from nbclient import NotebookClient

    os.environ["DENSENET_LAB_PROFILE"] = "ci"
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(nb, path)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    changed = []
    for path in notebooks():
        if command == "sync" and "--execute" in argv:
            execute(path)
        text = path.read_text()
        nb = tidy(nbformat.reads(text, as_version=4), path.stem)
        new = nbformat.writes(nb) + "\n"
        if new != text:
            changed.append(path.relative_to(ROOT))
            if command == "sync":
                path.write_text(new)
    if command == "check" and changed:
        print("not tidy (run python tools/book.py sync):", *changed, sep="\n  ")
        return 1
    print(f"{len(notebooks())} notebooks {'synced' if command == 'sync' else 'tidy'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
