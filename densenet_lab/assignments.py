"""Student versions of the chapter notebooks, and grading of the notebooks students hand back.

``densenet-lab assignments release`` and ``grade`` call :func:`release` and :func:`grade`; they need
the ``instructor`` extra (``pip install "densenet-lab[instructor]"``: nbgrader, nbconvert, nbclient).

* **release** runs nbgrader's own preprocessors on each chapter notebook: solution regions become
  ``raise NotImplementedError()`` (a written answer becomes ``YOUR ANSWER HERE``), hidden tests are
  removed, outputs cleared and grade cells locked. Every other cell, the install cell included,
  stays as it is, so a released notebook runs on Colab.
* **grade** takes ``DIR/<student>/<notebook>.ipynb`` (or ``DIR/<student>__<notebook>.ipynb``), puts
  the instructor's grade cells back into each submission (checks *and* hidden tests, matched by
  nbgrader ``grade_id`` as ``nbgrader autograde`` does), executes it in a process of its own, in a
  fresh temporary folder, without network and with a time limit, and scores each grade cell: its
  points when it ran without an error, else 0 and the reason. Submissions are only read.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from .exercises.messages import GOT_LABELS

SOLUTION_BEGIN = "### BEGIN SOLUTION"
HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
TEXT_STUB = "YOUR ANSWER HERE"
PROFILE = "ci"  # submissions run in the ci profile: seconds per notebook
CLOSED_PROXY = "http://127.0.0.1:9"  # the discard port: nothing listens, so every request fails
BACKSTOP_S = 120  # after the time limit, how long the runner gets to stop by itself before it is killed
NETWORK_VARS = ("http_proxy", "https_proxy", "ftp_proxy", "all_proxy",
                "HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "ALL_PROXY")


@dataclass(frozen=True)
class Row:
    """One line of grades.csv: one student's result on one exercise (one grade cell)."""

    student: str
    notebook: str
    grade_id: str
    points: float | str  # "" for an answer a person still has to grade
    max_points: float
    status: str  # passed, failed, manual or error
    reason: str


# ---------------------------------------------------------------- notebooks and chapters


def _nbgrader(cell: NotebookNode) -> dict[str, Any]:
    return cell.metadata.get("nbgrader", {})


def grade_cells(nb: NotebookNode) -> list[NotebookNode]:
    """The cells that carry points (checks, and answers graded by a person), in order."""
    return [c for c in nb.cells if _nbgrader(c).get("grade") and _nbgrader(c).get("grade_id")]


def default_source() -> Path:
    """The ``book/`` folder of the clone the package runs from."""
    book = Path(__file__).resolve().parents[1] / "book"
    if not book.is_dir():
        raise ValueError(f"no book/ folder next to the package ({book} is missing; installed from a wheel?): "
                         "pass --source PATH/TO/densenet-lab/book from a clone of the repository")
    return book


def chapter_notebooks(source: Path, lang: str) -> dict[int, Path]:
    """The chapter notebooks ``source/<lang>/NN_*.ipynb`` by chapter number; checks ``lang``."""
    langs = sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("[0-9]*.ipynb")))
    if lang not in langs:
        raise ValueError(f"--lang must be one of {', '.join(langs) or '(none: no notebooks in ' + str(source) + ')'}"
                         f", got {lang!r}")
    found = {}
    for path in sorted((source / lang).glob("[0-9][0-9]_*.ipynb")):
        found[int(path.name[:2])] = path
    return found


def parse_chapters(text: str, available: Iterable[int]) -> list[int]:
    """``"3,4"`` -> ``[3, 4]``; anything else is a ValueError naming ``--chapters`` and the choices."""
    allowed = sorted(available)
    choices = ", ".join(map(str, allowed))
    try:
        chapters = [int(part) for part in text.split(",")]
    except ValueError:
        raise ValueError(f"--chapters must be comma-separated chapter numbers from {choices}, got {text!r}") from None
    for n in chapters:
        if n not in allowed:
            raise ValueError(f"--chapters: there is no chapter {n}; choose from {choices}")
    return sorted(set(chapters))


