"""Checks for chapter 2's exercises (see ``densenet_lab.exercises.core`` for the contract).

The gradient measurements repeat the chapter's: a stack ``Flatten, Linear(64, 64), blocks,
Linear(64, 10)`` made after ``torch.manual_seed(seed)``, 128 random inputs and labels, the
norm of the loss gradient at the first layer's weights. With the same seed they give the
chapter's ``grad_at_first_layer`` exactly (the layers are made in the same order).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ..models import BasicBlock
from .core import call, correct, fail, parameter_shapes, require_answer, same_function
from .messages import msg


class _Residual(nn.Module):
    """x -> x + branch(x), as the chapter's ``Residual``."""

    def __init__(self, branch: nn.Module):
        super().__init__()
        self.branch = branch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.branch(x)


def plain(width: int) -> nn.Module:
    """The chapter's plain block, x <- relu(W x)."""
    return nn.Sequential(nn.Linear(width, width), nn.ReLU())


def residual(width: int) -> nn.Module:
    """The chapter's residual block, x <- x + relu(W x)."""
    return _Residual(plain(width))


def plain_tanh(width: int) -> nn.Module:
    """The plain block with tanh, x <- tanh(W x)."""
    return nn.Sequential(nn.Linear(width, width), nn.Tanh())


def small_residual(width: int) -> nn.Module:
    """The residual block with its branch's weight multiplied by 0.1 at initialisation."""
    block = residual(width)
    with torch.no_grad():
        block.branch[0].weight.mul_(0.1)
    return block


def grad_at_first_layer(block: Callable[[int], nn.Module], depth: int, seed: int = 0) -> float:
    """The chapter's measurement: gradient norm at the first layer of a fresh stack."""
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Flatten(), nn.Linear(64, 64), *(block(64) for _ in range(depth)),
                        nn.Linear(64, 10))
    x, y = torch.randn(128, 64), torch.randint(0, 10, (128,))
    F.cross_entropy(net(x), y).backward()
    return net[1].weight.grad.norm().item()


@cache
def _ratio(depth: int) -> float:
    """The plain stack's first-layer gradient over the residual stack's, at ``depth``."""
    return grad_at_first_layer(plain, depth) / grad_at_first_layer(residual, depth)


def reference_first_depth_below(fraction: float, max_depth: int = 48) -> int | None:
    """The smallest depth (1 to max_depth) at which the plain stack's gradient at the first
    layer is below ``fraction`` times the residual stack's; None if there is none."""
    return next((d for d in range(1, max_depth + 1) if _ratio(d) < fraction), None)


def check_first_depth_below(first_depth_below: Callable[..., Any]) -> float:
    """``first_depth_below(fraction, max_depth=48)``, checked on several fractions."""
    require_answer(first_depth_below, msg("the function {name}", name="first_depth_below(fraction, max_depth=48)"))
    cases = [(0.01, 48), (0.5, 48), (0.1, 48), (1e-3, 48), (1e-6, 48), (1e-30, 10)]
    for fraction, max_depth in cases:
        got = call(first_depth_below, fraction, max_depth, what="first_depth_below")
        expected = reference_first_depth_below(fraction, max_depth)
        if got == expected:
            continue
        hint = msg("for depth = 1, 2, ..., max_depth compare grad_at_first_layer(plain, depth) with "
                   "fraction * grad_at_first_layer(residual, depth); return the first depth below it")
        if expected is None:
            hint = msg("no depth up to max_depth gets there: return None")
        elif got == expected - 1:
            hint = msg("that is the last depth still above the fraction: return the first one below")
        elif got == expected + 1:
            hint = msg("one too deep: at the depth before it the ratio is already below the fraction")
        fail(f"first_depth_below({fraction:g}, max_depth={max_depth}) = {expected!r}",
             repr(got), hint)
    return correct(msg("first_depth_below agrees with the measurement for {n} fractions.", n=len(cases)),
                   points=2)


