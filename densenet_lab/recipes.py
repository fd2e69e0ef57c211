"""Training recipes: the optimiser and the learning-rate schedule, named after their source.

    textbook  the textbook's current edition: plain SGD, learning rate 0.01, batch 128, 10 epochs
    paper     DenseNet's: Nesterov momentum 0.9, weight decay 1e-4, batch 64, 300 epochs,
              learning rate 0.1 divided by 10 at 50% and 75% of training
    quick     seconds on a CPU, for the tests and the ``ci`` profile
    cpu       a real but small run on a CPU (digits to 99% in about a minute)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import torch

from ._checks import check_choice, check_int, check_lr


@dataclass(frozen=True)
class Recipe:
    """An optimiser and schedule: SGD with (Nesterov) momentum and weight decay.

    ``schedule``: ``"step"`` divides the learning rate by 10 at each fraction of training in
    ``milestones``; ``"cosine"`` anneals it to 0; ``"constant"`` keeps it.
    """

    name: str
    epochs: int
    batch_size: int
    lr: float
    momentum: float = 0.9
    nesterov: bool = True
    weight_decay: float = 1e-4
    schedule: str = "step"
    milestones: tuple[float, ...] = (0.5, 0.75)

    def lr_factor(self, step: int, total: int) -> float:
        """The learning rate at optimiser step ``step`` of ``total``, as a fraction of ``lr``."""
        if self.schedule == "cosine":
            return 0.5 * (1 + math.cos(math.pi * step / total))
        if self.schedule == "step":
            return 0.1 ** sum(step >= m * total for m in self.milestones)
        return 1.0

    def optimizer(self, parameters: Iterable[torch.nn.Parameter]) -> torch.optim.SGD:
        return torch.optim.SGD(parameters, lr=self.lr, momentum=self.momentum,
                               nesterov=self.nesterov and self.momentum > 0, weight_decay=self.weight_decay)

    def scheduler(self, optimizer: torch.optim.Optimizer, total_steps: int) -> torch.optim.lr_scheduler.LambdaLR:
        """The schedule over ``total_steps`` optimiser steps (stepped once per step, not per epoch)."""
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: self.lr_factor(step, total_steps))


RECIPES = {
    # the textbook (current edition): Fashion-MNIST at 96x96, plain SGD, 10 epochs
    "textbook": Recipe("textbook", 10, 128, 0.01, momentum=0.0, nesterov=False, weight_decay=0.0, schedule="constant"),
    # the paper: Nesterov 0.9, weight decay 1e-4, batch 64, 300 epochs, lr 0.1 / 10 at 50% and 75%
    "paper": Recipe("paper", 300, 64, 0.1),
    # seconds on a CPU, for tests and the ci profile
    "quick": Recipe("quick", 5, 64, 0.05, schedule="cosine"),
    # a real but small run on a CPU (digits to 99% in about a minute)
    "cpu": Recipe("cpu", 8, 64, 0.1, schedule="cosine"),
}


def choose_recipe(recipe: str | Recipe, *, epochs: int | None = None, batch_size: int | None = None,
                  lr: float | None = None) -> Recipe:
    """The recipe named ``recipe`` (or the ``Recipe`` given) with ``epochs``, ``batch_size``
    and ``lr`` replaced where they are not ``None``; each is checked, naming the argument."""
    recipe = RECIPES[check_choice("recipe", recipe, tuple(RECIPES))] if isinstance(recipe, str) else recipe
    return replace(
        recipe,
        epochs=recipe.epochs if epochs is None else check_int("epochs", epochs, maximum=100_000),
        batch_size=recipe.batch_size if batch_size is None else check_int("batch_size", batch_size, maximum=65_536),
        lr=recipe.lr if lr is None else check_lr("lr", lr),
    )


def recipe_from_record(raw: Any) -> Recipe:
    """The ``Recipe`` that a run.json's ``"recipe"`` records; ``TypeError``, ``ValueError`` or
    ``AttributeError`` when it is not a whole, valid one."""
    recipe = Recipe(**{**raw, "milestones": tuple(raw.get("milestones", ()))})
    check_int("epochs", recipe.epochs, maximum=100_000)
    check_int("batch_size", recipe.batch_size, maximum=65_536)
    check_lr("lr", recipe.lr)
    return recipe