# ---------------------------------------------------------------- release


def release_notebook(nb: NotebookNode, name: str = "notebook") -> NotebookNode:
    """The student version of ``nb`` (a copy), made by nbgrader's preprocessors."""
    from nbgrader.preprocessors import CheckCellMetadata, ClearHiddenTests, ClearOutput, ClearSolutions, LockCells

    nb = nbformat.from_dict(json.loads(json.dumps(nb)))  # a deep copy
    resources: dict[str, Any] = {}
    for step in (LockCells(), ClearSolutions(), ClearOutput(), ClearHiddenTests(), CheckCellMetadata()):
        try:
            nb, resources = step.preprocess(nb, resources)
        except Exception as err:  # nbgrader's word on a malformed exercise (RuntimeError, jsonschema's error)
            detail = str(err).splitlines()[0] if str(err) else type(err).__name__
            raise ValueError(f"{name}: {detail}") from None
    for i, cell in enumerate(nb.cells):  # nbgrader raised on any region outside its cells; make sure
        if SOLUTION_BEGIN in cell.source or HIDDEN_BEGIN in cell.source:
            raise ValueError(f"{name}: cell {i} still holds a solution or hidden tests after release")
    return nb


def release(source: Path, lang: str, chapters: Sequence[int], out: Path, *, force: bool = False) -> list[Path]:
    """Write the student versions of ``chapters`` into ``out``; returns the files written.

    ``out`` must be new or empty: with ``force`` the notebooks of the same names are replaced
    and every other file in ``out`` is left alone.
    """
    notebooks = chapter_notebooks(source, lang)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file: give a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ValueError(f"--out {out} is not empty: choose a new folder, or pass --force to replace the "
                         "notebooks of the same names in it (other files are kept)")
    released = {n: release_notebook(nbformat.read(notebooks[n], as_version=4), notebooks[n].name) for n in chapters}
    out.mkdir(parents=True, exist_ok=True)  # only once every notebook released without an error
    written = []
    for n, nb in released.items():
        path = out / notebooks[n].name
        nbformat.write(nb, path)
        written.append(path)
    return written


# ---------------------------------------------------------------- grade: find and rebuild


# Colab's name for a copy of X.ipynb in its English, Korean and Chinese interfaces (Drive's too)
COPY_NAMES = (r"Copy of (?P<name>.+)", r"(?P<name>.+?\.ipynb) ?의 사본", r"(?P<name>.+?\.ipynb) ?的副本")


def _released_name(filename: str, names: Iterable[str]) -> str | None:
    """The released notebook a file is, allowing for a download's " (1)" and Colab's copy names:
    "Copy of X.ipynb", "X.ipynb의 사본" and "X.ipynb的副本" (also with ".ipynb" added after them)."""
    stem = re.sub(r" ?\(\d+\)(?=\.ipynb$)", "", filename)
    for form in COPY_NAMES:
        if match := re.fullmatch(form + r"(?:\.ipynb)?", stem):
            stem = match["name"] if match["name"].endswith(".ipynb") else match["name"] + ".ipynb"
            break
    stem = re.sub(r" ?\(\d+\)(?=\.ipynb$)", "", stem)
    return stem if stem in set(names) else None


def _is_notebook_name(filename: str) -> bool:
    """``*.ipynb``, or a Colab copy name without the suffix ("X.ipynb의 사본", "X.ipynb的副本")."""
    return filename.endswith(".ipynb") or any(re.fullmatch(form, filename) for form in COPY_NAMES[1:])


