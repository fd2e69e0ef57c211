"""Checks for chapter 1's exercises (see ``densenet_lab.exercises.core`` for the contract).

Chapter 1 goes from a Taylor expansion to the dense expansion ``[x, f1(x), f2([x, f1(x)])]``:
the exercises count Taylor terms, read ``x`` back from a concatenation, and build the
chapter's keep-then-reduce step as a module.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from .core import call, correct, fail, parameter_shapes, require_answer, same_function
from .messages import msg


def reference_terms_needed(x: float, tol: float, signed: bool = False) -> int:
    """Terms ``x**i / i!`` (i = 0, 1, ...) the series of exp(x) needs for ``|error| < tol``.

    ``signed=True`` gives the common mistake of comparing the error without its absolute value.
    """
    n, partial = 0, 0.0
    while True:
        error = math.exp(x) - partial
        if (error if signed else abs(error)) < tol:
            return n
        partial += x**n / math.factorial(n)
        n += 1


# (x, tol): both signs of x, an x = 0 that one term gets exactly, small and large tolerances
TERMS_CASES = [(1.0, 1e-6), (0.5, 1e-6), (2.0, 1e-10), (-1.0, 1e-6), (-3.0, 1e-6), (0.0, 1e-6),
               (3.0, 1e-3)]


def check_terms_needed(terms_needed: Callable[[float, float], int]) -> float:
    """``terms_needed(x, tol)``: how many terms of the Taylor series of exp at 0 reach
    an absolute error below ``tol`` at ``x``."""
    require_answer(terms_needed, msg("the function {name}", name="terms_needed(x, tol)"))
    for x, tol in TERMS_CASES:
        got = call(terms_needed, x, tol, what="terms_needed")
        expected = reference_terms_needed(x, tol)
        if got == expected:
            continue
        hint = msg("add the terms x**i / i! for i = 0, 1, 2, ... until |exp(x) - sum| < tol, and "
                   "return how many terms you added")
        if got == expected - 1:
            hint = msg("that is the order n of the polynomial, not its number of terms: the "
                       "polynomial of order n has n + 1 terms (i = 0, ..., n)")
        elif got == expected + 1:
            hint = msg("one term too many: n terms are the powers i = 0, ..., n - 1")
        elif x < 0 and got == reference_terms_needed(x, tol, signed=True):
            hint = msg("for x < 0 the error changes sign from term to term: compare its absolute "
                       "value with tol")
        fail(f"terms_needed({x}, {tol:g}) = {expected}", repr(got), hint)
    return correct(msg("terms_needed agrees with the reference on {n} cases.", n=len(TERMS_CASES)),
                   points=2)


def check_readout_matrix(readout_matrix: Callable[[int], Any]) -> float:
    """``readout_matrix(n)``: a ``(2n, n)`` matrix ``W`` with ``[x, f1(x)] @ W == x`` for every
    ``f1`` (from ``n`` to ``n`` features) and every batch ``x`` of shape ``(N, n)``."""
    require_answer(readout_matrix, msg("the function {name}", name="readout_matrix(n)"))
    generator = torch.Generator().manual_seed(0)
    for n in (8, 3, 1):
        got = call(readout_matrix, n, what="readout_matrix")
        try:
            W = torch.as_tensor(got, dtype=torch.float32)
        except (TypeError, ValueError, RuntimeError):
            fail(msg("{what}, a tensor of shape {shape}", what=f"readout_matrix({n})", shape=(2 * n, n)),
                 msg("a {type}", type=type(got).__name__), msg("return a torch tensor, e.g. made with torch.eye"))
        if W.shape != (2 * n, n):
            fail(msg("{what} of shape {shape}", what=f"readout_matrix({n})", shape=(2 * n, n)),
                 msg("shape {shape}", shape=tuple(W.shape)),
                 msg("[x, f1(x)] has {m} features and x has {n}: one row per feature of the "
                     "concatenation, one column per feature of x", m=2 * n, n=n))
        for _ in range(3):  # three different f1: the read-out may not depend on f1
            x = torch.randn(50, n, generator=generator)
            f1 = torch.tanh(x @ torch.randn(n, n, generator=generator) + 1)
            features = torch.cat([x, f1], dim=1)
            if not torch.allclose(features @ W, x, atol=1e-5):
                hint = msg("the first n columns of [x, f1(x)] are x itself: copy them, ignore the rest")
                if torch.allclose(features @ W, f1, atol=1e-5):
                    hint = msg("your matrix reads f1(x), the last n columns: read the first n")
                fail(msg("[x, f1(x)] @ readout_matrix({n}) == x for any f1", n=n),
                     msg("outputs that differ from x by up to {gap:.3g}", gap=(features @ W - x).abs().max().item()),
                     hint)
    return correct(msg("[x, f1(x)] @ W gives x back exactly, whatever f1 is."), points=1)


class ReferenceDenseMLP(nn.Module):
    """The chapter's keep-then-reduce step: ``(N, in_features) -> (N, out_features)``.

    Layer ``i`` (``i = 0, ..., num_layers - 1``) is ``Linear(in_features + i * growth,
    growth)`` followed by tanh; it reads the concatenation of everything before it and its
    output is concatenated to it. A final ``Linear(in_features + num_layers * growth,
    out_features)`` reduces the concatenation.
    """

    def __init__(self, in_features: int, growth: int, num_layers: int, out_features: int):
        super().__init__()
        self.fs = nn.ModuleList(nn.Sequential(nn.Linear(in_features + i * growth, growth), nn.Tanh())
                                for i in range(num_layers))
        self.reduce = nn.Linear(in_features + num_layers * growth, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        for f in self.fs:
            h = torch.cat([h, f(h)], dim=1)
        return self.reduce(h)


def check_keep_and_reduce(DenseMLP: Callable[..., nn.Module]) -> float:
    """``DenseMLP(in_features, growth, num_layers, out_features)``: the keep-then-reduce step."""
    require_answer(DenseMLP, msg("the class {name}", name="DenseMLP"))
    configs = [(8, 8, 3, 4), (5, 3, 2, 7), (4, 6, 0, 2)]  # the last one: nothing to concatenate
    for in_features, growth, num_layers, out_features in configs:
        args = (in_features, growth, num_layers, out_features)
        model = call(DenseMLP, *args, what="DenseMLP")
        reference = ReferenceDenseMLP(*args)
        if not isinstance(model, nn.Module):
            fail(msg("{what}, a torch.nn.Module", what=f"DenseMLP{args}"), msg("a {type}", type=type(model).__name__),
                 msg("write a class that derives from nn.Module"))
        got, expected = parameter_shapes(model), parameter_shapes(reference)
        if got != expected:
            widths = [in_features + i * growth for i in range(num_layers + 1)]
            fail(msg("{what} with the weights (Linear layers in order) {shapes}", what=f"DenseMLP{args}",
                     shapes=expected), f"{got}",
                 msg("layer i reads all {widths} features before it and adds {growth}; the reduction reads "
                     "all {last}. Create the layers in that order, the reduction last", widths=widths[:-1],
                     growth=growth, last=widths[-1]))
        x = torch.randn(16, in_features)
        hint = msg("in forward, h = torch.cat([h, f(h)], dim=1) for each layer (the input first, "
                   "tanh after each Linear), then return the reduction of h")
        same_function(model, reference, x, what=f"DenseMLP{args}", hint=hint)
    return correct(msg("DenseMLP matches the reference for {n} configurations.", n=len(configs)),
                   points=2)
