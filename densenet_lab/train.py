"""One training loop for the notebooks and the ``densenet-lab train`` command.

    >>> from densenet_lab import create_model, data, train
    >>> ds = data.load_data("digits")
    >>> history = train.fit(create_model("densenet_bc100_k12", image_channels=1), ds, "quick")

It picks the device (CUDA, Apple MPS, CPU), can use mixed precision (bf16, or fp16 with a
gradient scaler), ``channels_last`` and ``torch.compile``, shows tqdm progress bars (and a
live plot in a notebook), keeps a metrics history, writes a checkpoint after every epoch
(atomically: a crash never leaves a broken file) and resumes from it exactly. A NaN or
infinite loss stops the run with advice, keeping the last good checkpoint. Started with
``torchrun --nproc_per_node N``, the same call trains with DistributedDataParallel.

A run folder records every training setting in ``run.json``; while a run trains, its
folder holds a lock file with the owner's process id, so that no second run writes there.
"""

from __future__ import annotations

import csv
import errno
import json
import math
import os
import pickle
import random
import re
import socket
import tempfile
import time
from contextlib import contextmanager, nullcontext
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

from . import data as data_mod
from ._checks import check_choice, check_int, check_lr

CHECKPOINT = "checkpoint.pt"
RUN_FILE = "run.json"
LOCK_FILE = ".lock"
FORMAT = "densenet-lab/checkpoint"


@dataclass(frozen=True)
class Recipe:
    """An optimiser and schedule: SGD with (Nesterov) momentum and weight decay.

    ``schedule``: ``"step"`` divides the learning rate by 10 at each fraction of training in
    ``milestones``; ``"cosine"`` anneals it to 0; ``"constant"`` keeps it.
    """

    name: str
    epochs: int
    batch_size: int
    lr: float
    momentum: float = 0.9
    nesterov: bool = True
    weight_decay: float = 1e-4
    schedule: str = "step"
    milestones: tuple[float, ...] = (0.5, 0.75)


RECIPES = {
    # the textbook (current edition): Fashion-MNIST at 96x96, plain SGD, 10 epochs
    "textbook": Recipe("textbook", 10, 128, 0.01, momentum=0.0, nesterov=False, weight_decay=0.0, schedule="constant"),
    # the paper: Nesterov 0.9, weight decay 1e-4, batch 64, 300 epochs, lr 0.1 / 10 at 50% and 75%
    "paper": Recipe("paper", 300, 64, 0.1),
    # seconds on a CPU, for tests and the ci profile
    "quick": Recipe("quick", 5, 64, 0.05, schedule="cosine"),
    # a real but small run on a CPU (digits to 99% in about a minute)
    "cpu": Recipe("cpu", 8, 64, 0.1, schedule="cosine"),
}


class CheckpointError(ValueError):
    """A checkpoint is missing, corrupt, or not one of ours."""


class RunDirError(ValueError):
    """The output folder holds a different run, is in use, or cannot be written; or its
    ``run.json`` is corrupt or contradicts the settings given."""


class DeviceError(ValueError):
    """A device that is unknown or not present on this machine."""