def find_submissions(folder: Path) -> list[tuple[str, Path, str]]:
    """``(student, file, notebook name)`` for ``folder/<student>/<name>.ipynb`` and
    ``folder/<student>__<name>.ipynb``; a student folder without notebooks gives ``(student, folder, "")``."""
    if not folder.is_dir():
        raise ValueError(f"the submissions folder {folder} does not exist or is not a folder")
    found = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            files = [p for p in sorted(entry.iterdir()) if p.is_file() and _is_notebook_name(p.name)]
            found += [(entry.name, p, p.name) for p in files] or [(entry.name, entry, "")]
        elif _is_notebook_name(entry.name) and "__" in entry.name:
            student, _, name = entry.name.partition("__")
            found.append((student, entry, name))
    return found


def _restore(submission: NotebookNode, source: NotebookNode) -> NotebookNode:
    """The notebook to execute: the student's cells, with the instructor's grade cells put back.

    A grade cell (check) gets the instructor's source and metadata whatever the student did to
    it; a deleted one is inserted again after the cell before it in the instructor's notebook.
    An answer cell keeps the student's text and gets the instructor's metadata (so its points
    cannot change); a deleted answer cell comes back as the released placeholder. A grade_id
    the instructor's notebook does not know, or a second copy of one, loses its metadata.
    """
    reference = {_nbgrader(c)["grade_id"]: c for c in source.cells if _nbgrader(c).get("grade_id")}
    stubs = {_nbgrader(c)["grade_id"]: c for c in release_notebook(source).cells if _nbgrader(c).get("grade_id")}
    cells, seen = [], set()
    for cell in submission.cells:
        gid = _nbgrader(cell).get("grade_id")
        cell = nbformat.from_dict(json.loads(json.dumps(cell)))
        if gid in reference and gid not in seen:
            seen.add(gid)
            ref = reference[gid]
            if not _nbgrader(ref).get("solution"):  # a check: the instructor's, hidden tests included
                cell.source = ref.source
            cell.metadata["nbgrader"] = dict(_nbgrader(ref))
            cell.cell_type = ref.cell_type
            if cell.cell_type == "markdown":
                cell.pop("outputs", None), cell.pop("execution_count", None)
            elif "outputs" not in cell:
                cell.outputs, cell.execution_count = [], None
        else:
            cell.metadata.pop("nbgrader", None)
        cells.append(cell)
    order = list(reference)
    for k, gid in enumerate(order):  # put back what the student deleted, in the instructor's order
        if gid in seen:
            continue
        back = reference[gid] if not _nbgrader(reference[gid]).get("solution") else stubs[gid]
        back = nbformat.from_dict(json.loads(json.dumps(back)))
        before = [g for g in order[:k] if g in seen]
        at = next((i + 1 for i, c in enumerate(cells) if before and _nbgrader(c).get("grade_id") == before[-1]), None)
        if at is None:  # nothing before it survived: just before the first cell after it, else at the end
            after = [g for g in order[k + 1:] if g in seen]
            at = next((i for i, c in enumerate(cells) if after and _nbgrader(c).get("grade_id") == after[0]),
                      len(cells))
        cells.insert(at, back)
        seen.add(gid)
    nb = nbformat.v4.new_notebook(metadata=source.metadata)
    nb.cells = cells
    for cell in nb.cells:
        cell.pop("id", None)
    nb.nbformat_minor = 4
    return nb


# ---------------------------------------------------------------- grade: execute


def network_isolation() -> tuple[list[str], str]:
    """The command prefix that runs a process without network, and a phrase saying how."""
    unshare = shutil.which("unshare")
    if unshare:
        prefix = [unshare, "--net", "--map-root-user"]
        try:
            ok = subprocess.run([*prefix, "true"], capture_output=True, timeout=30).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            ok = False
        if ok:
            return prefix, "off (a network namespace of its own, unshare --net)"
    return [], f"blocked by proxy variables pointing at a closed port ({CLOSED_PROXY}; unshare --net is not allowed)"


