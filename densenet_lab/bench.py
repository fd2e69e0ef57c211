"""``densenet-lab bench``: training and inference throughput and peak memory, per mode.

Each model runs in several modes on synthetic batches (throughput does not depend on the
pixel values): fp32 eager, bf16 autocast, + channels_last, + torch.compile, and the
memory-efficient (checkpointed) variants; ``densenet121`` also runs as torchvision's
model in the same process, for fair ratios. Timings are taken after warm-up, with the
device synchronised; peak memory is CUDA's ``max_memory_allocated`` over the training
steps (on a CPU, the activation memory saved for backward, under the mode's autocast). The results, with the device,
versions, date and exact command, go to a new JSON file under ``results/`` (see
``densenet_lab.results``: the folder is in ``.gitignore``, and no file is ever overwritten).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from . import analysis
from ._checks import check_int
from .device import amp_dtype, pick_device
from .models import create_model
from .results import environment, format_table, results_path, write_new


@dataclass(frozen=True)
class Mode:
    """How a model runs: precision, memory format, compilation, checkpointing, whose model."""

    name: str
    amp: str | None = None
    channels_last: bool = False
    compile: bool = False
    memory_efficient: bool = False
    shared_buffer: bool = False
    torchvision: bool = False


MODES = {
    m.name: m
    for m in [
        Mode("fp32"),
        Mode("bf16", amp="bf16"),
        Mode("bf16+cl", amp="bf16", channels_last=True),
        Mode("bf16+cl+compile", amp="bf16", channels_last=True, compile=True),
        Mode("fp32+shared", shared_buffer=True),
        Mode("bf16+shared", amp="bf16", shared_buffer=True),
        Mode("fp32+mem", memory_efficient=True),
        Mode("bf16+mem", amp="bf16", memory_efficient=True),
        Mode("bf16+shared+mem", amp="bf16", shared_buffer=True, memory_efficient=True),
        Mode("bf16+cl+compile+mem", amp="bf16", channels_last=True, compile=True, memory_efficient=True),
        Mode("tv:fp32", torchvision=True),
        Mode("tv:bf16+cl", amp="bf16", channels_last=True, torchvision=True),
        Mode("tv:bf16+cl+compile", amp="bf16", channels_last=True, compile=True, torchvision=True),
    ]
}
QUICK_MODES = ("fp32", "bf16", "fp32+shared", "fp32+mem", "tv:fp32")


@dataclass(frozen=True)
class Workload:
    model: str
    input_size: int
    batch: int
    image_channels: int = 3


WORKLOADS = {
    "d2l_densenet": Workload("d2l_densenet", 96, 256, image_channels=1),
    "densenet_bc100_k12": Workload("densenet_bc100_k12", 32, 256),
    "densenet121": Workload("densenet121", 224, 64),
}
QUICK_WORKLOADS = {
    "d2l_densenet": Workload("d2l_densenet", 96, 2, image_channels=1),
    "densenet_bc100_k12": Workload("densenet_bc100_k12", 32, 4),
    "densenet121": Workload("densenet121", 64, 2),
}


def build(workload: Workload, mode: Mode) -> nn.Module | None:
    """The model for a workload in a mode; ``None`` where the mode does not apply."""
    if mode.torchvision:
        if workload.model != "densenet121":
            return None
        import torchvision

        model = torchvision.models.densenet121(memory_efficient=mode.memory_efficient)
    elif (mode.memory_efficient or mode.shared_buffer) and workload.model == "d2l_densenet":
        return None  # the textbook network has neither variant
    else:
        extra = {"shared_buffer": True} if mode.shared_buffer else {}  # a DenseNet option only
        model = create_model(workload.model, image_channels=workload.image_channels,
                             memory_efficient=mode.memory_efficient, **extra)
    return model


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_steps(model: nn.Module, workload: Workload, mode: Mode, device: torch.device, *,
               train: bool, warmup: int, iters: int) -> float:
    """Images per second of training steps (forward, backward, SGD) or of inference."""
    x = torch.randn(workload.batch, workload.image_channels, workload.input_size, workload.input_size, device=device)
    if mode.channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 10, (workload.batch,), device=device)
    dtype = amp_dtype(mode.amp, device)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9) if train else None
    model.train(train)

    def step() -> None:
        with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
            if train:
                loss = F.cross_entropy(model(x).float(), y)
            else:
                with torch.no_grad():
                    model(x)
        if train:
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

    for _ in range(warmup):
        step()
    _sync(device)
    start = time.perf_counter()
    for _ in range(iters):
        step()
    _sync(device)
    return workload.batch * iters / (time.perf_counter() - start)


def peak_memory_mb(model: nn.Module, workload: Workload, mode: Mode, device: torch.device) -> float:
    """Peak training memory in MiB: CUDA's allocator peak over one more training step, or on a
    CPU the activations saved for backward (measured with saved-tensor hooks)."""
    if device.type != "cuda":
        dtype = amp_dtype(mode.amp, device)
        with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
            saved = analysis.measure_activation_memory(model, workload.input_size, workload.batch,
                                                       image_channels=workload.image_channels)
        return saved / 2**20
    torch.cuda.reset_peak_memory_stats(device)
    time_steps(model, workload, mode, device, train=True, warmup=0, iters=1)
    return torch.cuda.max_memory_allocated(device) / 2**20


def largest_batch(workload: Workload, mode: Mode, device: torch.device, limit: int = 4096) -> int | None:
    """The largest power-of-two training batch that fits in GPU memory (GPU only)."""
    if device.type != "cuda":
        return None
    batch, fits = workload.batch, None
    while batch <= limit:
        model = build(workload, mode).to(device)
        if mode.channels_last:
            model = model.to(memory_format=torch.channels_last)
        try:
            time_steps(model, Workload(workload.model, workload.input_size, batch, workload.image_channels), mode,
                       device, train=True, warmup=1, iters=1)
            fits, batch = batch, batch * 2
        except torch.OutOfMemoryError:
            break
        finally:
            del model
            torch.cuda.empty_cache()
    return fits


def run_bench(models: list[str], modes: list[str], *, quick: bool = False, sweep: bool = False,
              device: str | None = None, warmup: int | None = None, iters: int | None = None,
              batch: int | None = None, command: str | None = None, log=print) -> dict[str, Any]:
    """Benchmark ``models`` x ``modes``; returns a dict with ``environment`` and ``results``.

    ``warmup`` and ``iters`` (untimed, then timed steps) and ``batch`` (default: each
    workload's own) must be at least 1. Every argument is checked before any model runs.
    """
    table = QUICK_WORKLOADS if quick else WORKLOADS
    _check_names("models", models, table)
    _check_names("modes", modes, MODES)
    warmup = check_int("warmup", (1 if quick else 5) if warmup is None else warmup)
    iters = check_int("iters", (2 if quick else 20) if iters is None else iters)
    if batch is not None:
        batch = check_int("batch", batch, maximum=65_536)
    dev = pick_device(device)
    results = []
    for name in models:
        workload = table[name] if batch is None else replace(table[name], batch=batch)
        for mode_name in modes:
            mode = MODES[mode_name]
            model = build(workload, mode)
            if model is None:
                continue
            model = model.to(dev)
            if mode.channels_last:
                model = model.to(memory_format=torch.channels_last)
            runner = torch.compile(model) if mode.compile else model
            row: dict[str, Any] = {**asdict(workload), "mode": mode_name}
            try:
                row["train_img_s"] = time_steps(runner, workload, mode, dev, train=True, warmup=warmup, iters=iters)
                row["infer_img_s"] = time_steps(runner, workload, mode, dev, train=False, warmup=warmup, iters=iters)
                row["peak_train_mb"] = peak_memory_mb(runner if dev.type == "cuda" else model, workload, mode, dev)
                if sweep:
                    row["largest_batch"] = largest_batch(workload, mode, dev)
            except Exception as err:  # one failing mode (e.g. compile without a compiler) must not sink the rest
                row["error"] = f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
            results.append(row)
            log(_row_text(row))
            del model, runner
            if dev.type == "cuda":
                torch.cuda.empty_cache()
    return {"environment": environment(dev, command), "quick": quick, "warmup": warmup, "iters": iters, "results": results}


def _check_names(name: str, given: list[str], known) -> None:
    if isinstance(given, str) or not given or not all(isinstance(g, str) and g for g in given):
        raise ValueError(f"{name} must be a non-empty list of names among {', '.join(known)}, got {given!r}")
    unknown = [g for g in given if g not in known]
    if unknown:
        raise ValueError(f"{name} must be among {', '.join(known)}, got {', '.join(unknown)}")


def _row_text(row: dict[str, Any]) -> str:
    if "error" in row:
        return f"{row['model']:<20} {row['mode']:<20} failed: {row['error']}"
    return (f"{row['model']:<20} {row['mode']:<20} train {row['train_img_s']:10.1f} img/s  "
            f"infer {row['infer_img_s']:10.1f} img/s  peak {row['peak_train_mb']:9.1f} MiB")


def summary(report: dict[str, Any]) -> str:
    """A table with each mode's speed and memory relative to fp32 eager of the same model
    (and, for densenet121, relative to torchvision's best mode)."""
    rows = []
    for r in report["results"]:
        if "error" in r:
            rows.append((r["model"], r["mode"], r["batch"], "failed", "", "", "", ""))
            continue
        base = next((b for b in report["results"] if b["model"] == r["model"] and b["mode"] == "fp32" and "error" not in b), None)
        speed = f"{r['train_img_s'] / base['train_img_s']:.2f}x" if base else "-"
        memory = f"{r['peak_train_mb'] / base['peak_train_mb']:.2f}x" if base else "-"
        rows.append((r["model"], r["mode"], r["batch"], f"{r['train_img_s']:.1f}", f"{r['infer_img_s']:.1f}",
                     f"{r['peak_train_mb']:.1f}", speed, memory))
    header = ("model", "mode", "batch", "train img/s", "infer img/s", "peak MiB", "speed vs fp32", "memory vs fp32")
    env = report["environment"]
    return f"{env['device']}, torch {env['torch']}, {env['date']}\n" + format_table(header, rows, align="llrrrrrr")


def save_report(report: dict[str, Any], out: str | Path | None = None) -> Path:
    """Write the report as JSON to ``out`` (default: ``results/bench-<device>-<date>.json``), never
    over an existing file: a taken name gets ``-2``, ``-3``, ... (see ``densenet_lab.results``).
    Returns the path written."""
    if out is None:
        out = results_path("bench", report["environment"], "-quick" if report["quick"] else "")
    return write_new(out, json.dumps(report, indent=1))