class SaveError(OSError):
    """A file of the run could not be written (a full disk, say); the previous one is kept."""


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite."""


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

    def save(self, out_dir: str | Path) -> None:
        """Write ``history.json`` and ``history.csv`` into ``out_dir``."""
        out = Path(out_dir)
        _atomic_write_text(out / "history.json", json.dumps(self.epochs, indent=1))
        if self.epochs:
            def write_csv(tmp: str) -> None:
                with open(tmp, "w", newline="") as f:
                    writer = csv.DictWriter(f, fieldnames=list(self.epochs[0]))
                    writer.writeheader()
                    writer.writerows(self.epochs)

            _atomic_write(out / "history.csv", write_csv)


# ---- devices, precision, processes ------------------------------------------------------

def _mps_available() -> bool:
    return getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()


def pick_device(device: str | torch.device | None = None, *, name: str = "device") -> torch.device:
    """The given device, else CUDA, else Apple MPS, else the CPU (local rank's GPU under torchrun).

    Raises ``DeviceError`` (naming the argument ``name``) for a device that is unknown or
    that this machine does not have, e.g. ``"cuda"`` without a GPU.
    """
    if device is None:
        if torch.cuda.is_available():
            return torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
        return torch.device("mps") if _mps_available() else torch.device("cpu")
    try:
        chosen = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        chosen = None
    if chosen is None or chosen.type not in ("cpu", "cuda", "mps"):
        raise DeviceError(f"{name} must be cpu, cuda, cuda:N or mps, got {str(device)!r}")
    if chosen.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise DeviceError(f"{name} {device}: this machine has no CUDA GPU that torch can use; "
                              f"use {name} cpu, or leave it out for the best device there is")
        if chosen.index is not None and chosen.index >= count:
            raise DeviceError(f"{name} {device}: this machine has {count} CUDA GPU(s), cuda:0 to cuda:{count - 1}")
    if chosen.type == "mps" and not _mps_available():
        raise DeviceError(f"{name} mps: Apple's MPS is not available on this machine; use {name} cpu")
    return chosen


def amp_dtype(amp: bool | str | None, device: torch.device) -> torch.dtype | None:
    """``None`` (float32), or the autocast dtype: ``"bf16"``, ``"fp16"``, or ``True`` for bf16
    where the device supports it and fp16 otherwise."""
    if amp in (None, False, "off", "fp32"):
        return None
    if amp is True or amp == "auto":
        if device.type == "cuda" and not torch.cuda.is_bf16_supported():
            return torch.float16
        return torch.bfloat16
    return {"bf16": torch.bfloat16, "fp16": torch.float16}[check_choice("amp", amp, ("bf16", "fp16"))]


def init_distributed(device: torch.device) -> tuple[int, int]:
    """Join the process group when started by ``torchrun`` with several processes.

    Returns ``(rank, world_size)``; ``(0, 1)`` for a plain single process.
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 1
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return dist.get_rank(), dist.get_world_size()


def _all_sum(values: list[float], device: torch.device, world: int) -> list[float]:
    if world == 1:
        return values
    t = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return t.tolist()


def seed_everything(seed: int, deterministic: bool = False) -> None:
    """Seed Python and torch (all devices); ``deterministic`` also asks for deterministic kernels."""
    random.seed(seed)
    torch.manual_seed(seed)
    if deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False


# ---- checkpoints --------------------------------------------------------------------------

def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()  # what open() would give a new file


def _atomic_write(path: Path, write: Callable[[str], None]) -> None:
    """Write ``path`` atomically: ``write(tmp)`` fills a new temporary file in the same folder,
    which then replaces ``path``. The temporary file has a fresh, unpredictable name and is
    created exclusively (never through a planted symlink); on any failure it is removed and
    the previous ``path`` stays. An ``OSError`` (a full disk, say) becomes ``SaveError``."""
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            write(tmp)
            os.fsync(fd)  # the data on disk before the rename makes it the real file
        finally:
            os.close(fd)
        os.chmod(tmp, _FILE_MODE)
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


def _atomic_write_text(path: Path, text: str) -> None:
    _atomic_write(path, lambda tmp: Path(tmp).write_text(text))


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> None:
    """Write ``state`` to ``path`` atomically: to a new temporary file, then rename over it.

    Raises ``SaveError`` (an ``OSError``) when the file cannot be written, e.g. on a full
    disk; the temporary file is removed and the previous checkpoint stays as it was.
    """
    _atomic_write(Path(path), lambda tmp: torch.save({"format": FORMAT, "version": 1, **state}, tmp))


def _load_error(err: BaseException) -> str:
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
        raise CheckpointError(f"{path} is corrupt or not a densenet-lab checkpoint ({_load_error(err)})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a densenet-lab checkpoint (it has no '{FORMAT}' format tag)")
    return state


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


def _state_part(state: dict[str, Any], key: str, path: Path) -> Any:
    if key not in state:
        raise CheckpointError(f"{path} is incomplete: it has no {key!r}, so the run cannot continue from it")
    return state[key]


_RUN_TYPES = {  # what each recorded setting must be
    **dict.fromkeys(("model", "data"), str),
    **dict.fromkeys(("amp", "device", "fallback_for"), (str, type(None))),
    **dict.fromkeys(("image_size", "channels", "num_classes", "seed", "epochs", "batch_size", "world_size"), int),
    **dict.fromkeys(("channels_last", "compile", "deterministic", "memory_efficient"), bool),
    "lr": (int, float),
    "recipe": dict,
}


def read_run(run_dir: str | Path, required: tuple[str, ...] = ("model", "data")) -> dict[str, Any]:
    """The settings recorded in ``run_dir/run.json``; ``RunDirError`` naming the file when it is
    missing, not JSON, or lacks one of the ``required`` keys."""
    path = Path(run_dir) / RUN_FILE
    if not path.is_file():
        raise RunDirError(f"{run_dir} holds no densenet-lab run: it has no {RUN_FILE}")
    try:
        run = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise RunDirError(f"{path} is corrupt ({type(err).__name__}: {err}): it cannot say what the run was") from None
    if not isinstance(run, dict):
        raise RunDirError(f"{path} is corrupt: it holds a {type(run).__name__}, not the run's settings")
    for key in required:
        if key not in run:
            raise RunDirError(f"{path} is incomplete: it has no {key!r}")
    for key, kinds in _RUN_TYPES.items():
        if key in run and not isinstance(run[key], kinds):
            raise RunDirError(f"{path} is corrupt: its {key!r} is {run[key]!r}")
    return run


def recorded_recipe(run: dict[str, Any], run_dir: str | Path) -> Recipe:
    """The resolved ``Recipe`` a run recorded (its name, epochs, batch size, learning rate...)."""
    raw = run.get("recipe")
    try:
        recipe = Recipe(**{**raw, "milestones": tuple(raw.get("milestones", ()))})
        check_int("epochs", recipe.epochs, maximum=100_000)
        check_int("batch_size", recipe.batch_size, maximum=65_536)
        check_lr("lr", recipe.lr)
    except (TypeError, ValueError, AttributeError) as err:
        raise RunDirError(f"{Path(run_dir) / RUN_FILE} is corrupt or incomplete: its 'recipe' ({err})") from None
    return recipe


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


_HELD_LOCKS: set[Path] = set()


@contextmanager
def run_lock(out_dir: str | Path) -> Iterator[Path]:
    """Hold ``out_dir`` for this process: create it and its lock file (with our process id),
    and remove the lock on exit. A folder that a live process holds is refused with
    ``RunDirError``; a lock left by a process that has died is taken over. Re-entrant
    within a process. A folder that cannot be created or written is refused, naming it."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise RunDirError(f"{out} is a file, not a run folder: choose a folder for --out")
    key = out.resolve()
    if key in _HELD_LOCKS:
        yield out
        return
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
            break
        else:
            raise RunDirError(f"{out} is being taken by another run at this moment: try again")
    except OSError as err:
        raise RunDirError(f"cannot write to the run folder {out} ({err.strerror or err}): "
                          "choose a folder you may write to for --out") from None
    _HELD_LOCKS.add(key)
    try:
        yield out
    finally:
        _HELD_LOCKS.discard(key)
        try:
            if lock.read_text() == me:
                lock.unlink()
        except OSError:
            pass


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


def check_run_dir(out_dir: str | Path, run: dict[str, Any], *, resume: bool = False, force: bool = False) -> None:
    """Raise unless ``out_dir`` may hold ``run``: a folder that already holds another run is
    refused unless ``force`` (start over) or ``resume`` (which needs the same model and data)."""
    out = Path(out_dir)
    run_file = out / RUN_FILE
    if out.exists() and not out.is_dir():
        raise RunDirError(f"{out} is a file, not a run folder: choose a folder for --out")
    if run_file.exists() and not force:
        earlier = read_run(out, required=())
        if not resume:
            raise RunDirError(
                f"{out} already holds a run ({earlier.get('model')} on {earlier.get('data')}): "
                f"pass --resume {out} to continue it, --force to overwrite it, or choose another --out"
            )
        for key in ("model", "data"):
            if run.get(key) is not None and earlier.get(key) != run.get(key):
                raise RunDirError(f"cannot resume {out}: it trained {key} {earlier.get(key)!r}, not {run.get(key)!r}")
    elif resume and not force:
        raise CheckpointError(f"nothing to resume in {out}: it has no {RUN_FILE}")
    elif out.exists() and any(p.name != LOCK_FILE for p in out.iterdir()) and not force:
        raise RunDirError(f"{out} is not empty and holds no densenet-lab run: choose another --out or pass --force")


_RUN_FILES = (CHECKPOINT, "history.json", "history.csv", RUN_FILE)


def prepare_run_dir(out_dir: str | Path, run: dict[str, Any], *, resume: bool = False, force: bool = False) -> Path:
    """Check ``out_dir`` (see ``check_run_dir``), create it and record ``run`` in ``run.json``
    (on resume: the earlier record, updated, with the command added to ``resumed_with``);
    ``force`` first removes the earlier run's checkpoint and history. Call it holding
    ``run_lock(out_dir)``: it also removes temporary files that a killed run left."""
    check_run_dir(out_dir, run, resume=resume, force=force)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name in _RUN_FILES:
        for tmp in out.glob(f".{name}.*.tmp"):
            tmp.unlink(missing_ok=True)
    if force and not resume:
        for name in (CHECKPOINT, "history.json", "history.csv"):
            (out / name).unlink(missing_ok=True)
    if resume and (out / RUN_FILE).exists():
        earlier = read_run(out, required=())
        command = run.get("command")
        run = {**earlier, **{k: v for k, v in run.items() if k != "command"}}
        if command and command != earlier.get("command"):
            run["resumed_with"] = [*earlier.get("resumed_with", []), command]
    _atomic_write_text(out / RUN_FILE, json.dumps(run, indent=1))
    return out


# ---- the loop -----------------------------------------------------------------------------

def _lr_factor(recipe: Recipe, step: int, total: int) -> float:
    if recipe.schedule == "cosine":
        return 0.5 * (1 + math.cos(math.pi * step / total))
    if recipe.schedule == "step":
        return 0.1 ** sum(step >= m * total for m in recipe.milestones)
    return 1.0


def evaluate(model: nn.Module, split: data_mod.Split, info: data_mod.DataInfo, *, batch_size: int = 256,
             device: torch.device | None = None, amp: bool | str | None = None, channels_last: bool = False,
             rank: int = 0, world_size: int = 1) -> dict[str, float]:
    """Loss and accuracy of ``model`` on ``split`` (each example once across processes)."""
    device = device or next(model.parameters()).device
    dtype = amp_dtype(amp, device)
    model.eval()
    loss_sum = correct = count = 0.0
    with torch.no_grad():
        for x, y in data_mod.batches(split, info, batch_size, train=False, rank=rank, world_size=world_size):
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            if channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            with torch.autocast(device.type, dtype=dtype) if dtype else nullcontext():
                logits = model(x)
            loss_sum += F.cross_entropy(logits.float(), y, reduction="sum").item()
            correct += (logits.argmax(1) == y).sum().item()
            count += len(y)
    loss_sum, correct, count = _all_sum([loss_sum, correct, count], device, world_size)
    return {"loss": loss_sum / max(count, 1), "acc": correct / max(count, 1), "count": int(count)}


_AMP_NAMES = {torch.bfloat16: "bf16", torch.float16: "fp16"}
_SAME_ON_RESUME = ("amp", "channels_last", "compile", "seed", "deterministic", "world_size")


def _check_same_run(out: Path, earlier: dict[str, Any], settings: dict[str, Any]) -> None:
    """Raise ``RunDirError`` where ``settings`` contradict the run recorded in ``earlier``
    (the number of epochs may change: that extends or shortens the run)."""
    was = {k: v for k, v in earlier.get("recipe", {}).items() if k != "epochs"}
    now = {k: v for k, v in settings["recipe"].items() if k != "epochs"}
    changed = [(f"recipe {k}" if k != "name" else "recipe", now.get(k), v) for k, v in was.items() if now.get(k) != v]
    changed += [(k, settings[k], earlier[k]) for k in _SAME_ON_RESUME if k in earlier and settings[k] != earlier[k]]
    if not changed:
        return
    what, value, recorded = changed[0]
    if what == "world_size":
        check_world_size(out, recorded, value)
    raise RunDirError(f"cannot resume {out} with {what} {value!r}: the run trains with {what} {recorded!r} "
                      f"(see {out / RUN_FILE}); leave it unset to continue the run, or start a new one")


def check_world_size(out: str | Path, recorded: int, world: int) -> None:
    """Refuse to continue a run of ``recorded`` processes with ``world`` processes."""
    if recorded != world:
        how = f"torchrun --nproc_per_node {recorded}" if recorded > 1 else "one process (without torchrun)"
        raise RunDirError(f"{out} was trained by {recorded} process(es), so {world} cannot continue it exactly "
                          f"(each holds its own share of the data order and random state): resume it with {how}")


def fit(
    model: nn.Module,
    dataset: data_mod.Dataset,
    recipe: str | Recipe = "quick",
    *,
    epochs: int | None = None,
    batch_size: int | None = None,
    lr: float | None = None,
    out_dir: str | Path | None = None,
    resume: bool = False,
    force: bool = False,
    device: str | torch.device | None = None,
    amp: bool | str | None = None,
    channels_last: bool = False,
    compile: bool = False,
    seed: int = 0,
    deterministic: bool = False,
    progress: bool = True,
    live_plot: bool = False,
    run: dict[str, Any] | None = None,
    on_epoch_end: Callable[[History], None] | None = None,
    on_step: Callable[[int, int], None] | None = None,
) -> History:
    """Train ``model`` on ``dataset`` with a recipe; returns the metrics ``History``.

    Args:
        recipe: a name from ``RECIPES`` or a ``Recipe``; ``epochs``, ``batch_size`` and
            ``lr`` override its values.
        out_dir: where the checkpoint (every epoch), ``history.json``/``.csv`` and
            ``run.json`` (every setting of the run) go; ``None`` keeps nothing on disk.
            While training, the folder is locked: a second run there is refused.
        resume: continue the run in ``out_dir`` from its checkpoint (or from the start when
            it stopped before its first epoch ended). ``epochs``, ``batch_size`` and ``lr``
            left at ``None`` are the run's; every other setting must be the run's, else
            ``RunDirError``. More ``epochs`` than the run had extend it: the learning-rate
            schedule is recomputed over the new total from the step reached (a cosine
            schedule rises again); fewer than the epochs already trained are refused.
        force: overwrite another run in ``out_dir`` (otherwise refused).
        amp: ``"bf16"``, ``"fp16"``, ``True`` (the best the device has) or ``None``.
        channels_last, compile: the GPU speed-ups (``torch.compile`` needs a compiler).
        seed, deterministic: for repeatable runs (bitwise on a CPU with ``deterministic``).
        live_plot: redraw the loss and accuracy curves after every epoch (in a notebook).
        run: more settings to record in ``run.json`` (the CLI records the model and data).
        on_epoch_end: called with the history after each epoch's checkpoint is written.
        on_step: called after every optimiser step with (steps done, total steps), e.g. to
            move a progress bar; an exception raised in it stops training (the checkpoint
            of the last finished epoch stays).
    """
    recipe = RECIPES[check_choice("recipe", recipe, tuple(RECIPES))] if isinstance(recipe, str) else recipe
    out = Path(out_dir) if out_dir is not None else None
    earlier = read_run(out, required=()) if resume and out is not None and (out / RUN_FILE).is_file() else None
    if earlier is not None and "recipe" in earlier:  # what is not given continues as the run had it
        was = recorded_recipe(earlier, out)
        epochs = was.epochs if epochs is None else epochs
        batch_size = was.batch_size if batch_size is None else batch_size
        lr = was.lr if lr is None else lr
    recipe = replace(
        recipe,
        epochs=recipe.epochs if epochs is None else check_int("epochs", epochs, maximum=100_000),
        batch_size=recipe.batch_size if batch_size is None else check_int("batch_size", batch_size, maximum=65_536),
        lr=recipe.lr if lr is None else check_lr("lr", lr),
    )
    device = pick_device(device)
    rank, world = init_distributed(device)
    dtype = amp_dtype(amp, device)
    settings = json.loads(json.dumps({  # as run.json holds them (lists, not tuples)
        "recipe": asdict(recipe), "epochs": recipe.epochs, "batch_size": recipe.batch_size, "lr": recipe.lr,
        "amp": _AMP_NAMES.get(dtype), "channels_last": bool(channels_last), "compile": bool(compile),
        "seed": seed, "deterministic": bool(deterministic), "device": device.type, "world_size": world,
    }))
    if earlier is not None:
        _check_same_run(out, earlier, settings)
    seed_everything(seed + rank, deterministic)  # dropout differs per process, the data order does not
    generator = torch.Generator(device="cpu").manual_seed(seed)

    model.to(device)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(model.parameters(), lr=recipe.lr, momentum=recipe.momentum,
                                nesterov=recipe.nesterov and recipe.momentum > 0, weight_decay=recipe.weight_decay)
    steps_per_epoch = math.ceil(math.ceil(len(dataset.train) / world) / recipe.batch_size)
    total_steps = recipe.epochs * steps_per_epoch
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: _lr_factor(recipe, step, total_steps))
    scaler = torch.amp.GradScaler(device.type, enabled=dtype == torch.float16)
    history = History()

    with run_lock(out) if out is not None and rank == 0 else nullcontext():
        if out is not None:
            if rank == 0:
                prepare_run_dir(out, {**(run or {}), **settings}, resume=resume, force=force)
            if world > 1:
                dist.barrier()
            if resume and (out / CHECKPOINT).exists():
                path = out / CHECKPOINT
                state = load_checkpoint(path)
                history = History(_state_part(state, "history", path))
                if recipe.epochs < len(history):
                    raise RunDirError(f"cannot resume {out} for {recipe.epochs} epochs in all: "
                                      f"it has already trained {len(history)}")
                rngs = _state_part(state, "torch_rng", path)
                check_world_size(out, len(rngs), world)
                load_model_state(model, state, path)
                try:
                    optimizer.load_state_dict(_state_part(state, "optimizer", path))
                    scheduler.load_state_dict(_state_part(state, "scheduler", path))
                    scaler.load_state_dict(_state_part(state, "scaler", path))
                    generator.set_state(_state_part(state, "generator", path))
                    torch.set_rng_state(rngs[rank])
                    if device.type == "cuda" and state.get("cuda_rng"):
                        torch.cuda.set_rng_state(state["cuda_rng"][rank], device)
                except (RuntimeError, ValueError, KeyError, TypeError, IndexError) as err:
                    if isinstance(err, CheckpointError):
                        raise
                    raise CheckpointError(f"{path} does not fit this run ({_load_error(err)})") from None

        net: nn.Module = model
        if world > 1:
            net = nn.parallel.DistributedDataParallel(
                model, device_ids=[device.index] if device.type == "cuda" else None)
        if compile:
            net = torch.compile(net)

        plot = _LivePlot() if live_plot and rank == 0 else None
        dataset = dataset.to(device)
        for epoch in range(len(history) + 1, recipe.epochs + 1):
            net.train()
            if device.type == "cuda":
                torch.cuda.reset_peak_memory_stats(device)
            start = time.perf_counter()
            loss_sum = torch.zeros((), device=device, dtype=torch.float64)
            correct = torch.zeros((), device=device, dtype=torch.int64)
            count = 0
            bar = _progress(steps_per_epoch, f"epoch {epoch}/{recipe.epochs}", enabled=progress and rank == 0)
            batches = data_mod.batches(dataset.train, dataset.info, recipe.batch_size, train=True,
                                       generator=generator, rank=rank, world_size=world)
            for step, (x, y) in enumerate(batches):
                if channels_last:
                    x = x.contiguous(memory_format=torch.channels_last)
                with torch.autocast(device.type, dtype=dtype) if dtype else nullcontext():
                    logits = net(x)
                loss = F.cross_entropy(logits.float(), y)  # logits in: the loss applies log-softmax itself
                optimizer.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
                scheduler.step()
                if on_step is not None:
                    on_step((epoch - 1) * steps_per_epoch + step + 1, total_steps)
                loss_sum += loss.detach().double() * len(y)
                correct += (logits.argmax(1) == y).sum()
                count += len(y)
                if step % 20 == 0 or step == steps_per_epoch - 1:
                    _check_finite(loss_sum, epoch, step, out)
                if bar is not None:
                    bar.update(1)
            if bar is not None:
                bar.close()
            _check_finite(loss_sum, epoch, steps_per_epoch, out)
            seconds = time.perf_counter() - start
            loss_total, correct_total, count_total = _all_sum([loss_sum.item(), correct.item(), count], device, world)
            test = evaluate(model, dataset.test, dataset.info, batch_size=max(recipe.batch_size, 256), device=device,
                            amp=amp, channels_last=channels_last, rank=rank, world_size=world)
            history.epochs.append({
                "epoch": epoch,
                "lr": optimizer.param_groups[0]["lr"],
                "train_loss": loss_total / count_total,
                "train_acc": correct_total / count_total,
                "test_loss": test["loss"],
                "test_acc": test["acc"],
                "test_count": test["count"],
                "seconds": seconds,
                "examples_per_s": count_total / seconds,
                "peak_memory_mb": torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None,
            })
            if progress and rank == 0:
                e = history.last
                print(f"epoch {epoch}: loss {e['train_loss']:.4f}, train acc {e['train_acc']:.3f}, "
                      f"test acc {e['test_acc']:.3f}, {e['examples_per_s']:.0f} examples/s", flush=True)
            if out is not None:
                rng, cuda_rng = _gather_rng_states(device, world)
                if rank == 0:
                    save_checkpoint(out / CHECKPOINT, {
                        "epoch": epoch, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                        "scheduler": scheduler.state_dict(), "scaler": scaler.state_dict(),
                        "generator": generator.get_state(), "torch_rng": rng, "cuda_rng": cuda_rng,
                        "history": history.epochs,
                    })
                    history.save(out)
            if plot is not None:
                plot.update(history)
            if on_epoch_end is not None:
                on_epoch_end(history)
    return history


def _gather_rng_states(device: torch.device, world: int) -> tuple[list[torch.Tensor], list[torch.Tensor] | None]:
    """Every process's CPU random state, and its GPU's when it trains on CUDA (else ``None``)."""
    states = [torch.get_rng_state()]
    cuda = [torch.cuda.get_rng_state(device)] if device.type == "cuda" else None
    if world > 1:
        states = [None] * world  # filled with every process's state
        dist.all_gather_object(states, torch.get_rng_state())
        if cuda is not None:
            cuda = [None] * world
            dist.all_gather_object(cuda, torch.cuda.get_rng_state(device))
    return states, cuda


def _check_finite(loss_sum: torch.Tensor, epoch: int, step: int, out: Path | None) -> None:
    if not torch.isfinite(loss_sum):
        kept = f"the last good checkpoint is {out / CHECKPOINT}" if out and (out / CHECKPOINT).exists() else "no checkpoint was written"
        raise TrainingDiverged(
            f"the loss became NaN or infinite in epoch {epoch} (by step {step}); {kept}. "
            "Try a lower learning rate (--lr), bf16 instead of fp16 (--amp bf16), or check the input data."
        )


def _progress(total: int, desc: str, enabled: bool):
    """A tqdm bar for one epoch: a widget in a notebook, text in a terminal; None when off."""
    if not enabled:
        return None
    from tqdm.auto import tqdm
    from tqdm.notebook import tqdm_notebook

    if issubclass(tqdm, tqdm_notebook):  # tqdm.auto chose the widget: we are in a notebook
        return _notebook_bar(tqdm_notebook, total, desc)
    return tqdm(total=total, desc=desc, leave=False)


def _notebook_bar(base: type, total: int, desc: str):
    """A notebook bar whose saved output ends as the finished bar's text.

    A widget's saved output keeps the text of its *first* state ("0%"), and that text is what
    a static page (the built book) shows. This bar is displayed with a display id and, when
    closed, replaced by its final line, so the notebook and the page show the finished bar.
    """
    from IPython.display import Pretty, display

    class NotebookBar(base):
        def __init__(self) -> None:
            super().__init__(total=total, desc=desc, display=False)
            self.handle = display(self.container, display_id=True)

        def close(self) -> None:
            if self.disable:
                return
            final = self.format_meter(**self.format_dict)
            super().close()
            self.handle.update(Pretty(final))

    return NotebookBar()


class _LivePlot:
    """Loss and accuracy curves, redrawn in place in a notebook after every epoch."""

    def __init__(self) -> None:
        import matplotlib.pyplot as plt
        from IPython.display import display

        self.fig, self.axes = plt.subplots(1, 2, figsize=(9, 3.2))
        plt.close(self.fig)
        self.handle = display(self.fig, display_id=True)

    def update(self, history: History) -> None:
        epochs = history.column("epoch")
        loss_ax, acc_ax = self.axes
        loss_ax.clear()
        acc_ax.clear()
        loss_ax.plot(epochs, history.column("train_loss"), label="train loss")
        loss_ax.plot(epochs, history.column("test_loss"), label="test loss")
        acc_ax.plot(epochs, history.column("train_acc"), label="train accuracy")
        acc_ax.plot(epochs, history.column("test_acc"), label="test accuracy")
        for ax in self.axes:
            ax.set_xlabel("epoch")
            ax.legend()
        self.handle.update(self.fig)
