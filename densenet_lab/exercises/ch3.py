"""Checks for chapter 3's exercises (see ``densenet_lab.exercises.core`` for the contract).

Each check runs the student's function on several inputs, or builds the student's module
for several configurations and compares it with the package's for the same weights.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ..models import DenseBlock as PaperBlock
from ..models import textbook
from .core import call, compare, correct, count_parameters, fail, require_answer
from .messages import msg


def _integer(got: Any) -> bool:
    return isinstance(got, (int, float)) and not isinstance(got, bool) and float(got).is_integer()


def _run_cases(function: Callable[..., Any], reference: Callable[..., int], cases, *, what: str,
               wrong: dict[str, Callable[..., int]], hint: str) -> None:
    """Call ``function`` on every case; a wrong value fails with the hint of the common
    mistake it matches (``wrong`` maps a hint to the formula of that mistake), else ``hint``."""
    for args in cases:
        got, expected = call(function, *args, what=what), reference(*args)
        shown = f"{what}({', '.join(map(repr, args))})"
        if not _integer(got):
            fail(msg("{what} to be a whole number", what=shown), f"{type(got).__name__} {got!r}",
                 msg("return the count as an int (use // rather than / to divide)"))
        if got != expected:
            mistake = next((h for h, formula in wrong.items() if formula(*args) == got), hint)
            fail(f"{shown} = {expected}", repr(got), mistake)


def block_channels(k0: int, k: int, num_layers: int) -> int:
    """The reference: channels out of a dense block."""
    return k0 + num_layers * k


def check_block_channels(function: Callable[[int, int, int], int]) -> float:
    """``block_channels(k0, k, num_layers)``: the channels a dense block outputs, k0 + L*k."""
    require_answer(function, msg("the function {name}", name="block_channels(k0, k, num_layers)"))
    cases = [(24, 12, 16), (3, 10, 2), (64, 32, 6), (16, 12, 1), (7, 5, 0)]
    _run_cases(function, block_channels, cases, what="block_channels", wrong={
        msg("the block also passes on its k0 input channels: they are part of its output"):
            lambda k0, k, n: n * k,
        msg("every one of the layers adds k channels, not only the first"):
            lambda k0, k, n: k0 + k,
        msg("layer l reads k0 + l*k channels, but the block outputs them all plus the last layer's k"):
            lambda k0, k, n: k0 + (n - 1) * k,
    }, hint=msg("each layer adds k new channels to everything it receives; start from k0"))
    return correct(msg("k0 + L*k on every case, including a block of no layers."), 1)


def connections(num_layers: int) -> int:
    """The reference: direct connections in a dense block, block input counted."""
    return num_layers * (num_layers + 1) // 2


def check_connections(function: Callable[[int], int]) -> float:
    """``connections(num_layers)``: direct connections in a dense block, L(L+1)/2."""
    require_answer(function, msg("the function {name}", name="connections(num_layers)"))
    cases = [(16,), (1,), (4,), (5,), (0,)]
    _run_cases(function, connections, cases, what="connections", wrong={
        msg("that is a plain chain (one input per layer); in a dense block layer l has l inputs"):
            lambda n: n,
        msg("count the block input too: layer l reads the block input and the l-1 layers before it"):
            lambda n: n * (n - 1) // 2,
        msg("layer l has l inputs, not L: add 1 + 2 + ... + L"): lambda n: n * n,
    }, hint=msg("layer l receives l connections (the block input and l-1 layers); add them up"))
    return correct(msg("L(L+1)/2 on every case: layer l reads the block input and all l-1 earlier layers."), 1)


def plain_block_parameters(k0: int, k: int, num_layers: int) -> int:
    """The reference: parameters of the package's plain dense block (no bottleneck)."""
    return count_parameters(PaperBlock(num_layers, k0, k, bottleneck=False))


def check_plain_block_parameters(function: Callable[[int, int, int], int]) -> float:
    """``plain_block_parameters(k0, k, num_layers)`` against the package's ``DenseBlock``
    (plain BN-ReLU-Conv3x3 layers, no bias), counted on built blocks."""
    require_answer(function, msg("the function {name}", name="plain_block_parameters(k0, k, num_layers)"))
    cases = [(24, 12, 6), (3, 10, 2), (16, 12, 1), (64, 32, 4), (5, 7, 3)]
    sum_in = lambda k0, k, n: sum(k0 + l * k for l in range(n))  # noqa: E731
    _run_cases(function, plain_block_parameters, cases, what="plain_block_parameters", wrong={
        msg("batch normalisation has 2 parameters per channel it reads (a scale and a shift)"):
            lambda k0, k, n: 9 * k * sum_in(k0, k, n),
        msg("the paper's convolution has no bias (the next BN removes any shift): drop the k per layer"):
            lambda k0, k, n: sum(2 * c + 9 * c * k + k for c in
                                          (k0 + l * k for l in range(n))),
        msg("layer l reads k0 + l*k channels, not k0: the input grows by k per layer"):
            lambda k0, k, n: n * (2 * k0 + 9 * k0 * k),
        msg("layer l (from 0) reads k0 + l*k channels: the first layer reads k0 only"):
            lambda k0, k, n: sum(2 * c + 9 * c * k for c in (k0 + l * k for l in range(1, n + 1))),
    }, hint=msg("add, for every layer l = 0..L-1 reading c = k0 + l*k channels, 2c (BN) + 9ck (conv)"))
    return correct(msg("your count matches the package's plain DenseBlock on every configuration."), 2)


def check_dense_block(block_class: Any) -> float:
    """``DenseBlock(num_convs, in_channels, num_channels)`` written without lazy modules:
    the same function as ``densenet_lab.models.textbook.TextbookDenseBlock`` for the same weights."""
    require_answer(block_class, msg("the class {name}", name="DenseBlock(nn.Module)"))
    hint = msg("conv block i is BN-ReLU-Conv3x3 (padding 1, with bias) reading "
               "in_channels + i * num_channels channels; forward concatenates each output to X")
    for num_convs, in_channels, growth in [(2, 3, 10), (4, 8, 4), (1, 5, 7), (3, 16, 12)]:
        args = (num_convs, in_channels, growth)
        block = call(block_class, *args, what="DenseBlock")
        compare(block, textbook.TextbookDenseBlock(*args), [torch.randn(2, in_channels, 6, 6)],
                what=f"DenseBlock{args}", hint=hint)
    return correct(msg("your DenseBlock computes the package's block on every configuration."), 3)
