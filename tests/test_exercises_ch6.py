"""Chapter 6's exercise checks accept the reference answers and reject the common wrong ones."""

import pytest

from densenet_lab import create_model
from densenet_lab.analysis import estimate_activation_memory
from densenet_lab.exercises import ExerciseError, NotAnswered, check_largest_batch, check_saved_channels
from densenet_lab.exercises.ch6 import _largest


def largest_batch(model_name, budget_gib, memory_efficient, budget_unit=2**30):
    model = create_model(model_name)
    per_image = estimate_activation_memory(model, 224, 1, memory_efficient=memory_efficient)
    batch = int(budget_gib * budget_unit // per_image)  # a first guess, then step to the edge
    def fits(b):
        return estimate_activation_memory(model, 224, b, memory_efficient=memory_efficient) \
            <= budget_gib * budget_unit
    while batch > 0 and not fits(batch):
        batch -= 1
    while fits(batch + 1):
        batch += 1
    return batch


def test_largest_batch_accepts_the_reference_and_agrees_with_the_closed_form():
    assert check_largest_batch(largest_batch) == 2
    per_image = estimate_activation_memory(create_model("densenet121"), 224, 1)
    assert _largest("densenet121", 16 * 2**30, False) == 131  # 16 GiB / ~125 MiB an image
    assert _largest("densenet121", 0.5 * per_image, False) == 0


def proportional(model_name, budget_gib, memory_efficient):
    one = estimate_activation_memory(create_model(model_name), 224, 1, memory_efficient=memory_efficient)
    return int(budget_gib * 2**30 // one)


@pytest.mark.parametrize("wrong, word", [
    (lambda name, gib, lean: largest_batch(name, gib, lean) + 1, "first batch that no longer fits"),
    (lambda name, gib, lean: largest_batch(name, gib, lean, budget_unit=10**9), "2\\*\\*30"),
    (lambda name, gib, lean: largest_batch(name, gib, False), "memory_efficient"),
    (proportional, "not exactly proportional"),
    (lambda name, gib: 131, "TypeError"),
])
def test_largest_batch_rejects_the_common_mistakes(wrong, word):
    with pytest.raises(ExerciseError, match=word):
        check_largest_batch(wrong)


def saved_channels(num_layers, in_channels, growth_rate, memory_efficient):
    if memory_efficient:
        return in_channels + num_layers * growth_rate
    return sum(in_channels + (l - 1) * growth_rate for l in range(1, num_layers + 1))


def test_saved_channels_accepts_the_reference_quadratic_and_linear():
    assert check_saved_channels(saved_channels) == 2
    assert saved_channels(32, 24, 12, False) / saved_channels(16, 24, 12, False) > 3.5
    assert saved_channels(32, 24, 12, True) / saved_channels(16, 24, 12, True) < 2


@pytest.mark.parametrize("wrong, word", [
    (lambda L, k0, k, lean: saved_channels(L, k0, k, False), "use memory_efficient"),
    (lambda L, k0, k, lean: saved_channels(L, k0, k, lean) + (0 if lean else k * L),
     "first reads only the input"),
    (lambda L, k0, k, lean: saved_channels(L, k0, k, lean) if lean else L * (k0 + L * k),
     "not every layer"),
    (lambda L, k0, k, lean: L * k if lean else saved_channels(L, k0, k, lean), "include its input"),
])
def test_saved_channels_rejects_the_common_mistakes(wrong, word):
    with pytest.raises(ExerciseError, match=word):
        check_saved_channels(wrong)


def test_every_check_refuses_a_missing_answer():
    for check in (check_largest_batch, check_saved_channels):
        with pytest.raises(NotAnswered):
            check(...)
