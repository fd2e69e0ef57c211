"""Where ``densenet-lab bench`` and ``sweep`` write their results, and how; what each records
of where it ran (``environment``); and the plain-text tables the commands print.

The default place is ``results/`` under the current folder (the repository's root, where the
book looks for recorded sweeps and benchmarks). The folder is in ``.gitignore``: a result is
committed on purpose, with ``git add -f results/<file>``.

A result file is never overwritten: a second run the same day gets ``-2``, ``-3``, ... before
the ``.json``, and the file appears whole under a name nobody else holds (written to a
temporary file, then hard-linked under its name, which fails if the name exists).
"""

from __future__ import annotations

import itertools
import os
import platform
import sys
import tempfile
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch

RESULTS_DIR = Path("results")


def results_path(kind: str, environment: dict[str, Any], tag: str = "") -> Path:
    """``results/<kind>-<device>-<date><tag>.json``, named from an ``environment()`` record."""
    slug = "".join(c if c.isalnum() else "-" for c in environment["device"].split(" (")[0].lower()).strip("-")
    return RESULTS_DIR / f"{kind}-{slug}-{environment['date'][:10]}{tag}.json"


def check_out(out: str | Path | None, name: str = "--out") -> Path | None:
    """Refuse, before any work, an output the results could not be written to.

    ``out`` must name a new file (an existing file or folder is refused: results are never
    overwritten) in an existing, writable folder. ``None`` stands for the default folder,
    ``results/``, which must be a writable folder or not exist yet in a writable one.
    Returns ``out`` as a ``Path`` (or ``None``); checking creates nothing.
    """
    if out is None:
        folder = RESULTS_DIR if RESULTS_DIR.exists() else RESULTS_DIR.absolute().parent
        if not folder.is_dir():
            raise ValueError(f"the default results folder {RESULTS_DIR}/ is a file: move it, or pass {name} FILE")
        _check_writable(folder, f"the default results folder {RESULTS_DIR}/")
        return None
    path = Path(out)
    if path.is_dir():
        raise ValueError(f"{name} must be a file name, but {path} is a folder: pass e.g. {path / 'result.json'}")
    if path.exists() or path.is_symlink():
        raise ValueError(f"{name} {path} already exists and results are never overwritten: pass a new file name "
                         f"(or no {name}, for a new name under {RESULTS_DIR}/)")
    folder = path.absolute().parent
    if not folder.exists():
        raise ValueError(f"{name} {path}: the folder {folder} does not exist (create it first)")
    if not folder.is_dir():
        raise ValueError(f"{name} {path}: {folder} is not a folder")
    _check_writable(folder, f"{name} {path}")
    return path


def _check_writable(folder: Path, what: str) -> None:
    try:  # the only sure test: create (and remove) a file there
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as err:
        raise ValueError(f"{what}: cannot write in {folder} ({err.strerror or err})") from None


def write_new(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path``, or to ``<stem>-2<suffix>``, ``-3``, ... if that name is taken;
    never over an existing file, and never a half-written one. Returns the path written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        for n in itertools.count(1):
            candidate = path if n == 1 else path.with_name(f"{path.stem}-{n}{path.suffix}")
            if _claim(tmp, candidate, text):
                return candidate
    finally:
        os.unlink(tmp)
    raise AssertionError("unreachable")


def _claim(tmp: str, candidate: Path, text: str) -> bool:
    """Give ``candidate`` the content of ``tmp`` if no file has that name; ``False`` if one has."""
    try:
        os.link(tmp, candidate)  # atomic, and fails if the name exists
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links: exclusive creation instead
        try:
            with open(candidate, "x") as f:
                f.write(text)
        except FileExistsError:
            return False
    return True


def environment(device: torch.device, command: str | None = None) -> dict[str, Any]:
    """Where the figures come from: device, versions, date and the exact command."""
    info = {
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)",
        "torch": torch.__version__,
        "cuda": torch.version.cuda if device.type == "cuda" else None,
        "python": platform.python_version(),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": command or " ".join(sys.argv),
    }
    if device.type == "cuda":
        info["driver"] = torch.cuda.get_device_properties(device).name
    return info


def format_table(header: Sequence[str], rows: Sequence[Sequence[object]], align: str = "") -> str:
    """A plain-text table. ``align`` has an ``l`` or ``r`` per column (default: the first
    column left-aligned, the others right-aligned)."""
    align = align or "l" + "r" * (len(header) - 1)
    cells = [list(map(str, header))] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = []
    for n, row in enumerate(cells):
        line = "  ".join(c.ljust(w) if align[i] == "l" else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
        lines.append(line.rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