def execute(nb: NotebookNode, timeout: float, workdir: Path, prefix: Sequence[str] = ()) -> tuple[NotebookNode, dict]:
    """Run ``nb`` in a new process (``python -m densenet_lab.assignments``) inside ``workdir``.

    Returns the notebook with the outputs of every cell that ran, and how the run ended:
    ``{"stopped": None}``, or ``{"stopped": "timeout" | "kernel died", "cell": i}``.
    """
    src, dst, status = workdir / "submission.ipynb", workdir / "executed.ipynb", workdir / "status.json"
    nbformat.write(nb, src)
    env = {k: v for k, v in os.environ.items() if k not in NETWORK_VARS and k.lower() != "no_proxy"}
    env.update({k: CLOSED_PROXY for k in NETWORK_VARS}, no_proxy="", NO_PROXY="", PIP_NO_INDEX="1",
               HF_HUB_OFFLINE="1", DENSENET_LAB_PROFILE=PROFILE, MPLBACKEND="Agg", PYTHONNOUSERSITE="1")
    command = [*prefix, sys.executable, "-m", "densenet_lab.assignments", str(src), str(dst), str(status), str(timeout)]
    killed = False
    with (workdir / "runner.log").open("wb") as log, subprocess.Popen(
            command, cwd=workdir, env=env, stdout=log, stderr=log, start_new_session=True) as runner:
        try:
            runner.wait(timeout=timeout + BACKSTOP_S)  # the runner stops at the time limit itself
        except subprocess.TimeoutExpired:  # it hung: stop it and its kernel (a session of its own)
            pids = [runner.pid] + ([int(kernel.read_text())] if (kernel := workdir / "kernel.pid").exists() else [])
            for pid in pids:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except OSError:
                    pass
            runner.wait()
            killed = True
    executed = nbformat.read(dst, as_version=4) if dst.exists() else nb
    if status.exists():
        ended = json.loads(status.read_text())
    else:  # killed at the backstop, or the runner itself failed (runner.log says why)
        ended = {"stopped": "timeout" if killed else "kernel died", "cell": None}
    return executed, ended


def _bring_loopback_up() -> None:
    """In a new network namespace the loopback device is down: bring it up (kernel and student
    code may talk to 127.0.0.1), where allowed. Linux only; anything else is left as it is."""
    try:
        import fcntl
        import socket
        import struct

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            request = struct.pack("16sH", b"lo", 0)
            flags = struct.unpack("16sH", fcntl.ioctl(s, 0x8913, request)[:18])[1]  # SIOCGIFFLAGS
            if not flags & 1:
                fcntl.ioctl(s, 0x8914, struct.pack("16sH", b"lo", flags | 1))  # SIOCSIFFLAGS, IFF_UP
    except (ImportError, OSError):
        pass


