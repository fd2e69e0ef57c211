"""Chapter 3's exercise checks: the reference answers pass, the common wrong ones fail
with a hint that names the mistake."""

import pytest
import torch
from torch import nn

from densenet_lab.exercises import (
    ExerciseError,
    NotAnswered,
    check_block_channels,
    check_connections,
    check_dense_block,
    check_plain_block_parameters,
)


def test_block_channels():
    assert check_block_channels(lambda k0, k, n: k0 + n * k) == 1
    with pytest.raises(ExerciseError, match="input channels"):
        check_block_channels(lambda k0, k, n: n * k)
    with pytest.raises(ExerciseError, match="every one of the layers"):
        check_block_channels(lambda k0, k, n: k0 + k)
    with pytest.raises(ExerciseError, match="whole number"):
        check_block_channels(lambda k0, k, n: k0 + n * k / 5)
    with pytest.raises(ExerciseError, match="a function"):
        check_block_channels(216)  # today's bare number is not an answer any more
    with pytest.raises(NotAnswered):
        check_block_channels(None)


def test_connections():
    assert check_connections(lambda n: n * (n + 1) // 2) == 1
    with pytest.raises(ExerciseError, match="plain chain"):
        check_connections(lambda n: n)
    with pytest.raises(ExerciseError, match="block input too"):
        check_connections(lambda n: n * (n - 1) // 2)
    with pytest.raises(ExerciseError, match="ZeroDivisionError"):
        check_connections(lambda n: n * (n + 1) // 2 if n else 1 / n)  # breaks at L = 0


def plain(k0, k, n):
    return sum(2 * (k0 + l * k) + 9 * (k0 + l * k) * k for l in range(n))


def test_plain_block_parameters():
    assert check_plain_block_parameters(plain) == 2
    with pytest.raises(ExerciseError, match="batch normalisation"):
        check_plain_block_parameters(lambda k0, k, n: plain(k0, k, n) - 2 * sum(
            k0 + l * k for l in range(n)))
    with pytest.raises(ExerciseError, match="no bias"):
        check_plain_block_parameters(lambda k0, k, n: plain(k0, k, n) + n * k)
    with pytest.raises(ExerciseError, match="grows by k"):
        check_plain_block_parameters(lambda k0, k, n: n * (2 * k0 + 9 * k0 * k))


def conv_block(in_channels, num_channels):
    return nn.Sequential(nn.BatchNorm2d(in_channels), nn.ReLU(),
                         nn.Conv2d(in_channels, num_channels, kernel_size=3, padding=1))


class Block(nn.Module):
    """The reference answer."""

    def __init__(self, num_convs, in_channels, num_channels, order=conv_block, skip=0,
                 keep_input=True):
        super().__init__()
        self.keep_input = keep_input
        self.net = nn.Sequential(*(order(in_channels * (1 - skip) + i * num_channels, num_channels)
                                   for i in range(num_convs)))

    def forward(self, X):
        for blk in self.net:
            Y = blk(X)
            X = torch.cat((X, Y), dim=1)
        return X


def test_dense_block_reference_passes():
    assert check_dense_block(Block) == 3


def test_dense_block_that_forgets_the_input_channels_fails():
    def forgets(num_convs, in_channels, num_channels):  # layer i reads i * k + k channels
        return Block(num_convs, max(in_channels, 1), num_channels,
                     order=lambda c, k: conv_block(c - in_channels + k, k))
    with pytest.raises(ExerciseError, match="in_channels \\+ i \\* num_channels"):
        check_dense_block(forgets)


def test_dense_block_with_relu_before_bn_fails_on_the_outputs():
    def relu_first(c, k):
        return nn.Sequential(nn.ReLU(), nn.BatchNorm2d(c), nn.Conv2d(c, k, 3, padding=1))
    with pytest.raises(ExerciseError, match="differ by up to"):
        check_dense_block(lambda *args: Block(*args, order=relu_first))


def test_dense_block_that_returns_only_the_new_features_fails():
    class NewOnly(Block):
        def forward(self, X):
            for blk in self.net:
                X = torch.cat((X, blk(X)), dim=1)
            return X[:, -self.net[-1][-1].out_channels:]
    with pytest.raises(ExerciseError, match="output of shape"):
        check_dense_block(NewOnly)


def test_lazy_dense_block_is_told_to_give_its_channels():
    def lazy(num_convs, in_channels, num_channels):
        return nn.Sequential(*(nn.Sequential(nn.LazyBatchNorm2d(), nn.ReLU(),
                                             nn.LazyConv2d(num_channels, 3, padding=1))
                               for _ in range(num_convs)))
    with pytest.raises(ExerciseError, match="lazy"):
        check_dense_block(lazy)


def exercise_cells(chapter):
    """The cells of a chapter's notebook that carry nbgrader metadata."""
    from pathlib import Path

    import nbformat
    path = Path(__file__).resolve().parents[1] / "book" / "en" / f"{chapter}.ipynb"
    cells = nbformat.read(path, as_version=4).cells
    return cells, [c for c in cells if "nbgrader" in c.metadata]


@pytest.mark.parametrize("chapter, prefix, exercises", [("03_dense_blocks", "ch3-", 5),
                                                        ("04_whole_network", "ch4-", 7)])
def test_exercises_follow_nbgraders_format(chapter, prefix, exercises):
    cells, graded = exercise_cells(chapter)
    ids = [c.metadata["nbgrader"]["grade_id"] for c in graded]
    assert len(ids) == len(set(ids)) and all(i.startswith(prefix) for i in ids)
    for cell in cells:  # a solution region only where nbgrader looks for one
        meta = cell.metadata.get("nbgrader", {})
        assert ("### BEGIN SOLUTION" in cell.source) <= bool(meta.get("solution")), cell.source
        assert ("### BEGIN HIDDEN TESTS" in cell.source) <= bool(meta.get("grade")), cell.source
    answers = [c for c in graded if c.metadata["nbgrader"]["solution"]]
    assert len(answers) == exercises
    for cell in answers:
        if cell.cell_type == "code":
            assert "hide-input" in cell.metadata["tags"] and "### END SOLUTION" in cell.source
        else:
            assert cell.source.startswith("```{admonition} Solution\n:class: dropdown")
            assert 1 <= cell.metadata["nbgrader"]["points"] <= 3
    for cell in graded:
        meta = cell.metadata["nbgrader"]
        if meta["grade"] and cell.cell_type == "code":
            assert meta["locked"] and 1 <= meta["points"] <= 3
            assert "from densenet_lab.exercises import check_" in cell.source
            call = cell.source.split("### BEGIN HIDDEN TESTS")[0].rstrip()
            assert call.endswith(";")