def _randomize_batchnorm(module: nn.Module, seed: int = 0) -> None:
    """Give every BatchNorm a random scale, shift and running statistics, so that in eval
    mode it is not close to the identity and a misplaced BN changes the output."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.affine:
                for t in (m.weight, m.bias, m.running_mean):
                    t.copy_(torch.randn(t.shape, generator=generator))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=generator))


def _check_block(student: Any, reference: nn.Module, x: torch.Tensor, *, what: str,
                 order: str, hint: str) -> None:
    """Same parameter shapes in the same order, then the same outputs for the same weights."""
    if not isinstance(student, nn.Module):
        fail(msg("{what}, a torch.nn.Module", what=what), msg("a {type}", type=type(student).__name__),
             msg("build it from nn layers (nn.Sequential or a class)"))
    if parameter_shapes(student) != parameter_shapes(reference):
        fail(msg("{what} with the parameter shapes (in order) {shapes}", what=what, shapes=parameter_shapes(reference)),
             f"{parameter_shapes(student)}", order)
    _randomize_batchnorm(student)
    same_function(student, reference, x, what=what, hint=hint)


def check_projection_block(ProjectionBlock: Callable[..., nn.Module]) -> float:
    """``ProjectionBlock(in_channels, channels, stride)``: ResNet's basic block with a 1x1
    convolution + BN on the shortcut when the shape changes; compared with the package's
    ``densenet_lab.models.BasicBlock`` for the same weights."""
    require_answer(ProjectionBlock, msg("the class {name}", name="ProjectionBlock"))
    order = msg("create conv1 (3x3, stride, no bias), bn1, conv2 (3x3, no bias), bn2, then, only when "
                "stride != 1 or in_channels != channels, the shortcut's 1x1 conv (stride, no bias) and its BN")
    hint = msg("out = relu(bn1(conv1(x))); out = bn2(conv2(out)); the shortcut is x, or "
               "bn(conv1x1(x)) when the shape changes; return relu(out + shortcut)")
    configs = [(16, 16, 1), (8, 16, 2), (8, 16, 1), (16, 8, 2)]
    for in_channels, channels, stride in configs:
        args = (in_channels, channels, stride)
        student = call(ProjectionBlock, *args, what="ProjectionBlock")
        x = torch.randn(2, in_channels, 8, 8)
        _check_block(student, BasicBlock(*args), x, what=f"ProjectionBlock{args}", order=order,
                     hint=hint)
    return correct(msg("ProjectionBlock matches ResNet's basic block in {n} shapes.", n=len(configs)),
                   points=2)


def _check_bool(name: str, answer: Any, truth: bool, measured: str, hint: str) -> None:
    require_answer(answer, msg("{name} = True or False", name=name))
    if not isinstance(answer, bool):
        fail(msg("{name}, True or False", name=name), repr(answer), msg("answer with a bool: True or False"))
    if answer != truth:
        fail(f"{name} = {truth}", msg("{answer}; the measurement: {measured}", answer=answer, measured=measured), hint)


def check_plain_tanh(plain_tanh_block: Callable[[int], nn.Module], still_vanishes: Any,
                     more_slowly: Any) -> float:
    """``plain_tanh(width)`` is x <- tanh(W x); the two answers agree with the measurement."""
    require_answer(plain_tanh_block, msg("the function {name}", name="plain_tanh(width)"))
    for width in (64, 8):
        student = call(plain_tanh_block, width, what="plain_tanh")
        _check_block(student, plain_tanh(width), torch.randn(16, width),
                     what=f"plain_tanh({width})",
                     order=msg("the block is nn.Linear(width, width) followed by nn.Tanh()"),
                     hint=msg("apply the Linear layer first, then tanh"))
    g_tanh = [grad_at_first_layer(plain_tanh, d) for d in (2, 32)]
    g_relu = [grad_at_first_layer(plain, d) for d in (2, 32)]
    measured = msg("from 2 to 32 blocks, tanh {t2:.1e} -> {t32:.1e}, ReLU {r2:.1e} -> {r32:.1e}",
                   t2=g_tanh[0], t32=g_tanh[1], r2=g_relu[0], r32=g_relu[1])
    _check_bool("still_vanishes", still_vanishes, g_tanh[1] < 1e-3 * g_tanh[0], measured,
                msg("compare the gradient at 32 blocks with a thousandth of the one at 2"))
    _check_bool("more_slowly", more_slowly, g_tanh[1] / g_tanh[0] > g_relu[1] / g_relu[0],
                measured, msg("compare how much of the gradient is left at 32 blocks, as a "
                              "fraction of the one at 2, for tanh and for ReLU"))
    return correct(msg("{measured}.", measured=measured), points=2)


def check_small_residual(small_residual_block: Callable[[int], nn.Module],
                         explodes: Any) -> float:
    """``small_residual(width)``: x + relu(W x) with W a tenth of the default initialisation;
    ``explodes`` agrees with the measured gradient from 2 to 48 blocks."""
    require_answer(small_residual_block, msg("the function {name}", name="small_residual(width)"))
    for width in (64, 16):
        student = call(small_residual_block, width, what="small_residual")
        _check_block(student, residual(width), torch.randn(16, width),
                     what=f"small_residual({width})",
                     order=msg("build the chapter's residual(width) block, then scale its weight"),
                     hint=msg("the block computes x + relu(W x + b): start from residual(width)"))
        bound = 1 / math.sqrt(width)  # nn.Linear draws its weight from U(-bound, bound)
        largest = student.branch[0].weight.abs().max().item() if hasattr(student, "branch") \
            else max(p.abs().max().item() for p in student.parameters() if p.dim() == 2)
        if not 0.05 * bound < largest <= 0.1 * bound * (1 + 1e-6):
            fail(msg("weights within +-{tenth:.3g}: a tenth of nn.Linear's default +-{bound:.3g} (width {width})",
                     tenth=0.1 * bound, bound=bound, width=width), msg("weights up to {w:.3g}", w=largest),
                 msg("multiply the branch's weight by 0.1 once, under torch.no_grad(), after building the block"))
    g = [grad_at_first_layer(small_residual, d) for d in (2, 48)]
    measured = msg("{g2:.2g} with 2 blocks, {g48:.2g} with 48", g2=g[0], g48=g[1])
    _check_bool("explodes", explodes, g[1] > 100 * g[0], measured,
                msg("compare the gradient at 48 blocks with 100 times the one at 2"))
    return correct(msg("{measured}.", measured=measured), points=1)
