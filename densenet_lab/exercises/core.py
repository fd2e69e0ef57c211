"""What every exercise check shares: how it passes, how it fails, and how it runs an answer.

A check *runs* the student's answer: it calls their function on several inputs, or builds
their module, feeds it a batch and compares it with a reference built from the same weights.
So an answer cannot pass by printing the right number. A check that passes prints
``Correct: ...`` and returns its points; one that fails raises ``ExerciseError`` (an
``AssertionError``, which is what nbgrader and ``densenet-lab assignments grade`` count as
a failed grade cell) whose message says what was expected, what came out, and a hint.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NoReturn

import torch
from torch import nn

from .messages import msg


class ExerciseError(AssertionError):
    """A wrong answer: the message holds what was expected, what came out, and a hint, in the
    reader's language; ``expected``, ``got`` and ``hint`` hold the three parts (None when the
    error was raised without them)."""

    expected: str | None = None
    got: str | None = None
    hint: str | None = None


class NotAnswered(ExerciseError):
    """The answer is still the placeholder of a student notebook."""


def correct(message: str, points: float = 1) -> float:
    """Print ``Correct: message`` (in the reader's language) and return the points earned."""
    print(msg("Correct: {message}", message=message))
    return points


def fail(expected: str, got: str, hint: str) -> NoReturn:
    """Raise ``ExerciseError`` saying what was expected, what came out, and a hint (each already
    in the reader's language: ``msg(...)``), framed in that language."""
    error = ExerciseError(msg("\nExpected: {expected}\nGot:      {got}\nHint:     {hint}",
                              expected=expected, got=got, hint=hint))
    error.expected, error.got, error.hint = expected, got, hint
    raise error


def require_answer(answer: Any, what: str) -> None:
    """Refuse a missing answer (``None`` or ``...``) with a message saying what to write."""
    if answer is None or answer is Ellipsis:
        raise NotAnswered(msg("\nNo answer yet: write {what} in the cell above, run it, then run this check.",
                              what=what))


def call(function: Callable[..., Any], *args: Any, what: str) -> Any:
    """Call the student's ``function(*args)``; an exception becomes a failed check naming it."""
    if not callable(function):
        fail(msg("{what}, a function", what=what), f"{type(function).__name__} {function!r}",
             msg("define it with def, then pass its name"))
    try:
        return function(*args)
    except ExerciseError:
        raise
    except NotImplementedError:  # the placeholder of a released notebook, still in place
        raise NotAnswered(msg("\nNo answer yet: {what} still raises NotImplementedError; write it in the cell "
                              "above, run it, then run this check.", what=what)) from None
    except Exception as err:  # the student's code raised: say so, as a failed check
        fail(msg("{what}{args} to return a value", what=what, args=tuple(args)), f"{type(err).__name__}: {err}",
             msg("run your function on these arguments in a cell of its own and read the error"))


def check_function(function: Callable[..., Any], reference: Callable[..., Any],
                   cases: Iterable[tuple[Any, ...]], *, what: str, hint: str) -> int:
    """Compare ``function`` with ``reference`` on every argument tuple in ``cases``.

    Returns the number of cases; fails on the first case that differs.
    """
    n = 0
    for args in cases:
        got, expected = call(function, *args, what=what), reference(*args)
        if got != expected:
            fail(f"{what}{tuple(args)} = {expected!r}", repr(got), hint)
        n += 1
    return n


def count_parameters(module: nn.Module) -> int:
    """Trainable and frozen parameters of ``module``, buffers excluded."""
    return sum(p.numel() for p in module.parameters())


def run_module(module: Any, x: torch.Tensor, *, what: str) -> torch.Tensor:
    """``module(x)`` in eval mode without gradients; an error becomes a failed check."""
    if not isinstance(module, nn.Module):
        fail(msg("{what}, a torch.nn.Module", what=what), f"{type(module).__name__}",
             msg("build it from nn layers (nn.Sequential or a class)"))
    module.eval()
    try:
        with torch.no_grad():
            return module(x)
    except Exception as err:
        fail(msg("{what} to accept a batch of shape {shape}", what=what, shape=tuple(x.shape)),
             f"{type(err).__name__}: {err}", msg("print the shape after each layer to see where it breaks"))


def copy_weights(source: nn.Module, target: nn.Module, *, what: str) -> None:
    """Copy ``source``'s parameters and buffers into ``target`` in registration order.

    The two may name their layers differently; they must hold the same tensors, in the same
    order and shapes (as a network built layer by layer in the paper's order does).
    """
    src = [*source.parameters(), *source.buffers()]
    dst = [*target.parameters(), *target.buffers()]
    shapes = [tuple(t.shape) for t in src], [tuple(t.shape) for t in dst]
    if shapes[0] != shapes[1]:
        first = next((i for i, (a, b) in enumerate(zip(*shapes)) if a != b), min(map(len, shapes)))
        fail(msg("{what} with {n} tensors (parameters and buffers), tensor {i} of shape {shape}", what=what,
                 n=len(dst), i=first, shape=shapes[1][first] if first < len(dst) else msg("none")),
             msg("{n} tensors, tensor {i} of shape {shape}", n=len(src), i=first,
                 shape=shapes[0][first] if first < len(src) else msg("none")),
             msg("build the layers in the paper's order, with the channel counts it gives"))
    with torch.no_grad():
        for s, d in zip(src, dst):
            d.copy_(s)


def same_function(student: nn.Module, reference: nn.Module, x: torch.Tensor, *, what: str,
                  hint: str, atol: float = 1e-5) -> None:
    """Fail unless ``student`` and ``reference`` (given ``student``'s weights) agree on ``x``.

    ``reference`` is changed: it receives the student's weights.
    """
    copy_weights(student, reference, what=what)
    got, expected = run_module(student, x, what=what), run_module(reference, x, what=msg("the reference"))
    if got.shape != expected.shape:
        fail(msg("output of shape {shape}", shape=tuple(expected.shape)), msg("shape {shape}", shape=tuple(got.shape)),
             hint)
    if not torch.allclose(got, expected, atol=atol, rtol=1e-4):
        gap = (got - expected).abs().max().item()
        fail(msg("the reference's output for the same weights"), msg("outputs that differ by up to {gap:.3g}", gap=gap),
             hint)


def parameter_shapes(module: nn.Module) -> list[tuple[int, ...]]:
    """The shapes of ``module``'s parameters, in registration order."""
    return [tuple(p.shape) for p in module.parameters()]


def perturb(module: nn.Module, seed: int = 0) -> nn.Module:
    """Move every weight and BN statistic away from its initial value (in place), so that
    a layer in the wrong order (ReLU before BN, say) changes the output."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in [*module.named_parameters(), *module.named_buffers()]:
            if not t.is_floating_point():
                continue
            noise = torch.randn(t.shape, generator=generator, dtype=t.dtype)
            if name.endswith("running_var"):
                t.mul_(0.5 + noise.abs().clamp(max=1))
            else:
                t.add_(0.1 * noise)
    return module


def compare(student: Any, reference: nn.Module, inputs: list[torch.Tensor], *, what: str,
            hint: str) -> None:
    """Fail unless ``student`` holds the reference's parameters (same shapes, same order) and
    gives its outputs for the same (perturbed) weights on every input."""
    if not isinstance(student, nn.Module):
        fail(msg("{what}, a torch.nn.Module", what=what), type(student).__name__,
             msg("build it from nn layers (a class deriving from nn.Module, or nn.Sequential)"))
    if any(isinstance(p, nn.parameter.UninitializedParameter) for p in student.parameters()):
        fail(msg("{what} with its weights built", what=what), msg("lazy modules, which have no weights yet"),
             msg("give every layer its input channels (nn.BatchNorm2d(c), nn.Conv2d(c, k, ...))"))
    got = [(n, tuple(p.shape)) for n, p in student.named_parameters()]
    expected = [(n, tuple(p.shape)) for n, p in reference.named_parameters()]
    if [s for _, s in got] != [s for _, s in expected]:
        i = next((i for i, (a, b) in enumerate(zip(got, expected)) if a[1] != b[1]),
                 min(len(got), len(expected)))
        say = lambda rows: (  # noqa: E731
            msg("{n} parameter tensors; number {i} is {name} of shape {shape}", n=len(rows), i=i,
                name=rows[i][0], shape=rows[i][1]) if i < len(rows)
            else msg("{n} parameter tensors; number {i} is missing", n=len(rows), i=i))
        fail(msg("{what} with {rows}", what=what, rows=say(expected)), say(got), hint)
    perturb(student)
    for x in inputs:
        same_function(student, reference, x, what=what, hint=hint)
