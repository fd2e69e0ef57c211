"""The shared machinery of the exercise checks: what passes, what fails, and what it says."""

import pytest
import torch
from torch import nn

from densenet_lab.exercises import core
from densenet_lab.exercises.core import ExerciseError, NotAnswered


def test_a_wrong_function_fails_on_the_first_case_that_differs_and_says_so():
    def student(k0, k, layers):
        return k0 + k  # one layer only

    with pytest.raises(ExerciseError, match=r"(?s)Expected: channels\(24, 12, 16\) = 216.*Got:\s+36.*Hint"):
        core.check_function(student, lambda k0, k, n: k0 + n * k, [(24, 12, 16)], what="channels", hint="h")
    right = core.check_function(lambda k0, k, n: k0 + n * k, lambda k0, k, n: k0 + n * k,
                                [(24, 12, 16), (3, 10, 2)], what="channels", hint="h")
    assert right == 2


def test_an_answer_that_raises_or_is_missing_is_a_failed_check_not_a_crash():
    def broken(x):
        raise ZeroDivisionError("oops")

    with pytest.raises(ExerciseError, match="ZeroDivisionError: oops"):
        core.call(broken, 1, what="f")
    with pytest.raises(ExerciseError, match="a function"):
        core.call(42, 1, what="f")
    with pytest.raises(NotAnswered, match="No answer yet"):
        core.require_answer(None, "your function")
    assert issubclass(ExerciseError, AssertionError)  # what nbgrader counts as a failed grade cell


def test_same_function_compares_outputs_for_the_same_weights():
    torch.manual_seed(0)
    student = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    reference = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))  # other weights
    core.same_function(student, reference, torch.randn(5, 4), what="the net", hint="h")  # passes
    wrong_order = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2))
    with pytest.raises(ExerciseError, match="differ by up to"):
        core.same_function(wrong_order, reference, torch.randn(5, 4), what="the net", hint="h")
    wrong_shape = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2))
    with pytest.raises(ExerciseError, match="tensor 0 of shape"):
        core.same_function(wrong_shape, reference, torch.randn(5, 4), what="the net", hint="h")
    with pytest.raises(ExerciseError, match="torch.nn.Module"):
        core.run_module(lambda x: x, torch.randn(1), what="the net")


def test_correct_prints_and_returns_the_points(capsys):
    assert core.correct("fine", points=2) == 2
    assert capsys.readouterr().out == "Correct: fine\n"


def test_every_chapter_check_is_exported_once_under_its_own_name():
    """Two chapters' checks with one name would make one chapter's grade cell run the other's."""
    import importlib
    import pkgutil

    import densenet_lab.exercises as package

    assert len(package.__all__) == len(set(package.__all__))
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("ch"):
            continue
        module = importlib.import_module(f"densenet_lab.exercises.{info.name}")
        for name in dir(module):
            if name.startswith("check_") and getattr(module, name).__module__ == module.__name__:
                assert getattr(package, name) is getattr(module, name), f"{info.name}.{name}"


def test_a_released_placeholder_reads_as_not_answered():
    def placeholder(*args):
        raise NotImplementedError()  # what nbgrader leaves in a student's solution cell

    with pytest.raises(NotAnswered, match="No answer yet"):
        core.call(placeholder, 1, what="block_channels")
