"""Chapter 2 builds its blocks in front of the reader: these tests hold them equal to the
package's (ResNet's basic block, the fully connected stacks of ``experiments.Stack``) and,
for the pre-activation block, which the package does not have, check what the chapter says
of it (same parameters as the basic block, the identity when its branch is zero)."""

import pytest
import torch
from torch import nn

from densenet_lab.analysis import count_parameters
from densenet_lab.experiments import Stack
from densenet_lab.models import BasicBlock

from .test_book_code import assert_same_module, taught


@pytest.fixture(scope="module")
def chapter2():
    return taught("02_resnet")


def test_residual_adds_the_branch_and_is_the_identity_when_it_is_zero(chapter2):
    branch = nn.Sequential(nn.Linear(6, 6), nn.Tanh())
    block = chapter2["Residual"](branch)
    x = torch.randn(4, 6)
    torch.testing.assert_close(block(x), x + branch(x), rtol=0, atol=0)
    nn.init.zeros_(branch[0].weight)
    nn.init.zeros_(branch[0].bias)
    assert torch.equal(block(x), x)


@pytest.mark.parametrize("channels", [4, 16, 64])
def test_chapter2_basic_block_equals_the_package(chapter2, channels):
    x = torch.randn(2, channels, 6, 6)
    assert_same_module(chapter2["BasicBlock"](channels), BasicBlock(channels, channels), x)


@pytest.mark.parametrize("residual", [False, True])
@pytest.mark.parametrize("depth", [0, 3, 16])
def test_chapter2_stacks_equal_the_package_stack(chapter2, residual, depth):
    """Same seed, same weights (the layers are made in the same order), same outputs."""
    block = chapter2["residual" if residual else "plain"]
    torch.manual_seed(1)
    book = chapter2["stack"](block, depth)
    torch.manual_seed(1)
    package = Stack(depth, 64, 64, 10, residual)
    book_params, package_params = list(book.parameters()), list(package.parameters())
    assert [p.shape for p in book_params] == [p.shape for p in package_params]
    assert all(torch.equal(a, b) for a, b in zip(book_params, package_params))
    x = torch.randn(5, 1, 8, 8)
    torch.testing.assert_close(book(x), package(x), rtol=0, atol=0)


def test_chapter2_grad_at_first_layer_is_the_gradient_of_the_first_weights(chapter2):
    torch.manual_seed(0)
    net = Stack(4, 64, 64, 10, residual=True)
    x, y = torch.randn(128, 64), torch.randint(0, 10, (128,))
    nn.functional.cross_entropy(net(x), y).backward()
    expected = net.inp.weight.grad.norm().item()
    assert chapter2["grad_at_first_layer"](chapter2["residual"], 4, seed=0) == expected


@pytest.mark.parametrize("channels", [3, 16])
def test_pre_activation_block(chapter2, channels):
    pre = chapter2["PreActBlock"](channels)
    assert count_parameters(pre) == count_parameters(BasicBlock(channels, channels))
    x = torch.randn(2, channels, 5, 5)
    for p in pre.parameters():  # non-trivial BN scales and shifts
        nn.init.normal_(p)
    for mode in (True, False):
        pre.train(mode)
        relu, bn = torch.relu, lambda m, t: m(t)
        expected = x + pre.conv2(relu(bn(pre.bn2, pre.conv1(relu(bn(pre.bn1, x))))))  # BN-ReLU-Conv, twice
        torch.testing.assert_close(pre(x), expected, rtol=0, atol=0)
        assert pre(x).shape == x.shape
    nn.init.zeros_(pre.conv2.weight)
    for mode in (True, False):
        pre.train(mode)
        assert torch.equal(pre(x), x)  # a zero branch: exactly the identity, negatives included


def test_zeroed_basic_block_cuts_negatives(chapter2):
    """What the chapter shows: with its last BN scale at zero, the basic block gives relu(x), not x."""
    block = BasicBlock(8, 8)
    nn.init.zeros_(block.bn2.weight)
    x = torch.randn(2, 8, 4, 4)
    assert torch.equal(block(x), torch.relu(x))
