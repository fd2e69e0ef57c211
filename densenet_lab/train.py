"""One training loop for the notebooks and the ``densenet-lab train`` command.

    >>> from densenet_lab import create_model, data, train
    >>> ds = data.load_data("digits")
    >>> history = train.fit(create_model("densenet_bc100_k12", in_channels=1), ds, "quick")

It picks the device (CUDA, Apple MPS, CPU), can use mixed precision (bf16, or fp16 with a
gradient scaler), ``channels_last`` and ``torch.compile``, shows tqdm progress bars (and a
live plot in a notebook), keeps a metrics history, writes a checkpoint after every epoch
(atomically: a crash never leaves a broken file) and resumes from it exactly. A NaN or
infinite loss stops the run with advice, keeping the last good checkpoint. Started with
``torchrun --nproc_per_node N``, the same call trains with DistributedDataParallel.
"""

from __future__ import annotations

import csv
import json
import math
import os
import pickle
import random
import time
from contextlib import nullcontext
from collections.abc import Callable
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
    """The output folder holds a different run."""


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
            tmp = out / "history.csv.tmp"
            with open(tmp, "w", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=list(self.epochs[0]))
                writer.writeheader()
                writer.writerows(self.epochs)
            os.replace(tmp, out / "history.csv")


# ---- devices, precision, processes ------------------------------------------------------

def pick_device(device: str | torch.device | None = None) -> torch.device:
    """The given device, else CUDA, else Apple MPS, else the CPU (local rank's GPU under torchrun)."""
    if device is not None:
        return torch.device(device)
    if torch.cuda.is_available():
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


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

def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> None:
    """Write ``state`` to ``path`` atomically: to a temporary file, then rename over it."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    torch.save({"format": FORMAT, "version": 1, **state}, tmp)
    os.replace(tmp, path)  # atomic on POSIX and Windows: the old file or the new, never half


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
        raise CheckpointError(f"{path} is corrupt or not a densenet-lab checkpoint ({type(err).__name__}: {str(err).strip().splitlines()[0] if str(err).strip() else ''})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a densenet-lab checkpoint (it has no '{FORMAT}' format tag)")
    return state


def check_run_dir(out_dir: str | Path, run: dict[str, Any], *, resume: bool = False, force: bool = False) -> None:
    """Raise unless ``out_dir`` may hold ``run``: a folder that already holds another run is
    refused unless ``force`` (start over) or ``resume`` (which needs the same model and data)."""
    out = Path(out_dir)
    run_file = out / RUN_FILE
    if run_file.exists() and not force:
        earlier = json.loads(run_file.read_text())
        if not resume:
            raise RunDirError(
                f"{out} already holds a run ({earlier.get('model')} on {earlier.get('data')}): "
                f"pass --resume {out} to continue it, --force to overwrite it, or choose another --out"
            )
        for key in ("model", "data"):
            if earlier.get(key) != run.get(key):
                raise RunDirError(f"cannot resume {out}: it trained {key} {earlier.get(key)!r}, not {run.get(key)!r}")
    elif resume and not force:
        raise CheckpointError(f"nothing to resume in {out}: it has no {RUN_FILE}")
    elif out.exists() and any(out.iterdir()) and not force:
        raise RunDirError(f"{out} is not empty and holds no densenet-lab run: choose another --out or pass --force")


def prepare_run_dir(out_dir: str | Path, run: dict[str, Any], *, resume: bool = False, force: bool = False) -> Path:
    """Check ``out_dir`` (see ``check_run_dir``), create it and record ``run`` in ``run.json``;
    ``force`` first removes the earlier run's checkpoint and history."""
    check_run_dir(out_dir, run, resume=resume, force=force)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if force and not resume:
        for name in (CHECKPOINT, "history.json", "history.csv"):
            (out / name).unlink(missing_ok=True)
    if not (resume and (out / RUN_FILE).exists()):
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
            ``run.json`` go; ``None`` keeps nothing on disk.
        resume: continue from the checkpoint in ``out_dir``.
        force: overwrite another run in ``out_dir`` (otherwise refused).
        amp: ``"bf16"``, ``"fp16"``, ``True`` (the best the device has) or ``None``.
        channels_last, compile: the GPU speed-ups (``torch.compile`` needs a compiler).
        seed, deterministic: for repeatable runs (bitwise on a CPU with ``deterministic``).
        live_plot: redraw the loss and accuracy curves after every epoch (in a notebook).
        run: the settings recorded in ``run.json`` (the CLI records its arguments).
        on_epoch_end: called with the history after each epoch's checkpoint is written.
        on_step: called after every optimiser step with (steps done, total steps), e.g. to
            move a progress bar; an exception raised in it stops training (the checkpoint
            of the last finished epoch stays).
    """
    recipe = RECIPES[check_choice("recipe", recipe, tuple(RECIPES))] if isinstance(recipe, str) else recipe
    recipe = replace(
        recipe,
        epochs=recipe.epochs if epochs is None else check_int("epochs", epochs, maximum=100_000),
        batch_size=recipe.batch_size if batch_size is None else check_int("batch_size", batch_size, maximum=65_536),
        lr=recipe.lr if lr is None else check_lr("lr", lr),
    )
    device = pick_device(device)
    rank, world = init_distributed(device)
    seed_everything(seed + rank, deterministic)  # dropout differs per process, the data order does not
    generator = torch.Generator(device="cpu").manual_seed(seed)
    dtype = amp_dtype(amp, device)

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

    out = None
    if out_dir is not None:
        run = {**(run or {}), "recipe": asdict(recipe), "seed": seed}
        out = prepare_run_dir(out_dir, run, resume=resume, force=force) if rank == 0 else Path(out_dir)
        if world > 1:
            dist.barrier()
        if resume:
            state = load_checkpoint(out / CHECKPOINT)
            model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
            scheduler.load_state_dict(state["scheduler"])
            scaler.load_state_dict(state["scaler"])
            generator.set_state(state["generator"])
            torch.set_rng_state(state["torch_rng"][rank])
            history = History(state["history"])

    net: nn.Module = model
    if world > 1:
        net = nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
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
            rng = [torch.get_rng_state()]
            if world > 1:
                rng = [None] * world  # filled with every process's state
                dist.all_gather_object(rng, torch.get_rng_state())
            if rank == 0:
                save_checkpoint(out / CHECKPOINT, {
                    "epoch": epoch, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(), "scaler": scaler.state_dict(),
                    "generator": generator.get_state(), "torch_rng": rng, "history": history.epochs,
                })
                history.save(out)
        if plot is not None:
            plot.update(history)
        if on_epoch_end is not None:
            on_epoch_end(history)
    return history



def _check_finite(loss_sum: torch.Tensor, epoch: int, step: int, out: Path | None) -> None:
    if not torch.isfinite(loss_sum):
        kept = f"the last good checkpoint is {out / CHECKPOINT}" if out and (out / CHECKPOINT).exists() else "no checkpoint was written"
        raise TrainingDiverged(
            f"the loss became NaN or infinite in epoch {epoch} (by step {step}); {kept}. "
            "Try a lower learning rate (--lr), bf16 instead of fp16 (--amp bf16), or check the input data."
        )


def _progress(total: int, desc: str, enabled: bool):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, leave=False)


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
