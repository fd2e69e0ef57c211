"""Checks for chapter 3's exercises (see ``densenet_lab.exercises.core`` for the contract)."""

from __future__ import annotations

from .. import analysis
from ..models import DenseNetConfig
from .core import ExerciseError, correct


def check_block_channels(answer: int, *, in_channels: int, growth_rate: int, num_layers: int) -> float:
    """The output channels of a dense block: ``in_channels + num_layers * growth_rate``."""
    expected = in_channels + num_layers * growth_rate
    if answer == expected:
        return correct(f"{in_channels} + {num_layers} x {growth_rate} = {expected} channels.")
    if answer == num_layers * growth_rate:
        raise ExerciseError(f"{answer} counts only the new channels: the block also passes on its {in_channels} input channels.")
    if answer == in_channels + growth_rate:
        raise ExerciseError(f"{answer} is one layer's output added to the input: every one of the {num_layers} layers adds {growth_rate}.")
    raise ExerciseError(f"{answer} is not it: each of the {num_layers} layers adds k = {growth_rate} channels to the {in_channels} it receives.")


def check_connections(answer: int, *, num_layers: int) -> float:
    """Direct connections in a dense block of L layers (block input counted): L(L+1)/2."""
    expected = num_layers * (num_layers + 1) // 2
    if answer == expected:
        return correct(f"L(L+1)/2 = {expected}: layer l reads the block input and all l-1 earlier layers.")
    if answer == num_layers:
        raise ExerciseError(f"{answer} is the number of connections of a plain chain; in a dense block layer l has l inputs.")
    raise ExerciseError(f"{answer} is not it: layer l receives l connections (the block input and l-1 layers); add them up for l = 1..{num_layers}.")


def check_parameters(answer: int, config: DenseNetConfig) -> float:
    """The parameter count of a DenseNet configuration."""
    expected = analysis.count_parameters(config)
    if answer == expected:
        return correct(f"{expected:,} parameters.")
    gap = answer - expected
    raise ExerciseError(f"{answer:,} is {abs(gap):,} {'too many' if gap > 0 else 'too few'}: did you count BatchNorm's weight and bias (2 per channel) and the classifier's bias?")
