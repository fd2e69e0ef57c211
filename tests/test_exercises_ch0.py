"""The preface's checks: the reference answers pass, common wrong answers fail with a hint."""

import math

import pytest
from torch import nn

from densenet_lab import create_model, list_models
from densenet_lab.analysis import count_parameters
from densenet_lab.exercises import (ExerciseError, NotAnswered, check_classifier_share,
                                    check_largest_under, check_parameter_counts)
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
