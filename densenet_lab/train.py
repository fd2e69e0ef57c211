"""One training loop for the notebooks and the ``densenet-lab train`` command.

    >>> from densenet_lab import create_model, data, train
    >>> ds = data.load_data("digits")
    >>> history = train.fit(create_model("densenet_bc100_k12", image_channels=1), ds, "quick")

``fit`` is the loop: each epoch, ``train_one_epoch`` (the batches, and for each one
``train_step``: forward, loss, backward, step), then ``evaluate`` on the test split, then
the epoch's metrics into the ``History`` and a checkpoint into the run folder. What it stands on lives in modules of its own:

    device.py      the device (CUDA, Apple MPS, CPU), mixed precision (bf16, or fp16 with
                   a gradient scaler), the processes of ``torchrun`` (DistributedDataParallel), seeds
    recipes.py     the optimiser and the learning-rate schedule: the paper's, the textbook's...
    data.py        batches made on the device; each process's share as DistributedSampler deals it
    runs.py        the run folder: run.json, the history, the lock, the checks before a resume
    checkpoint.py  checkpoints written atomically (a crash never leaves a broken file), read safely
    progress.py    tqdm bars, a line per epoch, live curves in a notebook

A resumed run continues exactly: the checkpoint holds the optimiser, the schedule, the data
order's generator and every process's random state. A NaN or infinite loss stops the run
with advice, keeping the last good checkpoint.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from . import data as data_mod
from .checkpoint import CheckpointError, describe_load_error, load_checkpoint, load_model_state, state_part
from .device import Hardware, amp_dtype, seed_everything, setup_hardware
from .progress import LivePlot, epoch_bar, print_epoch
from .recipes import RECIPES, Recipe, choose_recipe
from .runs import History, RunDir, RunDirError, check_world_size, resume_view

# the book imports fit, evaluate, TrainingDiverged and RECIPES from here
__all__ = ["RECIPES", "History", "Recipe", "TrainingDiverged", "evaluate", "fit", "train_one_epoch", "train_step"]


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite."""


