"""Checks for chapter 7's exercises (see ``densenet_lab.exercises.core`` for the contract)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

import torch

from .core import call, correct, fail, require_answer
from .messages import msg


def _images_seen(n: int, world_size: int) -> list[int]:
    """Training images each process gets in one epoch from ``data.batches`` (run, not derived)."""
    from ..data import INFO, Split, batches

    split = Split(torch.zeros(n, 1, 2, 2, dtype=torch.uint8), torch.zeros(n, dtype=torch.long))
    gen = torch.Generator().manual_seed(0)
    return [sum(len(y) for _, y in batches(split, INFO["digits"], 64, train=True, generator=gen,
                                           rank=rank, world_size=world_size))
            for rank in range(world_size)]


def check_images_per_process(images_per_process: Callable[..., Any], points: float = 1) -> float:
    """``images_per_process(n, world_size)``: training images per process and epoch, as
    ``densenet_lab.data.batches`` gives them (the same on every rank: it pads)."""
    require_answer(images_per_process, "images_per_process(n, world_size)")
    cases = [(1437, 4), (1437, 2), (1436, 4), (10, 3), (3, 4), (50_000, 8), (7, 1)]
    for n, world in cases:
        seen = _images_seen(n, world)
        expected = seen[0]  # batches pads the order: every rank gets as many
        got = call(images_per_process, n, world, what="images_per_process")
        if got == expected and not isinstance(got, float):
            continue
        if got == n // world:
            hint = msg("batches pads the shuffled order so every process gets as many images: round up")
        elif isinstance(got, float):
            hint = msg("a process sees a whole number of images: round, and think which way")
        elif got == n:
            hint = msg("each process takes every world_size-th image, not all of them")
        else:
            hint = msg("read data.batches: it pads the order to a multiple of world_size")
        fail(f"images_per_process({n}, {world}) = {expected}", repr(got), hint)
    return correct(msg("{n} data set sizes and process counts; the padding repeats a few images per epoch.",
                       n=len(cases)), points)


def _scaled_lr(base_lr: float, base_batch: int, batch_per_process: int, world_size: int) -> float:
    return base_lr * batch_per_process * world_size / base_batch


def check_scaled_lr(scaled_lr: Callable[..., Any], points: float = 1) -> float:
    """``scaled_lr(base_lr, base_batch, batch_per_process, world_size)``: the linear scaling
    rule, the learning rate grows with the global batch ``batch_per_process * world_size``."""
    require_answer(scaled_lr, "scaled_lr(base_lr, base_batch, batch_per_process, world_size)")
    cases = [(0.1, 64, 64, 8), (0.1, 256, 64, 8), (0.1, 64, 64, 1), (0.05, 128, 32, 2),
             (0.4, 1024, 256, 4), (0.1, 64, 32, 1)]
    for base_lr, base_batch, batch, world in cases:
        expected = _scaled_lr(base_lr, base_batch, batch, world)
        got = call(scaled_lr, base_lr, base_batch, batch, world, what="scaled_lr")
        if not isinstance(got, numbers.Real) or isinstance(got, bool):
            fail(msg("a learning rate (a float)"), f"{type(got).__name__} {got!r}", msg("return a number"))
        if math.isclose(float(got), expected, rel_tol=1e-9):
            continue
        if math.isclose(float(got), base_lr * world, rel_tol=1e-9):
            hint = msg("scale by the global batch over the base batch, not by the number of "
                       "processes: the per-process batch may differ from the base batch")
        elif math.isclose(float(got), base_lr * batch / base_batch, rel_tol=1e-9):
            hint = msg("the global batch is batch_per_process * world_size")
        elif math.isclose(float(got), base_lr * math.sqrt(batch * world / base_batch), rel_tol=1e-9):
            hint = msg("the linear scaling rule multiplies by the ratio itself, not its square root")
        else:
            hint = msg("the linear scaling rule: lr = base_lr * (batch_per_process * world_size) / base_batch")
        fail(f"scaled_lr{(base_lr, base_batch, batch, world)} = {expected:g}", repr(got), hint)
    return correct(msg("the linear scaling rule on {n} settings.", n=len(cases)), points)
