"""Run folders: what a run keeps on disk, and the checks that keep two runs apart.

    run.json        every setting of the run (``fit``'s, and the command's model and data)
    checkpoint.pt   the state after the last finished epoch (see ``densenet_lab.checkpoint``)
    history.json    the metrics of every epoch, and the same as history.csv
    .lock           while a run trains: the owner's process id and host

``RunDir`` reads ``run.json`` once (again only after taking the lock, when another run may
have changed it), refuses a folder that holds another run or that a live run holds, and
checks in one place that a resumed run keeps its settings.
"""

from __future__ import annotations

import csv
import json
import os
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .checkpoint import CHECKPOINT, CheckpointError, atomic_write, atomic_write_text, save_checkpoint
from .recipes import Recipe, recipe_from_record

RUN_FILE = "run.json"
LOCK_FILE = ".lock"
_RUN_FILES = (CHECKPOINT, "history.json", "history.csv", RUN_FILE)

# What a resumed run keeps: these settings, as run.json records them. Its epochs may change
# (more extend the run) and so may its device (it says where, not what, to train).
KEPT_ON_RESUME = ("model", "data", "recipe", "image_size", "amp", "channels_last", "compile",
                  "memory_efficient", "seed", "deterministic", "world_size")

_RUN_TYPES = {  # what each recorded setting must be
    **dict.fromkeys(("model", "data"), str),
    **dict.fromkeys(("amp", "device", "fallback_for"), (str, type(None))),
    **dict.fromkeys(("image_size", "channels", "num_classes", "seed", "epochs", "batch_size", "world_size"), int),
    **dict.fromkeys(("channels_last", "compile", "deterministic", "memory_efficient"), bool),
    "lr": (int, float),
    "recipe": dict,
}


class RunDirError(ValueError):
    """The output folder holds a different run, is in use, or cannot be written; or its
    ``run.json`` is corrupt or contradicts the settings given."""


