"""The preface's checks: the reference answers pass, common wrong answers fail with a hint."""

import math
from pathlib import Path

import nbformat
import pytest
from torch import nn

from densenet_lab import create_model, list_models
from densenet_lab.analysis import count_parameters
from densenet_lab.exercises import (
    ExerciseError,
    NotAnswered,
    check_classifier_share,
    check_largest_under,
    check_parameter_counts,
)
from densenet_lab.exercises.ch0 import reference_classifier_share, reference_counts


def parameter_counts():
    return {name: count_parameters(create_model(name)) for name in list_models()}


def largest_under(budget, counts):
    fitting = [name for name in counts if counts[name] <= budget]
    return max(fitting, key=counts.get, default=None)


def classifier_share(name):
    model = create_model(name)
    head = [m for m in model.modules() if isinstance(m, nn.Linear)][-1]
    return count_parameters(head) / count_parameters(model)


def test_the_reference_answers_pass(capsys):
    assert check_parameter_counts(parameter_counts) == 1
    assert check_largest_under(largest_under) == 2
    assert check_classifier_share(classifier_share) == 2
    assert capsys.readouterr().out.count("Correct:") == 3


def test_the_reference_counts_are_the_registry_figures():
    counts = reference_counts()
    assert counts["densenet_bc100_k12"] == 769_162 and counts["densenet121"] == 7_978_856
    assert max(counts, key=counts.get) == "densenet264"


def test_parameter_counts_rejects_ten_classes_buffers_and_missing_models():
    def ten_classes():
        return {name: count_parameters(create_model(name, num_classes=10)) for name in list_models()}

    def with_buffers():
        return {name: sum(t.numel() for t in create_model(name).state_dict().values())
                for name in list_models()}

    with pytest.raises(ExerciseError, match="default number of classes"):
        check_parameter_counts(ten_classes)
    with pytest.raises(ExerciseError, match="not buffers"):
        check_parameter_counts(with_buffers)
    with pytest.raises(ExerciseError, match="missing"):
        check_parameter_counts(lambda: {"densenet121": 7_978_856})
    with pytest.raises(ExerciseError, match="a dict"):
        check_parameter_counts(lambda: 33_337_704)
    with pytest.raises(NotAnswered):
        check_parameter_counts(None)


@pytest.mark.parametrize("wrong, word", [
    (lambda budget, counts: max((n for n in counts if counts[n] < budget), key=counts.get,
                                default=None), "exactly"),
    (lambda budget, counts: min((n for n in counts if counts[n] <= budget), key=counts.get,
                                default=None), "smallest"),
    (lambda budget, counts: max(counts, key=counts.get), "most parameters within|more than"),
    (lambda budget, counts: counts[largest_under(budget, counts)], "name"),
    (lambda budget, counts: max((n for n in counts if counts[n] <= budget), key=counts.get),
     "return None"),
])
def test_largest_under_rejects_common_mistakes(wrong, word):
    with pytest.raises(ExerciseError, match=word):
        check_largest_under(wrong)


def test_classifier_share_rejects_percentages_and_a_forgotten_bias():
    def percent(name):
        return 100 * classifier_share(name)

    def weight_only(name):
        model = create_model(name)
        head = [m for m in model.modules() if isinstance(m, nn.Linear)][-1]
        return head.weight.numel() / count_parameters(model)

    with pytest.raises(ExerciseError, match="percentage"):
        check_classifier_share(percent)
    with pytest.raises(ExerciseError, match="bias"):
        check_classifier_share(weight_only)
    with pytest.raises(ExerciseError, match="ValueError"):  # the student's code raises
        check_classifier_share(lambda name: create_model(name + "x"))
    assert math.isclose(reference_classifier_share("densenet121"), 1_025_000 / 7_978_856)


BOOK = Path(__file__).resolve().parents[1] / "book" / "en"


def assert_exercise_format(chapter: str, prefix: str) -> None:
    """A chapter's exercises in nbgrader's format: each code answer (a solution cell, collapsed
    in the book) is followed by its read-only grade cell, each conceptual answer is a markdown
    solution cell holding a Solution dropdown; ids are unique and prefixed, points 1 to 3."""
    cells = nbformat.read(BOOK / f"{chapter}.ipynb", as_version=4).cells
    graded = [(i, c) for i, c in enumerate(cells) if "nbgrader" in c.metadata]
    ids = [c.metadata.nbgrader.grade_id for _, c in graded]
    assert len(ids) == len(set(ids)) and all(i.startswith(prefix) for i in ids), ids
    exercises = 0
    for i, cell in graded:
        meta = cell.metadata.nbgrader
        if cell.cell_type == "code" and meta.solution:
            assert "### BEGIN SOLUTION" in cell.source and "hide-input" in cell.metadata.tags
            check = cells[i + 1].metadata.nbgrader
            assert check.grade and check.locked and not check.solution and 1 <= check.points <= 3
            assert "### BEGIN SOLUTION" not in cells[i + 1].source
            exercises += 1
        elif cell.cell_type == "markdown":
            assert meta.solution and meta.grade and 1 <= meta.points <= 3
            assert cell.source.startswith("```{admonition} Solution\n:class: dropdown")
            exercises += 1
    assert exercises >= 3
    for cell in cells:  # a solution region only in a solution cell (nbgrader refuses others)
        if "BEGIN SOLUTION" in cell.source:
            assert cell.metadata.get("nbgrader", {}).get("solution"), cell.source[:80]


def test_the_preface_exercises_are_in_nbgrader_format():
    assert_exercise_format("00_preface", "ch0-")
