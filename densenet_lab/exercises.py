"""Checks for the exercises at the end of each chapter.

Each check prints what is right, or raises ``AssertionError`` saying what is wrong and
why, so a student (or an autograder) sees at once where an answer goes astray.
"""

from __future__ import annotations

import torch
from torch import nn

from . import analysis
from .models import DenseNetConfig


def _ok(message: str) -> bool:
    print(f"Correct: {message}")
    return True


def check_block_channels(answer: int, *, in_channels: int, growth_rate: int, num_layers: int) -> bool:
    """The output channels of a dense block: ``in_channels + num_layers * growth_rate``."""
    expected = in_channels + num_layers * growth_rate
    if answer == expected:
        return _ok(f"{in_channels} + {num_layers} x {growth_rate} = {expected} channels.")
    if answer == num_layers * growth_rate:
        raise AssertionError(f"{answer} counts only the new channels: the block also passes on its {in_channels} input channels.")
    if answer == in_channels + growth_rate:
        raise AssertionError(f"{answer} is one layer's output added to the input: every one of the {num_layers} layers adds {growth_rate}.")
    raise AssertionError(f"{answer} is not it: each of the {num_layers} layers adds k = {growth_rate} channels to the {in_channels} it receives.")


def check_connections(answer: int, *, num_layers: int) -> bool:
    """Direct connections in a dense block of L layers (block input counted): L(L+1)/2."""
    expected = num_layers * (num_layers + 1) // 2
    if answer == expected:
        return _ok(f"L(L+1)/2 = {expected}: layer l reads the block input and all l-1 earlier layers.")
    if answer == num_layers:
        raise AssertionError(f"{answer} is the number of connections of a plain chain; in a dense block layer l has l inputs.")
    raise AssertionError(f"{answer} is not it: layer l receives l connections (the block input and l-1 layers); add them up for l = 1..{num_layers}.")


def check_parameters(answer: int, config: DenseNetConfig) -> bool:
    """The parameter count of a DenseNet configuration."""
    expected = analysis.count_parameters(config)
    if answer == expected:
        return _ok(f"{expected:,} parameters.")
    gap = answer - expected
    raise AssertionError(f"{answer:,} is {abs(gap):,} {'too many' if gap > 0 else 'too few'}: did you count BatchNorm's weight and bias (2 per channel) and the classifier's bias?")


def check_model_output(model: nn.Module, *, input_shape: tuple[int, ...], num_classes: int) -> bool:
    """A model that maps ``input_shape`` to ``(N, num_classes)`` logits (no softmax inside)."""
    model.eval()
    with torch.no_grad():
        out = model(torch.randn(*input_shape))
    if out.shape != (input_shape[0], num_classes):
        raise AssertionError(f"output shape {tuple(out.shape)}, expected {(input_shape[0], num_classes)}")
    if torch.allclose(out.sum(1), torch.ones(len(out)), atol=1e-4) and (out >= 0).all():
        raise AssertionError("the outputs sum to 1: remove the softmax, CrossEntropyLoss applies log-softmax itself")
    return _ok(f"{tuple(input_shape)} -> {tuple(out.shape)} logits.")
