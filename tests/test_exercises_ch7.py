"""Chapter 7's exercise checks accept the reference answers and reject the common wrong ones."""

import math

import pytest

from densenet_lab.exercises import ExerciseError, NotAnswered, check_images_per_process, check_scaled_lr
from densenet_lab.exercises.ch7 import _images_seen


def images_per_process(n, world_size):
    return math.ceil(n / world_size)


def test_images_per_process_accepts_the_reference_which_matches_batches():
    assert check_images_per_process(images_per_process) == 1
    assert _images_seen(1437, 4) == [360] * 4  # 1,440 after padding 3 repeated images
    assert _images_seen(3, 4) == [1] * 4


@pytest.mark.parametrize("wrong, word", [(lambda n, w: n // w, "round up"),
                                         (lambda n, w: n / w, "whole number"),
                                         (lambda n, w: n, "every world_size-th"),
                                         (lambda n: n, "TypeError")])
def test_images_per_process_rejects_the_common_mistakes(wrong, word):
    with pytest.raises(ExerciseError, match=word):
        check_images_per_process(wrong)


def scaled_lr(base_lr, base_batch, batch_per_process, world_size):
    return base_lr * batch_per_process * world_size / base_batch


def test_scaled_lr_accepts_the_reference():
    assert check_scaled_lr(scaled_lr) == 1


@pytest.mark.parametrize("wrong, word", [
    (lambda lr, b0, b, w: lr * w, "not by the number of processes"),
    (lambda lr, b0, b, w: lr * b / b0, "batch_per_process \\* world_size"),
    (lambda lr, b0, b, w: lr * math.sqrt(b * w / b0), "square root"),
    (lambda lr, b0, b, w: 2 * lr, "linear scaling"),
    (lambda lr, b0, b, w: "0.8", "a float"),
    (lambda lr, b0, b, w: None, "a float"),
])
def test_scaled_lr_rejects_the_common_mistakes(wrong, word):
    with pytest.raises(ExerciseError, match=word):
        check_scaled_lr(wrong)


def test_every_check_refuses_a_missing_answer():
    for check in (check_images_per_process, check_scaled_lr):
        with pytest.raises(NotAnswered):
            check(None)
