"""Checkpoints: written atomically, read safely, and refused with a clear reason.

A checkpoint is a dict of tensors (and plain numbers, lists and dicts) with a format tag.
It is written to a new temporary file beside the real one, which then replaces it: a crash
or a full disk never leaves a broken checkpoint, only the previous one. It is read with
``torch.load(..., weights_only=True)``, which refuses any pickled Python object, so that a
checkpoint from elsewhere cannot run code.
"""

from __future__ import annotations

import errno
import os
import pickle
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

CHECKPOINT = "checkpoint.pt"  # its name in a run folder
FORMAT = "densenet-lab/checkpoint"


class CheckpointError(ValueError):
    """A checkpoint is missing, corrupt, or not one of ours."""


class SaveError(OSError):
    """A file of the run could not be written (a full disk, say); the previous one is kept."""


def _new_temporary(path: Path) -> tuple[int, str]:
    """Create an empty file beside ``path`` with a fresh, unpredictable name; return its open
    descriptor and name. It is created exclusively (never through a planted symlink) and with
    the permissions ``open()`` gives a new file: the process's umask applies as it is now."""
    for _ in range(100):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666), str(tmp)
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no fresh name for a temporary file", str(path.parent))


def atomic_write(path: Path, write: Callable[[str], None]) -> None:
    """Write ``path`` atomically: ``write(tmp)`` fills a new temporary file in the same folder,
    which then replaces ``path``. On any failure the temporary file is removed and the
    previous ``path`` stays. An ``OSError`` (a full disk, say) becomes ``SaveError``."""
    tmp = None
    try:
        fd, tmp = _new_temporary(path)
        try:
            write(tmp)
            os.fsync(fd)  # the data on disk before the rename makes it the real file
        finally:
            os.close(fd)
        os.replace(tmp, path)  # atomic on POSIX and Windows: the old file or the new, never half
    except BaseException as err:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError) and not isinstance(err, SaveError):
            reason = err.strerror or str(err) or type(err).__name__
            if err.errno == errno.ENOSPC:
                reason += ": the disk is full"
            failure = SaveError(f"could not write {path} ({reason}); the previous {path.name}, if any, is kept")
            failure.errno = err.errno
            raise failure from err
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda tmp: Path(tmp).write_text(text))


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> None:
    """Write ``state`` to ``path`` atomically: to a new temporary file, then rename over it.

    Raises ``SaveError`` (an ``OSError``) when the file cannot be written, e.g. on a full
    disk; the temporary file is removed and the previous checkpoint stays as it was.
    """
    atomic_write(Path(path), lambda tmp: torch.save({"format": FORMAT, "version": 1, **state}, tmp))


def describe_load_error(err: BaseException) -> str:
    """A one-line reason for a failed ``torch.load``, without torch's advice to load the file
    with ``weights_only=False`` (which would run whatever code the file holds)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(err))
    if "Weights only load failed" in text:
        found = re.search(r"Unsupported global: GLOBAL ([\w.]+)", text)
        what = f" such as {found.group(1)}" if found else ""
        return f"it holds Python objects{what}, not only tensors, and such files are not loaded"
    first = text.strip().splitlines()[0] if text.strip() else ""
    if "weights_only" in first:  # never pass on the advice to switch the safety off
        first = ""
    return f"{type(err).__name__}: {first}" if first else type(err).__name__


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Load a checkpoint written by ``save_checkpoint`` (tensors only: ``weights_only=True``).

    ``path`` may be the file or its run folder. Raises ``CheckpointError`` with a clear
    message when it is missing, corrupt or foreign.
    """
    path = Path(path)
    if path.is_dir():
        path = path / CHECKPOINT
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, OSError, ValueError) as err:
        reason = describe_load_error(err)
        raise CheckpointError(f"{path} is corrupt or not a densenet-lab checkpoint ({reason})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a densenet-lab checkpoint (it has no '{FORMAT}' format tag)")
    return state


def state_part(state: dict[str, Any], key: str, path: str | Path) -> Any:
    """``state[key]``, or ``CheckpointError`` naming ``path`` when the checkpoint lacks it."""
    if key not in state:
        raise CheckpointError(f"{path} is incomplete: it has no {key!r}, so the run cannot continue from it")
    return state[key]


def load_model_state(model: nn.Module, state: dict[str, Any], path: str | Path) -> None:
    """Load ``state["model"]`` into ``model``, or raise ``CheckpointError`` naming ``path`` when
    the checkpoint has no weights or holds another model's (missing, extra or reshaped ones)."""
    weights = state.get("model")
    if not isinstance(weights, dict):
        raise CheckpointError(f"{path} is incomplete: it holds no model weights")
    own = model.state_dict()
    missing = [k for k in own if k not in weights]
    extra = [k for k in weights if k not in own]
    reshaped = [k for k in own if k in weights and tuple(weights[k].shape) != tuple(own[k].shape)]
    if missing or extra or reshaped:
        parts = [f"{len(names)} {what} (e.g. {names[0]})" for names, what in
                 ((missing, "missing weights"), (extra, "unexpected weights"), (reshaped, "weights of another shape"))
                 if names]
        raise CheckpointError(f"{path} does not hold this model's weights: {', '.join(parts)}; "
                              "it was written for another model or another data set's classes or channels")
    model.load_state_dict(weights)