@dataclass
class History:
    """Per-epoch metrics: a list of dicts with ``epoch``, ``lr``, ``train_loss``,
    ``train_acc``, ``test_loss``, ``test_acc``, ``test_count``, ``seconds``,
    ``examples_per_s`` and ``peak_memory_mb``."""

    epochs: list[dict[str, Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.epochs)

    @property
    def last(self) -> dict[str, Any]:
        return self.epochs[-1]

    def column(self, key: str) -> list[Any]:
        return [e[key] for e in self.epochs]

    def add(self, epoch: int, lr: float, train: dict[str, float], test: dict[str, float],
            peak_memory_mb: float | None) -> None:
        """Record an epoch: ``train`` and ``test`` as ``train_one_epoch`` and ``evaluate`` give them."""
        self.epochs.append({
            "epoch": epoch, "lr": lr, "train_loss": train["loss"], "train_acc": train["acc"],
            "test_loss": test["loss"], "test_acc": test["acc"], "test_count": test["count"],
            "seconds": train["seconds"], "examples_per_s": train["count"] / train["seconds"],
            "peak_memory_mb": peak_memory_mb,
        })

    def save(self, out_dir: str | Path) -> None:
        """Write ``history.json`` and ``history.csv`` into ``out_dir``."""
        out = Path(out_dir)
        atomic_write_text(out / "history.json", json.dumps(self.epochs, indent=1))
        if self.epochs:
            def write_csv(tmp: str) -> None:
                with open(tmp, "w", newline="") as f:
                    writer = csv.DictWriter(f, fieldnames=list(self.epochs[0]))
                    writer.writeheader()
                    writer.writerows(self.epochs)

            atomic_write(out / "history.csv", write_csv)


def resume_view(record: Mapping[str, Any]) -> dict[str, Any]:
    """The settings in ``record`` that a resumed run must keep (``KEPT_ON_RESUME``), flat: the
    recipe's name as ``"recipe"`` and its fields as ``"recipe batch_size"``, ``"recipe lr"``...
    without its epochs."""
    view: dict[str, Any] = {}
    for key in KEPT_ON_RESUME:
        if key == "recipe" and isinstance(record.get(key), dict):
            recipe = record[key]
            view.update({("recipe" if k == "name" else f"recipe {k}"): v for k, v in recipe.items() if k != "epochs"})
        elif key in record:
            view[key] = record[key]
    return view


def check_world_size(out: str | Path, recorded: int, world: int) -> None:
    """Refuse to continue a run of ``recorded`` processes with ``world`` processes."""
    if recorded != world:
        how = f"torchrun --nproc_per_node {recorded}" if recorded > 1 else "one process (without torchrun)"
        raise RunDirError(f"{out} was trained by {recorded} process(es), so {world} cannot continue it exactly "
                          f"(each holds its own share of the data order and random state): resume it with {how}")


def _contradiction(out: Path, key: str, value: Any, recorded: Any, flag: str | None) -> str:
    """Why a run cannot be resumed with ``value``: named as ``fit``'s setting, or by its ``flag``."""
    if flag is None:
        return (f"cannot resume {out} with {key} {value!r}: the run trains with {key} {recorded!r} "
                f"(see {out / RUN_FILE}); leave it unset to continue the run, or start a new one")
    asked = flag if isinstance(value, bool) else f"{flag} {value}"
    had = ((f"with {flag}" if recorded else f"without {flag}") if isinstance(recorded, bool) or recorded is None
           else f"with {flag} {recorded}")
    return (f"cannot resume {out} with {asked}: the run trains {had}; "
            f"leave {flag} out to continue it as it was, or start a new run with --out")


class RunDir:
    """A run folder (see the module docstring). ``RunDir(path)`` touches nothing on disk."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.run_file = self.path / RUN_FILE
        self.checkpoint = self.path / CHECKPOINT
        self._record: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    def has_run(self) -> bool:
        return self.run_file.is_file()

    def record(self, required: tuple[str, ...] = ()) -> dict[str, Any]:
        """The settings recorded in ``run.json`` (read once); ``RunDirError`` naming the file when
        it is missing, not JSON, of the wrong types, or lacks one of the ``required`` keys."""
        if self._record is None:
            self._record = self._read()
        for key in required:
            if key not in self._record:
                raise RunDirError(f"{self.run_file} is incomplete: it has no {key!r}")
        return self._record

    def _read(self) -> dict[str, Any]:
        if not self.run_file.is_file():
            raise RunDirError(f"{self.path} holds no densenet-lab run: it has no {RUN_FILE}")
        try:
            run = json.loads(self.run_file.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise RunDirError(f"{self.run_file} is corrupt ({type(err).__name__}: {err}): "
                              "it cannot say what the run was") from None
        if not isinstance(run, dict):
            raise RunDirError(f"{self.run_file} is corrupt: it holds a {type(run).__name__}, not the run's settings")
        for key, kinds in _RUN_TYPES.items():
            if key in run and not isinstance(run[key], kinds):
                raise RunDirError(f"{self.run_file} is corrupt: its {key!r} is {run[key]!r}")
        return run

    def recipe(self) -> Recipe:
        """The resolved ``Recipe`` the run recorded (its name, epochs, batch size, learning rate...)."""
        try:
            return recipe_from_record(self.record().get("recipe"))
        except (TypeError, ValueError, AttributeError) as err:
            raise RunDirError(f"{self.run_file} is corrupt or incomplete: its 'recipe' ({err})") from None

    def check_resume(self, given: Mapping[str, Any], flags: Mapping[str, str] | None = None) -> None:
        """Raise ``RunDirError`` at the first setting in ``given`` that the run recorded otherwise.

        ``given`` holds settings as ``resume_view`` gives them (leave out what was not given);
        ``flags`` names them in the message as the command's flags (``{"recipe batch_size":
        "--batch"}``), else they are named as ``fit``'s settings.
        """
        recorded = resume_view(self.record())
        for key, value in given.items():
            if key in recorded and value != recorded[key]:
                if key == "world_size":
                    check_world_size(self.path, recorded[key], value)
                raise RunDirError(_contradiction(self.path, key, value, recorded[key], flags and flags[key]))

    def check(self, *, resume: bool = False, force: bool = False) -> None:
        """Raise unless this folder may take a run: one that already holds another run is refused
        unless ``force`` (start over) or ``resume``; ``resume`` needs a run to continue."""
        out = self.path
        if out.exists() and not out.is_dir():
            raise RunDirError(f"{out} is a file, not a run folder: choose a folder for --out")
        if force:
            return
        if self.run_file.exists():
            earlier = self.record()
            if not resume:
                raise RunDirError(
                    f"{out} already holds a run ({earlier.get('model')} on {earlier.get('data')}): "
                    f"pass --resume {out} to continue it, --force to overwrite it, or choose another --out"
                )
        elif resume:
            raise CheckpointError(f"nothing to resume in {out}: it has no {RUN_FILE}")
        elif out.exists() and any(p.name != LOCK_FILE for p in out.iterdir()):
            raise RunDirError(f"{out} is not empty and holds no densenet-lab run: choose another --out or pass --force")

    def prepare(self, run: dict[str, Any], *, resume: bool = False, force: bool = False) -> None:
        """Check the folder (see ``check``), create it and record ``run`` in ``run.json`` (on
        resume: the earlier record, updated, with the command added to ``resumed_with``);
        ``force`` first removes the earlier run's checkpoint and history. Call it holding
        ``lock()``: it also removes temporary files that a killed run left."""
        self.check(resume=resume, force=force)
        out = self.path
        out.mkdir(parents=True, exist_ok=True)
        for name in _RUN_FILES:
            for tmp in out.glob(f".{name}.*.tmp"):
                tmp.unlink(missing_ok=True)
        if force and not resume:
            for name in (CHECKPOINT, "history.json", "history.csv"):
                (out / name).unlink(missing_ok=True)
        if resume and self.has_run():
            earlier = self.record()
            command = run.get("command")
            run = {**earlier, **{k: v for k, v in run.items() if k != "command"}}
            if command and command != earlier.get("command"):
                run["resumed_with"] = [*earlier.get("resumed_with", []), command]
        text = json.dumps(run, indent=1)
        atomic_write_text(self.run_file, text)
        self._record = json.loads(text)

    def save_epoch(self, state: dict[str, Any], history: History) -> None:
        """Write the checkpoint, then the history (each atomically)."""
        save_checkpoint(self.checkpoint, state)
        history.save(self.path)

    @contextmanager
    def lock(self) -> Iterator[RunDir]:
        """Hold this folder for this process: create it and its lock file (with our process id),
        and remove the lock on exit. A folder that a live process holds is refused with
        ``RunDirError``; a lock left by a process that has died is taken over. Re-entrant
        within a process. A folder that cannot be created or written is refused, naming it."""
        out = self.path
        if out.exists() and not out.is_dir():
            raise RunDirError(f"{out} is a file, not a run folder: choose a folder for --out")
        key = out.resolve()
        if key in _HELD_LOCKS:
            yield self
            return
        me = _take_lock(out)
        _HELD_LOCKS.add(key)
        self._record = None  # read run.json again, now that no other run can change it
        try:
            yield self
        finally:
            _HELD_LOCKS.discard(key)
            try:
                if (out / LOCK_FILE).read_text() == me:
                    (out / LOCK_FILE).unlink()
            except OSError:
                pass


_HELD_LOCKS: set[Path] = set()


def _take_lock(out: Path) -> str:
    """Create ``out`` and its lock file holding our process id and host; returns that text."""
    lock = out / LOCK_FILE
    me = f"{os.getpid()} {socket.gethostname()}\n"
    try:
        out.mkdir(parents=True, exist_ok=True)
        for _ in range(3):
            try:
                fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                _check_stale_lock(lock)  # raises while its owner lives
                lock.unlink(missing_ok=True)
                continue
            with os.fdopen(fd, "w") as f:
                f.write(me)
            return me
        raise RunDirError(f"{out} is being taken by another run at this moment: try again")
    except OSError as err:
        raise RunDirError(f"cannot write to the run folder {out} ({err.strerror or err}): "
                          "choose a folder you may write to for --out") from None


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine (where that cannot be told: assume so)."""
    if os.name == "nt":
        try:
            import psutil
        except ImportError:
            return True
        return psutil.pid_exists(pid)
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, owned by another user
    return True


def _check_stale_lock(lock: Path) -> None:
    """Raise ``RunDirError`` unless ``lock`` was left by a process that no longer runs."""
    try:
        pid_text, host = lock.read_text().split()
        pid = int(pid_text)
    except (OSError, ValueError):
        return  # unreadable or half-written by a process that died at once: stale
    if host != socket.gethostname():
        raise RunDirError(f"{lock.parent} is in use by a densenet-lab run on {host} (process {pid}): "
                          f"wait for it to finish; if no run uses the folder any more, delete {lock}")
    if pid != os.getpid() and _alive(pid):
        raise RunDirError(f"{lock.parent} is in use by another densenet-lab run (process {pid}): "
                          f"wait for it to finish or stop it; if no run uses the folder, delete {lock}")