def fit(model: nn.Module, dataset: data_mod.Dataset, recipe: str | Recipe = "quick", *,
        epochs: int | None = None, batch_size: int | None = None, lr: float | None = None,
        out_dir: str | Path | RunDir | None = None, resume: bool = False, force: bool = False,
        device: str | torch.device | None = None, amp: bool | str | None = None, channels_last: bool = False,
        compile: bool = False, seed: int = 0, deterministic: bool = False, progress: bool = True,
        live_plot: bool = False, run: dict[str, Any] | None = None,
        on_epoch_end: Callable[[History], None] | None = None,
        on_step: Callable[[int, int], None] | None = None) -> History:
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
        device: ``"cpu"``, ``"cuda"``, ``"cuda:N"``, ``"mps"``; ``None`` for the best there is.
        amp: ``"bf16"``, ``"fp16"``, ``True`` (the best the device has) or ``None``.
        channels_last, compile: the GPU speed-ups (``torch.compile`` needs a compiler).
        seed, deterministic: for repeatable runs (bitwise on a CPU with ``deterministic``).
        progress, live_plot: a bar and a line per epoch; curves redrawn after every epoch.
        run: more settings to record in ``run.json`` (the CLI records the model and data).
        on_epoch_end: called with the history after each epoch's checkpoint is written.
        on_step: called after every optimiser step with (steps done, total steps); an
            exception raised in it stops training (the last finished epoch's checkpoint stays).
    """
    hw = setup_hardware(device, amp)
    run_dir = out_dir if out_dir is None or isinstance(out_dir, RunDir) else RunDir(out_dir)
    with run_dir.lock() if run_dir is not None and hw.is_main else nullcontext():  # one writer per folder
        recipe = _recipe_for(recipe, epochs, batch_size, lr, run_dir if resume else None)
        record = {**(run or {}), **_settings(recipe, hw, channels_last, compile, seed, deterministic)}
        seed_everything(seed + hw.rank, deterministic)  # dropout differs per process, the data order does not
        training = Training.create(model, recipe, hw, len(dataset.train), seed=seed, channels_last=channels_last,
                                   progress=progress, on_step=on_step)
        if run_dir is not None:
            training.open_run(run_dir, record, resume=resume, force=force)  # check, record, continue its checkpoint
        net = _distribute(model, hw, compile)
        dataset = dataset.to(hw.device)
        plot = LivePlot() if live_plot and hw.is_main else None
        for epoch in range(len(training.history) + 1, recipe.epochs + 1):
            train = train_one_epoch(net, dataset, training, epoch)
            test = evaluate(model, dataset.test, dataset.info, batch_size=max(recipe.batch_size, 256),
                            device=hw.device, amp=amp, channels_last=channels_last, rank=hw.rank,
                            world_size=hw.world_size)
            training.history.add(epoch, training.optimizer.param_groups[0]["lr"], train, test, hw.peak_memory_mb())
            if progress and hw.is_main:
                print_epoch(training.history.last)
            if run_dir is not None:
                training.save(epoch)  # the checkpoint and the history, written by the first process
            if plot is not None:
                plot.update(training.history)
            if on_epoch_end is not None:
                on_epoch_end(training.history)
    return training.history


def train_one_epoch(net: nn.Module, dataset: data_mod.Dataset, training: Training, epoch: int) -> dict[str, float]:
    """One pass over this process's training batches: forward, loss, backward, step.

    Returns the epoch's ``loss`` and ``acc`` (over every process's examples), their ``count``
    and the ``seconds`` it took.
    """
    hw = training.hw
    net.train()
    tally = _Tally(training, epoch)
    batches = data_mod.batches(dataset.train, dataset.info, training.recipe.batch_size, train=True,
                               generator=training.generator, rank=hw.rank, world_size=hw.world_size)
    for step, (x, y) in enumerate(batches):  # x: (N, C, H, W) normalised images, y: (N,) labels
        loss, logits = train_step(net, x, y, training)
        tally.add(step, loss, logits, y)            # sums on the device, NaN check, progress, on_step
    return tally.finish()


def train_step(net: nn.Module, x: Tensor, y: Tensor, training: Training) -> tuple[Tensor, Tensor]:
    """One optimiser step on a batch: forward, loss, backward, step, the next learning rate.

    ``x``: (N, C, H, W) normalised images, ``y``: (N,) labels. Returns the loss (a scalar)
    and the logits, (N, num_classes), for the epoch's tally.
    """
    optimizer, scaler = training.optimizer, training.scaler
    if training.channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    with training.hw.autocast():                # bf16 or fp16 where asked, else float32
        logits = net(x)                         # forward: (N, num_classes) scores
    loss = F.cross_entropy(logits.float(), y)   # logits in: the loss applies log-softmax itself
    optimizer.zero_grad(set_to_none=True)
    scaler.scale(loss).backward()               # backward (fp16 scales the loss up first)
    scaler.step(optimizer)                      # step: SGD with momentum and weight decay
    scaler.update()
    training.scheduler.step()                   # the learning rate of the next step
    return loss, logits


def evaluate(model: nn.Module, split: data_mod.Split, info: data_mod.DataInfo, *, batch_size: int = 256,
             device: torch.device | None = None, amp: bool | str | None = None, channels_last: bool = False,
             rank: int = 0, world_size: int = 1) -> dict[str, float]:
    """Loss and accuracy of ``model`` on ``split`` (each example once across processes):
    a dict with ``loss``, ``acc`` and ``count``."""
    device = device or next(model.parameters()).device
    hw = Hardware(device, amp_dtype(amp, device), rank, world_size)
    model.eval()
    loss_sum = correct = count = 0.0
    with torch.no_grad():
        for x, y in data_mod.batches(split, info, batch_size, train=False, rank=rank, world_size=world_size):
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            if channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            with hw.autocast():
                logits = model(x)
            loss_sum += F.cross_entropy(logits.float(), y, reduction="sum").item()
            correct += (logits.argmax(1) == y).sum().item()
            count += len(y)
    loss_sum, correct, count = hw.all_sum([loss_sum, correct, count])
    return {"loss": loss_sum / max(count, 1), "acc": correct / max(count, 1), "count": int(count)}


# ---- the steps fit takes --------------------------------------------------------------------

def _recipe_for(recipe: str | Recipe, epochs: int | None, batch_size: int | None, lr: float | None,
                resumed: RunDir | None) -> Recipe:
    """``recipe`` with the values given; resuming the run in ``resumed``, those not given are the run's."""
    if resumed is not None and resumed.has_run() and "recipe" in resumed.record():
        was = resumed.recipe()
        epochs = was.epochs if epochs is None else epochs
        batch_size = was.batch_size if batch_size is None else batch_size
        lr = was.lr if lr is None else lr
    return choose_recipe(recipe, epochs=epochs, batch_size=batch_size, lr=lr)


