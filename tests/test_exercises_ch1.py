"""Chapter 1's checks: the reference answers pass, common wrong answers fail with a hint."""

import math

import pytest
import torch
from torch import nn

from densenet_lab.exercises import (
    ExerciseError,
    NotAnswered,
    check_keep_and_reduce,
    check_readout_matrix,
    check_terms_needed,
)
from densenet_lab.exercises.ch1 import TERMS_CASES, ReferenceDenseMLP, reference_terms_needed

from .test_exercises_ch0 import assert_exercise_format


def terms_needed(x, tol):
    n, total = 0, 0.0
    while abs(math.exp(x) - total) >= tol:
        total += x**n / math.factorial(n)
        n += 1
    return n


def test_terms_needed_passes_and_the_chapters_old_question_has_ten_terms(capsys):
    assert check_terms_needed(terms_needed) == 2
    assert "Correct:" in capsys.readouterr().out
    assert reference_terms_needed(1.0, 1e-6) == 10  # order 9: terms = order + 1


def test_the_cases_are_not_on_the_edge_of_the_tolerance():
    """Summing in another order must not change the answer: every case has a margin."""
    for x, tol in TERMS_CASES:
        n = reference_terms_needed(x, tol)
        errors = [abs(math.exp(x) - sum(x**i / math.factorial(i) for i in range(k))) for k in (n - 1, n)]
        assert errors[1] < 0.9 * tol and (x == 0 or errors[0] > 1.1 * tol)


@pytest.mark.parametrize("wrong, word", [
    (lambda x, tol: terms_needed(x, tol) - 1, "order"),  # the bug the chapter had
    (lambda x, tol: terms_needed(x, tol) + 1, "too many"),
    (lambda x, tol: terms_needed(1.0, tol), "until"),  # ignores x
])
def test_terms_needed_rejects_common_mistakes(wrong, word):
    with pytest.raises(ExerciseError, match=word):
        check_terms_needed(wrong)


def test_terms_needed_rejects_a_signed_error_and_a_crash():
    def signed(x, tol):
        n, total = 0, 0.0
        while math.exp(x) - total >= tol:
            total += x**n / math.factorial(n)
            n += 1
        return n

    with pytest.raises(ExerciseError, match="absolute"):
        check_terms_needed(signed)
    with pytest.raises(ExerciseError, match="NotImplementedError"):
        def unanswered(x, tol):
            raise NotImplementedError()
        check_terms_needed(unanswered)
    with pytest.raises(NotAnswered):
        check_terms_needed(None)


def test_readout_matrix():
    assert check_readout_matrix(lambda n: torch.eye(2 * n)[:, :n]) == 1
    with pytest.raises(ExerciseError, match="last n columns"):
        check_readout_matrix(lambda n: torch.eye(2 * n)[:, n:])
    with pytest.raises(ExerciseError, match="one row per feature"):
        check_readout_matrix(lambda n: torch.eye(n))
    with pytest.raises(ExerciseError, match="copy them"):
        check_readout_matrix(lambda n: torch.ones(2 * n, n) / (2 * n))
    with pytest.raises(ExerciseError, match="tensor"):
        check_readout_matrix(lambda n: "identity")


class DenseMLP(nn.Module):
    def __init__(self, in_features, growth, num_layers, out_features):
        super().__init__()
        self.fs = nn.ModuleList(nn.Sequential(nn.Linear(in_features + i * growth, growth), nn.Tanh())
                                for i in range(num_layers))
        self.reduce = nn.Linear(in_features + num_layers * growth, out_features)

    def forward(self, x):
        for f in self.fs:
            x = torch.cat([x, f(x)], dim=1)
        return self.reduce(x)


class Chain(nn.Module):
    """Each layer reads only the previous output: no concatenation."""

    def __init__(self, in_features, growth, num_layers, out_features):
        super().__init__()
        widths = [in_features] + [growth] * num_layers
        self.fs = nn.ModuleList(nn.Sequential(nn.Linear(a, growth), nn.Tanh()) for a in widths[:-1])
        self.reduce = nn.Linear(widths[-1], out_features)

    def forward(self, x):
        for f in self.fs:
            x = f(x)
        return self.reduce(x)


class NewFirst(DenseMLP):
    def forward(self, x):
        for f in self.fs:
            x = torch.cat([f(x), x], dim=1)
        return self.reduce(x)


class NoTanh(DenseMLP):
    def forward(self, x):
        for f in self.fs:
            x = torch.cat([x, f[0](x)], dim=1)
        return self.reduce(x)


def test_dense_mlp_passes_and_equals_the_chapters_step():
    assert check_keep_and_reduce(DenseMLP) == 2
    torch.manual_seed(0)
    assert ReferenceDenseMLP(8, 8, 3, 4)(torch.randn(5, 8)).shape == (5, 4)


@pytest.mark.parametrize("wrong, word", [
    (Chain, "reads all"), (NewFirst, "the input first"), (NoTanh, "tanh after each Linear"),
    (lambda *args: nn.Linear(args[0], args[-1]), "reads all"),
    (lambda *args: "a module", "nn.Module"),
])
def test_dense_mlp_rejects_common_mistakes(wrong, word):
    with pytest.raises(ExerciseError, match=word):
        check_keep_and_reduce(wrong)


def test_the_chapters_exercises_are_in_nbgrader_format():
    assert_exercise_format("01_taylor_to_dense", "ch1-")