def _run(src: str, dst: str, status: str, timeout: str) -> None:
    """The grading process: execute ``src`` cell by cell, saving after each cell to ``dst``."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    _bring_loopback_up()
    here = Path(src).parent
    kernels = here / "jupyter" / "kernels" / "python3"  # this interpreter, whatever else is installed
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3", "language": "python"}))
    os.environ.update(JUPYTER_PATH=str(here / "jupyter"), JUPYTER_RUNTIME_DIR=str(here / "runtime"),
                      IPYTHONDIR=str(here / "ipython"))
    nb = nbformat.read(src, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=float(timeout),
                            resources={"metadata": {"path": str(here)}})
    deadline, ended = time.monotonic() + float(timeout), {"stopped": None}
    try:
        with client.setup_kernel():
            Path(here / "kernel.pid").write_text(str(client.km.provisioner.pid))
            for i, cell in enumerate(nb.cells):
                client.timeout = max(1, int(deadline - time.monotonic()))
                try:
                    client.execute_cell(cell, i)
                except CellTimeoutError:
                    ended = {"stopped": "timeout", "cell": i}
                    break
                except DeadKernelError:
                    ended = {"stopped": "kernel died", "cell": i}
                    break
                nbformat.write(nb, dst)
    except (DeadKernelError, RuntimeError) as err:  # the kernel did not start, or died on the way out
        ended = ended if ended["stopped"] else {"stopped": "kernel died", "cell": None, "error": str(err)[:200]}
    nbformat.write(nb, dst)
    Path(status).write_text(json.dumps(ended))


# ---------------------------------------------------------------- grade: score


def _error_of(cell: NotebookNode) -> tuple[str, str] | None:
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            return output.ename, output.evalue
    return None


# an ExerciseError whose "Got:" line (in any language) is the placeholder's NotImplementedError
_PLACEHOLDER_GOT = "(?m)^(?:" + "|".join(re.escape(label) for label in GOT_LABELS.values()) + r")\s*NotImplementedError"


def _reason(ename: str, evalue: str) -> str:
    """One line from an error: an ExerciseError's Expected / Got / Hint lines, or ``Name: message``."""
    if ename in ("NotImplementedError", "NotAnswered") or re.search(_PLACEHOLDER_GOT, str(evalue)):
        return "not answered"  # the placeholder of the released notebook is still there
    lines = [" ".join(line.split()) for line in str(evalue).splitlines() if line.strip()]
    if not lines:
        return "an assert in the check failed" if ename == "AssertionError" else ename
    text = "; ".join(lines[:3]) if ename in ("ExerciseError", "AssertionError") else f"{ename}: {lines[-1]}"
    return text if len(text) <= 300 else text[:297] + "..."


def score(student: str, name: str, nb: NotebookNode, ended: dict, timeout: float) -> list[Row]:
    """The rows of one executed notebook (its grade cells restored by ``_restore``)."""
    stop = ended.get("cell")
    why = f"timed out after {timeout:g} s" if ended["stopped"] == "timeout" else "the kernel died"
    rows, answer_error = [], None
    for i, cell in enumerate(nb.cells):
        meta = _nbgrader(cell)
        ran = cell.cell_type == "code" and cell.get("execution_count") is not None and (stop is None or i < stop)
        if cell.cell_type == "code" and meta.get("solution") and not meta.get("grade"):
            answer_error = _error_of(cell) if ran else None  # the answer the next check runs
            continue
        if not (meta.get("grade") and meta.get("grade_id")):
            continue
        gid, points = meta["grade_id"], float(meta.get("points", 0))
        if cell.cell_type == "markdown":  # an answer in words: a person grades it
            answered = cell.source.strip() not in ("", TEXT_STUB)
            rows.append(Row(student, name, gid, "" if answered else 0.0, points, "manual" if answered else "failed",
                            "to grade by hand" if answered else "not answered"))
            continue
        error = _error_of(cell)
        if not ran:
            where = " in this cell" if i == stop else ""
            rows.append(Row(student, name, gid, 0.0, points, "error", why + where if ended["stopped"] else "not run"))
        elif error is None:
            rows.append(Row(student, name, gid, points, points, "passed", ""))
        elif answer_error and answer_error[0] == "NotImplementedError" or error[0] == "NotAnswered":
            rows.append(Row(student, name, gid, 0.0, points, "failed", "not answered"))
        elif answer_error and error[0] != "ExerciseError":
            reason = f"the answer cell raised {_reason(*answer_error)}"
            rows.append(Row(student, name, gid, 0.0, points, "failed", reason))
        else:
            rows.append(Row(student, name, gid, 0.0, points, "failed", _reason(*error)))
        answer_error = None
    return rows


def _error_rows(student: str, name: str, source: NotebookNode, reason: str) -> list[Row]:
    """A row per grade cell of ``source``, each with 0 points and the same reason."""
    return [Row(student, name, _nbgrader(c)["grade_id"], 0.0, float(_nbgrader(c).get("points", 0)), "error", reason)
            for c in grade_cells(source)]


