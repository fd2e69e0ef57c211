"""Checks for chapter 6's exercises (see ``densenet_lab.exercises.core`` for the contract)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from .core import call, correct, fail, require_answer
from .messages import msg

GIB = 2**30


@cache
def _model(name: str):
    from ..models import create_model

    return create_model(name)


def _estimate(name: str, batch: int, memory_efficient: bool) -> int:
    from ..analysis import estimate_activation_memory

    return estimate_activation_memory(_model(name), 224, batch, memory_efficient=memory_efficient)


def _largest(name: str, budget_bytes: float, memory_efficient: bool) -> int:
    """The largest batch whose estimate fits in ``budget_bytes`` (0 when one image does not)."""
    low, high = 0, 1  # estimate(low) fits (or low = 0), estimate(high) does not
    while _estimate(name, high, memory_efficient) <= budget_bytes:
        low, high = high, 2 * high
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (mid, high) if _estimate(name, mid, memory_efficient) <= budget_bytes else (low, mid)
    return low


def check_largest_batch(largest_batch: Callable[..., Any], points: float = 2) -> float:
    """``largest_batch(model_name, budget_gib, memory_efficient)`` at 224x224, from the estimate."""
    require_answer(largest_batch, "largest_batch(model_name, budget_gib, memory_efficient)")
    cases = [("densenet121", 16, False), ("densenet121", 16, True), ("densenet121", 4, False),
             ("densenet169", 24, True), ("densenet121", 80, True), ("densenet121", 0.1, False)]
    for name, budget, lean in cases:
        expected = _largest(name, budget * GIB, lean)
        got = call(largest_batch, name, budget, lean, what="largest_batch")
        if got == expected:
            continue
        if got == expected + 1:
            hint = msg("that is the first batch that no longer fits: return the one before it")
        elif got == _largest(name, budget * 1e9, lean):
            hint = msg("a GiB is 2**30 bytes, not 10**9")
        elif got == _largest(name, budget * GIB, not lean):
            hint = msg("pass memory_efficient on to estimate_activation_memory")
        elif got == int(budget * GIB // _estimate(name, 1, lean)):
            hint = msg("the estimate is not exactly proportional to the batch: test the batch you "
                       "find with estimate_activation_memory itself")
        else:
            hint = msg("the largest batch b with estimate_activation_memory(model, 224, b, "
                       "memory_efficient=...) <= budget_gib * 2**30; 0 when one image does not fit")
        fail(f"largest_batch{(name, budget, lean)} = {expected}", repr(got), hint)
    return correct(msg("the largest batch in {n} cases: two models, several budgets, both modes.", n=len(cases)),
                   points)


def _saved_channels(num_layers: int, in_channels: int, growth_rate: int, memory_efficient: bool) -> int:
    if memory_efficient:
        return in_channels + num_layers * growth_rate
    return num_layers * in_channels + growth_rate * num_layers * (num_layers - 1) // 2


def check_saved_channels(saved_channels: Callable[..., Any], points: float = 2) -> float:
    """``saved_channels(num_layers, in_channels, growth_rate, memory_efficient)``.

    Naive: every layer's concatenated input, sum over l = 1..L of k0 + (l - 1) k; memory-
    efficient: only the block's features, k0 + L k.
    """
    require_answer(saved_channels, "saved_channels(num_layers, in_channels, growth_rate, "
                                   "memory_efficient)")
    shapes = [(16, 24, 12), (32, 16, 12), (6, 64, 32), (1, 24, 12), (100, 2, 1)]
    cases = [(*shape, lean) for shape in shapes for lean in (False, True)]
    for layers, k0, k, lean in cases:
        expected = _saved_channels(layers, k0, k, lean)
        got = call(saved_channels, layers, k0, k, lean, what="saved_channels")
        if got == expected:
            continue
        if not lean and got == layers * k0 + k * layers * (layers + 1) // 2:
            hint = msg("layer l (from 1) reads k0 + (l - 1) k channels: the first reads only the input")
        elif not lean and got == layers * (k0 + layers * k):
            hint = msg("not every layer reads k0 + L k channels: layer l reads k0 + (l - 1) k")
        elif lean and got == layers * k:
            hint = msg("the block's features include its input: k0 channels, then k per layer")
        elif got == _saved_channels(layers, k0, k, not lean):
            hint = msg("the two modes differ: use memory_efficient")
        else:
            hint = msg("naive: add up the layers' input widths k0 + (l - 1) k for l = 1..L; "
                       "memory-efficient: the features x_0, ..., x_L once")
        fail(f"saved_channels{(layers, k0, k, lean)} = {expected}", repr(got), hint)
    return correct(msg("{n} blocks: quadratic in L when naive, linear when memory-efficient.", n=len(cases)),
                   points)
