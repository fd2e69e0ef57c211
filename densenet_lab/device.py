"""Where and how a run computes: the device, the precision, the processes, the seeds.

    >>> hw = setup_hardware()            # CUDA, else Apple MPS, else the CPU
    >>> with hw.autocast():              # bf16/fp16 when asked, else float32
    ...     logits = model(x)

Started with ``torchrun --nproc_per_node N``, ``setup_hardware`` joins the process group
(NCCL on GPUs, gloo on CPUs) and each process learns its ``rank`` among ``world_size``.
"""

from __future__ import annotations

import os
import random
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import torch
import torch.distributed as dist

from ._checks import check_choice

AMP_NAMES = {torch.bfloat16: "bf16", torch.float16: "fp16"}  # as run.json and --amp say them


class DeviceError(ValueError):
    """A device that is unknown or not present on this machine."""


def _mps_available() -> bool:
    return getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()


def pick_device(device: str | torch.device | None = None, *, name: str = "device") -> torch.device:
    """The given device, else CUDA, else Apple MPS, else the CPU (local rank's GPU under torchrun).

    Raises ``DeviceError`` (naming the argument ``name``) for a device that is unknown or
    that this machine does not have, e.g. ``"cuda"`` without a GPU.
    """
    if device is None:
        if torch.cuda.is_available():
            return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
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


def seed_everything(seed: int, deterministic: bool = False) -> None:
    """Seed Python and torch (all devices); ``deterministic`` also asks for deterministic kernels."""
    random.seed(seed)
    torch.manual_seed(seed)
    if deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False


@dataclass(frozen=True)
class Hardware:
    """Where a run computes: its ``device``, the autocast ``dtype`` (``None``: float32), and
    this process's ``rank`` among ``world_size`` processes (0 of 1 without torchrun)."""

    device: torch.device
    dtype: torch.dtype | None = None
    rank: int = 0
    world_size: int = 1

    @property
    def is_main(self) -> bool:
        """Whether this is the process that writes files and prints (rank 0)."""
        return self.rank == 0

    @property
    def amp(self) -> str | None:
        """The precision as run.json records it: ``"bf16"``, ``"fp16"`` or ``None``."""
        return AMP_NAMES.get(self.dtype)

    def autocast(self) -> AbstractContextManager:
        """Mixed precision for a forward pass in ``dtype``; nothing in float32."""
        return torch.autocast(self.device.type, dtype=self.dtype) if self.dtype else nullcontext()

    def all_sum(self, values: list[float]) -> list[float]:
        """``values`` summed over every process (unchanged in a single one)."""
        if self.world_size == 1:
            return values
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        dist.all_reduce(t)
        return t.tolist()

    def barrier(self) -> None:
        """Wait until every process has come here."""
        if self.world_size > 1:
            dist.barrier()

    def rng_states(self) -> tuple[list[torch.Tensor], list[torch.Tensor] | None]:
        """Every process's CPU random state, and its GPU's when it trains on CUDA (else ``None``)."""
        cuda = self.device.type == "cuda"
        states = [torch.get_rng_state()]
        cuda_states = [torch.cuda.get_rng_state(self.device)] if cuda else None
        if self.world_size > 1:
            states = [None] * self.world_size  # filled with every process's state
            dist.all_gather_object(states, torch.get_rng_state())
            if cuda:
                cuda_states = [None] * self.world_size
                dist.all_gather_object(cuda_states, torch.cuda.get_rng_state(self.device))
        return states, cuda_states

    def reset_peak_memory(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)

    def peak_memory_mb(self) -> float | None:
        """The most GPU memory allocated since ``reset_peak_memory``; ``None`` off CUDA."""
        return torch.cuda.max_memory_allocated(self.device) / 2**20 if self.device.type == "cuda" else None


def setup_hardware(device: str | torch.device | None = None, amp: bool | str | None = None) -> Hardware:
    """Pick the device (see ``pick_device``), join the processes started by torchrun (see
    ``init_distributed``) and choose the autocast dtype (see ``amp_dtype``)."""
    chosen = pick_device(device)
    rank, world = init_distributed(chosen)
    return Hardware(chosen, amp_dtype(amp, chosen), rank, world)
