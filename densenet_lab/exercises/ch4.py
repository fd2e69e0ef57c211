"""Checks for chapter 4's exercises (see ``densenet_lab.exercises.core`` for the contract)."""

from __future__ import annotations

import torch
from torch import nn

from .core import ExerciseError, correct


def check_model_output(model: nn.Module, *, input_shape: tuple[int, ...], num_classes: int) -> float:
    """A model that maps ``input_shape`` to ``(N, num_classes)`` logits (no softmax inside)."""
    model.eval()
    with torch.no_grad():
        out = model(torch.randn(*input_shape))
    if out.shape != (input_shape[0], num_classes):
        raise ExerciseError(f"output shape {tuple(out.shape)}, expected {(input_shape[0], num_classes)}")
    if torch.allclose(out.sum(1), torch.ones(len(out)), atol=1e-4) and (out >= 0).all():
        raise ExerciseError("the outputs sum to 1: remove the softmax, CrossEntropyLoss applies log-softmax itself")
    return correct(f"{tuple(input_shape)} -> {tuple(out.shape)} logits.")