def _settings(recipe: Recipe, hw: Hardware, channels_last: bool, compile: bool, seed: int,
              deterministic: bool) -> dict[str, Any]:
    """``fit``'s settings as ``run.json`` records them (lists, not tuples)."""
    return json.loads(json.dumps({
        "recipe": asdict(recipe), "epochs": recipe.epochs, "batch_size": recipe.batch_size, "lr": recipe.lr,
        "amp": hw.amp, "channels_last": bool(channels_last), "compile": bool(compile),
        "seed": seed, "deterministic": bool(deterministic), "device": hw.device.type, "world_size": hw.world_size,
    }))


def _distribute(model: nn.Module, hw: Hardware, compile: bool) -> nn.Module:
    """The module that trains: ``model`` in DistributedDataParallel across processes (which
    averages the gradients in every backward pass), compiled when asked."""
    net = model
    if hw.world_size > 1:
        device_ids = [hw.device.index] if hw.device.type == "cuda" else None
        net = nn.parallel.DistributedDataParallel(model, device_ids=device_ids)
    return torch.compile(net) if compile else net


@dataclass
class Training:
    """What a run changes as it trains, all of it in each checkpoint, and how it steps."""

    model: nn.Module
    recipe: Recipe
    hw: Hardware
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    scaler: torch.amp.GradScaler  # multiplies an fp16 loss so that small gradients survive; off otherwise
    generator: torch.Generator  # the data order and augmentation: the same in every process
    steps_per_epoch: int
    channels_last: bool = False
    progress: bool = False
    on_step: Callable[[int, int], None] | None = None
    run_dir: RunDir | None = None
    history: History = field(default_factory=History)

    @classmethod
    def create(cls, model: nn.Module, recipe: Recipe, hw: Hardware, n_train: int, *, seed: int,
               channels_last: bool, progress: bool, on_step: Callable[[int, int], None] | None) -> Training:
        model.to(hw.device)
        if channels_last:
            model.to(memory_format=torch.channels_last)
        optimizer = recipe.optimizer(model.parameters())
        steps = data_mod.batches_per_epoch(n_train, recipe.batch_size, hw.world_size)
        return cls(model, recipe, hw, optimizer, recipe.scheduler(optimizer, recipe.epochs * steps),
                   torch.amp.GradScaler(hw.device.type, enabled=hw.dtype == torch.float16),
                   torch.Generator(device="cpu").manual_seed(seed), steps, channels_last, progress, on_step)

    @property
    def total_steps(self) -> int:
        return self.recipe.epochs * self.steps_per_epoch

    def open_run(self, run_dir: RunDir, record: dict[str, Any], *, resume: bool, force: bool) -> None:
        """Record the run (``record``, its settings) in ``run_dir``; resuming, first check that it
        keeps the run's settings, then continue from its checkpoint."""
        self.run_dir = run_dir
        if resume and run_dir.has_run():
            run_dir.check_resume(resume_view(record))  # the same model, data, recipe, precision...
        if self.hw.is_main:
            run_dir.prepare(record, resume=resume, force=force)
        self.hw.barrier()
        if resume and run_dir.checkpoint.exists():
            self.restore(run_dir.checkpoint)

    def restore(self, path: Path) -> None:
        """Continue from the checkpoint at ``path``: weights, optimiser, schedule, scaler, data
        order and random states, each checked to fit this run."""
        state = load_checkpoint(path)
        self.history = History(state_part(state, "history", path))
        if self.recipe.epochs < len(self.history):
            raise RunDirError(f"cannot resume {path.parent} for {self.recipe.epochs} epochs in all: "
                              f"it has already trained {len(self.history)}")
        rngs = state_part(state, "torch_rng", path)
        check_world_size(path.parent, len(rngs), self.hw.world_size)
        load_model_state(self.model, state, path)
        try:
            self.optimizer.load_state_dict(state_part(state, "optimizer", path))
            self.scheduler.load_state_dict(state_part(state, "scheduler", path))
            self.scaler.load_state_dict(state_part(state, "scaler", path))
            self.generator.set_state(state_part(state, "generator", path))
            torch.set_rng_state(rngs[self.hw.rank])
            if self.hw.device.type == "cuda" and state.get("cuda_rng"):
                torch.cuda.set_rng_state(state["cuda_rng"][self.hw.rank], self.hw.device)
        except (RuntimeError, ValueError, KeyError, TypeError, IndexError) as err:
            if isinstance(err, CheckpointError):
                raise
            raise CheckpointError(f"{path} does not fit this run ({describe_load_error(err)})") from None

    def save(self, epoch: int) -> None:
        """Write the checkpoint of ``epoch`` and the history; every process must call it."""
        rng, cuda_rng = self.hw.rng_states()
        if self.hw.is_main:
            self.run_dir.save_epoch({
                "epoch": epoch, "model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(), "scaler": self.scaler.state_dict(),
                "generator": self.generator.get_state(), "torch_rng": rng, "cuda_rng": cuda_rng,
                "history": self.history.epochs,
            }, self.history)


