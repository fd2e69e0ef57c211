"""Keep the book's notebooks tidy: ``python tools/book.py sync`` before committing.

* the first code cell of every notebook installs densenet_lab from the repository named in
  ``_config.yml`` (repository.url), so a fork changes that one line;
* outputs are stripped, except in cells tagged ``nbval-check-output`` (nbval's own cell tag,
  invisible in the rendered page), whose outputs nbval compares (run ``sync --execute`` to
  refresh them in the ci profile); an old ``# NBVAL_CHECK_OUTPUT`` comment becomes that tag;
* execution counts (but those of checked cells) and volatile metadata are cleared;
* an exercise's solution cell (nbgrader ``solution`` metadata, code) is collapsed in the
  rendered book behind a "Show solution" toggle (tag ``hide-input`` and myst-nb's prompts).

``python tools/book.py check`` reports what ``sync`` would change (the tests call it).
"""

from __future__ import annotations

import os
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


SOLUTION_PROMPTS = {"code_prompt_show": "Show solution", "code_prompt_hide": "Hide solution"}


def is_solution(cell: nbformat.NotebookNode) -> bool:
    """Whether this is an exercise's solution code cell (nbgrader metadata)."""
    return cell.cell_type == "code" and bool(cell.metadata.get("nbgrader", {}).get("solution"))


def tidy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The committed form of a notebook (see the module docstring)."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    if code and code[0].source.startswith(INSTALL_MARK):
        code[0].source = install_cell_source()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.pop("id", None)
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
    nb.nbformat, nb.nbformat_minor = 4, 4
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
        nb = tidy(nbformat.reads(text, as_version=4))
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
