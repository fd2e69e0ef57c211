"""Chapter 2's checks: the reference answers pass, common wrong answers fail with a hint."""

import pytest
import torch
from torch import nn

from densenet_lab.exercises import (
    ExerciseError,
    NotAnswered,
    check_first_depth_below,
    check_plain_tanh,
    check_projection_block,
    check_small_residual,
)
from densenet_lab.exercises.ch2 import (
    grad_at_first_layer,
    plain,
    plain_tanh,
    reference_first_depth_below,
    residual,
    small_residual,
)

from .test_book_code import taught
from .test_exercises_ch0 import assert_exercise_format


def first_depth_below(fraction, max_depth=48):
    for depth in range(1, max_depth + 1):
        if grad_at_first_layer(plain, depth) < fraction * grad_at_first_layer(residual, depth):
            return depth
    return None


def test_first_depth_below(capsys):
    assert check_first_depth_below(first_depth_below) == 2
    assert "Correct:" in capsys.readouterr().out
    assert reference_first_depth_below(0.01) == 5


@pytest.mark.parametrize("wrong, word", [
    (lambda fraction, max_depth=48: first_depth_below(fraction, max_depth) - 1, "last depth"),
    (lambda fraction, max_depth=48: 5, "compare"),  # the answer to one case, typed in
    (lambda fraction, max_depth=48: next(  # the ratio the wrong way up: never below
        d for d in range(1, max_depth + 1)
        if grad_at_first_layer(residual, d) < fraction * grad_at_first_layer(plain, d)),
     "StopIteration"),
])
def test_first_depth_below_rejects_common_mistakes(wrong, word):
    with pytest.raises(ExerciseError, match=word):
        check_first_depth_below(wrong)


def test_the_checks_measurement_is_the_chapters():
    chapter = taught("02_resnet")
    for block in (plain, residual):
        assert grad_at_first_layer(block, 7) == chapter["grad_at_first_layer"](
            chapter[block.__name__], 7)


class ProjectionBlock(nn.Module):
    def __init__(self, in_channels, channels, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.shortcut = nn.Identity()
        if stride != 1 or in_channels != channels:
            self.shortcut = nn.Sequential(nn.Conv2d(in_channels, channels, 1, stride=stride, bias=False),
                                          nn.BatchNorm2d(channels))

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x))


class ReluBeforeSum(ProjectionBlock):
    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(out))) + self.shortcut(x)


class NoBnOnShortcut(ProjectionBlock):
    def __init__(self, in_channels, channels, stride=1):
        super().__init__(in_channels, channels, stride)
        if stride != 1 or in_channels != channels:
            self.shortcut = nn.Conv2d(in_channels, channels, 1, stride=stride, bias=False)


class BnSwapped(ProjectionBlock):
    def forward(self, x):  # bn2 where bn1 belongs: same shapes, other function
        out = torch.relu(self.bn2(self.conv1(x)))
        out = self.bn1(self.conv2(out))
        return torch.relu(out + self.shortcut(x))


def test_projection_block():
    assert check_projection_block(ProjectionBlock) == 2


@pytest.mark.parametrize("wrong, word", [
    (ReluBeforeSum, "relu\\(out \\+ shortcut\\)"), (NoBnOnShortcut, "its BN"),
    (BnSwapped, "relu\\(out \\+ shortcut\\)"),
    (lambda *args: nn.Conv2d(args[0], args[1], 3, args[2], 1), "parameter shapes"),
])
def test_projection_block_rejects_common_mistakes(wrong, word):
    with pytest.raises(ExerciseError, match=word):
        check_projection_block(wrong)


def test_plain_tanh():
    assert check_plain_tanh(plain_tanh, True, True) == 2
    with pytest.raises(ExerciseError, match="still_vanishes = True"):
        check_plain_tanh(plain_tanh, False, True)
    with pytest.raises(ExerciseError, match="more_slowly = True"):
        check_plain_tanh(plain_tanh, True, False)
    with pytest.raises(ExerciseError, match="Linear layer first"):
        check_plain_tanh(lambda w: nn.Sequential(nn.Tanh(), nn.Linear(w, w)), True, True)
    with pytest.raises(ExerciseError, match="differ"):  # ReLU left in place
        check_plain_tanh(plain, True, True)
    with pytest.raises(ExerciseError, match="True or False"):
        check_plain_tanh(plain_tanh, "yes", True)
    with pytest.raises(NotAnswered):
        check_plain_tanh(plain_tanh, None, True)


def test_small_residual():
    assert check_small_residual(small_residual, False) == 1
    with pytest.raises(ExerciseError, match="explodes = False"):
        check_small_residual(small_residual, True)
    with pytest.raises(ExerciseError, match="a tenth"):  # not scaled
        check_small_residual(residual, False)

    def too_small(width):
        block = residual(width)
        with torch.no_grad():
            block.branch[0].weight.mul_(0.01)
        return block

    with pytest.raises(ExerciseError, match="a tenth"):
        check_small_residual(too_small, False)
    with pytest.raises(ExerciseError, match="start from residual"):  # the plain block instead
        check_small_residual(lambda w: nn.Sequential(nn.Linear(w, w), nn.ReLU()), False)


def test_the_chapters_exercises_are_in_nbgrader_format():
    assert_exercise_format("02_resnet", "ch2-")