class _Tally:
    """One epoch's bookkeeping: loss and accuracy summed on the device (no wait for a GPU at
    every step), a NaN check every 20 steps, the progress bar, ``on_step``, the time."""

    def __init__(self, training: Training, epoch: int) -> None:
        self.training, self.epoch = training, epoch
        hw = training.hw
        hw.reset_peak_memory()
        self.start = time.perf_counter()
        self.loss_sum = torch.zeros((), device=hw.device, dtype=torch.float64)
        self.correct = torch.zeros((), device=hw.device, dtype=torch.int64)
        self.count = 0
        self.bar = epoch_bar(training.steps_per_epoch, f"epoch {epoch}/{training.recipe.epochs}",
                             enabled=training.progress and hw.is_main)

    def add(self, step: int, loss: Tensor, logits: Tensor, y: Tensor) -> None:
        training = self.training
        if training.on_step is not None:
            training.on_step((self.epoch - 1) * training.steps_per_epoch + step + 1, training.total_steps)
        self.loss_sum += loss.detach().double() * len(y)
        self.correct += (logits.argmax(1) == y).sum()
        self.count += len(y)
        if step % 20 == 0 or step == training.steps_per_epoch - 1:
            _check_finite(self.loss_sum, self.epoch, step, training.run_dir)
        self.bar.update(1)

    def finish(self) -> dict[str, float]:
        self.bar.close()
        _check_finite(self.loss_sum, self.epoch, self.training.steps_per_epoch, self.training.run_dir)
        seconds = time.perf_counter() - self.start
        loss, correct, count = self.training.hw.all_sum([self.loss_sum.item(), self.correct.item(), self.count])
        return {"loss": loss / count, "acc": correct / count, "count": count, "seconds": seconds}


def _check_finite(loss_sum: Tensor, epoch: int, step: int, run_dir: RunDir | None) -> None:
    if not torch.isfinite(loss_sum):
        kept = (f"the last good checkpoint is {run_dir.checkpoint}" if run_dir and run_dir.checkpoint.exists()
                else "no checkpoint was written")
        raise TrainingDiverged(
            f"the loss became NaN or infinite in epoch {epoch} (by step {step}); {kept}. "
            "Try a lower learning rate (--lr), bf16 instead of fp16 (--amp bf16), or check the input data."
        )