def grade_submission(student: str, path: Path, filename: str, sources: dict[str, Path], timeout: float,
                     prefix: Sequence[str] = ()) -> list[Row]:
    """The rows of one submitted file; nothing in the file can make it raise."""
    if not filename:
        return [Row(student, "", "", 0.0, 0.0, "error", "no notebook (.ipynb) in this student's folder")]
    name = _released_name(filename, sources)
    if name is None:
        return [Row(student, filename, "", 0.0, 0.0, "error",
                    f"not a released notebook name: expected one of {', '.join(sorted(sources))}")]
    source = nbformat.read(sources[name], as_version=4)
    try:
        submission = nbformat.reads(path.read_bytes().decode("utf-8"), as_version=4)
    except (UnicodeDecodeError, json.JSONDecodeError, nbformat.reader.NotJSONError):
        return _error_rows(student, name, source, "notebook is not valid JSON")
    except Exception as err:  # JSON, but not a notebook
        return _error_rows(student, name, source, f"not a notebook nbformat can read ({type(err).__name__})")
    try:
        nb = _restore(submission, source)
    except Exception as err:  # e.g. cells that are not cells
        return _error_rows(student, name, source, f"not a notebook nbformat can read ({type(err).__name__})")
    with tempfile.TemporaryDirectory(prefix="densenet-lab-grade-") as tmp:
        executed, ended = execute(nb, timeout, Path(tmp), prefix)
    return score(student, name, executed, ended, timeout)


def _csv_row(row: Row) -> list[str]:
    return [f"{v:g}" if isinstance(v, float) else v for v in astuple(row)]


def grade(folder: Path, out: Path, *, timeout: float = 300, lang: str = "en", source: Path | None = None,
          force: bool = False, log=print) -> list[Row]:
    """Grade every submission in ``folder`` and write ``out`` (CSV, one row per student and exercise)."""
    source = source or default_source()
    sources = {p.name: p for p in chapter_notebooks(source, lang).values()}
    if out.exists() and not force:
        raise ValueError(f"--out {out} exists: choose a new file name, or pass --force to replace it")
    if timeout <= 0:
        raise ValueError(f"--timeout must be a number of seconds > 0, got {timeout:g}")
    submissions = find_submissions(folder)
    for name in {_released_name(n, sources) for _, _, n in submissions} - {None}:
        release_notebook(nbformat.read(sources[name], as_version=4), name)  # your notebooks first: a clear error
    prefix, how = network_isolation()
    log(f"grading {len(submissions)} notebooks in {folder} (profile {PROFILE}, at most {timeout:g} s each, "
        f"network {how})")
    rows: list[Row] = []
    for student in sorted({s for s, _, _ in submissions}):
        mine = [r for s, path, filename in submissions if s == student
                for r in grade_submission(s, path, filename, sources, timeout, prefix)]
        rows += mine
        got = sum(r.points for r in mine if isinstance(r.points, float))
        auto = sum(r.max_points for r in mine if r.status != "manual")
        manual = sum(r.max_points for r in mine if r.status == "manual")
        by_reason: dict[str, list[str]] = {}
        for r in mine:
            if r.status in ("failed", "error"):
                by_reason.setdefault(r.reason, []).append(r.grade_id or r.notebook)
        lost = [f"{', '.join(ids)} ({why})" if len(ids) <= 3 else f"{len(ids)} exercises ({why})"
                for why, ids in by_reason.items()]
        log(f"{student}: {got:g} / {auto:g} points" + (f", {manual:g} more to grade by hand" if manual else "")
            + (f"; lost: {'; '.join(lost)}" if lost else ""))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([field.name for field in fields(Row)])
        writer.writerows(_csv_row(r) for r in rows)
    log(f"wrote {len(rows)} rows to {out}")
    return rows


if __name__ == "__main__":  # the grading process started by execute()
    _run(*sys.argv[1:])
