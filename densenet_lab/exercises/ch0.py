"""Checks for the preface's exercises (see ``densenet_lab.exercises.core`` for the contract).

The preface's exercises use the model registry: ``list_models``, ``create_model`` and
``count_parameters``. Each check runs the student's function and compares it with a
reference computed here from the same registry.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from torch import nn

from ..models import create_model, list_models
from .core import ExerciseError, call, correct, count_parameters, fail, require_answer
from .messages import msg


@lru_cache(maxsize=1)
def reference_counts() -> dict[str, int]:
    """Parameters of every registered model, built with its default number of classes."""
    return {name: count_parameters(create_model(name)) for name in list_models()}


def reference_largest_under(budget: float, counts: dict[str, int]) -> str | None:
    """The name with the most parameters among those with at most ``budget``; None if none."""
    fitting = {name: n for name, n in counts.items() if n <= budget}
    return max(fitting, key=fitting.get) if fitting else None


def reference_classifier_share(name: str) -> float:
    """The fraction of a model's parameters in its last ``nn.Linear`` (the classifier)."""
    model = create_model(name)
    head = [m for m in model.modules() if isinstance(m, nn.Linear)][-1]
    return count_parameters(head) / count_parameters(model)


def check_parameter_counts(parameter_counts: Callable[[], dict[str, int]]) -> float:
    """``parameter_counts()`` returns ``{name: parameters}`` for every registered model."""
    require_answer(parameter_counts, msg("the function {name}", name="parameter_counts()"))
    got = call(parameter_counts, what="parameter_counts")
    if not isinstance(got, dict):
        fail(msg("a dict {{model name: number of parameters}}"), msg("a {type}", type=type(got).__name__),
             msg("build the dict with {{name: ... for name in list_models()}}"))
    expected = reference_counts()
    missing, extra = [n for n in expected if n not in got], [n for n in got if n not in expected]
    if missing or extra:
        fail(msg("the {n} names of list_models()", n=len(expected)),
             msg("missing {missing}, unknown {extra}", missing=missing[:3], extra=extra[:3]),
             msg("loop over list_models(), unchanged"))
    for name, n in expected.items():
        if got[name] != n:
            hint = msg("count parameters only, with count_parameters(model)")
            if got[name] == count_parameters(create_model(name, num_classes=10)):
                hint = msg("build each model with its own default number of classes: create_model(name)")
            elif got[name] > n:
                hint = msg("count parameters, not buffers such as BatchNorm's running statistics: "
                           "count_parameters(model)")
            fail(msg("parameters of {name} to be the count of create_model({name!r})", name=name),
                 msg("{got}, more than that" if got[name] > n else "{got}, fewer than that", got=repr(got[name])),
                 hint)
    return correct(msg("{n} models counted; the largest has {largest:,} parameters.", n=len(expected),
                       largest=max(expected.values())), points=1)


class _Counts(dict):
    """A dict of parameter counts that a message shows as ``counts``, not in full."""

    def __repr__(self) -> str:
        return "counts"


def check_largest_under(largest_under: Callable[[float, dict[str, int]], Any]) -> float:
    """``largest_under(budget, counts)``: the model with the most parameters within budget."""
    require_answer(largest_under, msg("the function {name}", name="largest_under(budget, counts)"))
    counts = reference_counts()
    smallest = min(counts.values())
    at_budget = counts["densenet_bc100_k12"]  # a budget that one model meets exactly
    cases = [(1_000_000, counts), (10_000_000, counts), (at_budget, counts),
             (math.inf, counts), (smallest - 1, counts),
             (10_000_000, {"a": 10, "b": 30, "c": 20})]  # not the registry: the same rule
    for budget, table in cases:
        expected = reference_largest_under(budget, table)
        try:
            got = call(largest_under, budget, _Counts(table), what="largest_under")
        except ExerciseError as err:
            if expected is not None:
                raise
            fail(f"largest_under({budget:,}, counts) = None", err.got or str(err).strip(),
                 msg("no model fits this budget: return None (max() of nothing raises an error unless "
                     "you give it default=None)"))
        if got == expected:
            continue
        hint = msg("keep the models with at most `budget` parameters, then take the largest of them")
        if expected is None:
            hint = msg("no model fits this budget: return None")
        elif isinstance(got, int) and got == table.get(expected):
            hint = msg("return the model's name, not its parameter count")
        elif got == reference_largest_under(budget - 1, table):
            hint = msg("'under the budget' includes a model with exactly `budget` parameters (<=)")
        elif got in table and table[got] == min(n for n in table.values() if n <= budget):
            hint = msg("you return the smallest model within budget: take the one with most parameters")
        elif got in table and table[got] > budget:
            hint = msg("{name} has {n:,} parameters: more than the budget", name=got, n=table[got])
        fail(f"largest_under({budget:,}, counts) = {expected!r}", repr(got), hint)
    return correct(msg("largest_under picks the right model for {n} budgets.", n=len(cases)), points=2)


def check_classifier_share(classifier_share: Callable[[str], float]) -> float:
    """``classifier_share(name)``: the fraction of a model's parameters in its classifier."""
    require_answer(classifier_share, msg("the function {name}", name="classifier_share(name)"))
    names = ["densenet_bc100_k12", "densenet121", "resnet18", "d2l_densenet"]
    for name in names:
        got = call(classifier_share, name, what="classifier_share")
        expected = reference_classifier_share(name)
        if isinstance(got, (int, float)) and math.isclose(got, expected, rel_tol=1e-6):
            continue
        hint = msg("divide the parameters of the last nn.Linear by those of the whole model")
        if isinstance(got, (int, float)):
            model = create_model(name)
            head = [m for m in model.modules() if isinstance(m, nn.Linear)][-1]
            if math.isclose(got, 100 * expected, rel_tol=1e-6):
                hint = msg("return a fraction between 0 and 1, not a percentage")
            elif math.isclose(got, head.weight.numel() / count_parameters(model), rel_tol=1e-6):
                hint = msg("the classifier has a bias too: count all its parameters")
            elif got > 1:
                hint = msg("return the fraction (classifier parameters / all parameters), not a count")
        else:
            hint = msg("return a number, not a {type}", type=type(got).__name__)
        fail(f"classifier_share({name!r}) = {expected:.4f}", repr(got), hint)
    return correct(msg("the classifier share is right for {n} models.", n=len(names)), points=2)
