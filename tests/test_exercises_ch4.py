"""Chapter 4's exercise checks: the reference answers pass, the common wrong ones fail
with a hint that names the mistake."""

from pathlib import Path

import nbformat
import pytest
from torch import nn

from densenet_lab.exercises import (
    ExerciseError,
    NotAnswered,
    check_any_size_head,
    check_imagenet_densenet,
    check_textbook_network,
    check_transition,
    check_transition_channels,
)
from densenet_lab.models import textbook

BOOK = Path(__file__).resolve().parents[1] / "book" / "en"


@pytest.fixture(scope="module")
def chapter4():
    """The names defined by chapter 4's ``teaches`` cells (its DenseLayer, DenseBlock, ...)."""
    nb = nbformat.read(BOOK / "04_whole_network.ipynb", as_version=4)
    namespace: dict = {}
    for cell in nb.cells:
        if "teaches" in cell.metadata.get("tags", []):
            exec(compile(cell.source, "04_whole_network.ipynb", "exec"), namespace)
    return namespace


def textbook_net(num_channels=64, growth_rate=32, arch=(4, 4, 4, 4), num_classes=10,
                 image_channels=1, head=None, halve=True):
    net = nn.Sequential()
    net.add_module("b1", nn.Sequential(
        nn.Conv2d(image_channels, num_channels, kernel_size=7, stride=2, padding=3),
        nn.BatchNorm2d(num_channels), nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2, padding=1)))
    for i, num_convs in enumerate(arch):
        net.add_module(f"dense_blk{i + 1}", textbook.TextbookDenseBlock(num_convs, num_channels, growth_rate))
        num_channels += num_convs * growth_rate
        if i != len(arch) - 1:
            out = num_channels // 2 if halve else num_channels
            net.add_module(f"tran_blk{i + 1}", textbook.transition_block(num_channels, out))
            num_channels = out
    net.add_module("last", head or nn.Sequential(
        nn.BatchNorm2d(num_channels), nn.ReLU(), nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
        nn.Linear(num_channels, num_classes)))
    return net


def test_textbook_network_reference_passes():
    assert check_textbook_network(textbook_net) == 2


def test_textbook_network_check_rejects_a_flatten_and_linear():
    # the model today's check accepted as "a DenseNet": right shape at 96x96 and nothing else
    with pytest.raises(ExerciseError, match="fixed flattened size"):
        check_textbook_network(lambda **kw: nn.Sequential(nn.Flatten(), nn.Linear(9216, 10)))


def test_textbook_network_check_rejects_a_hard_coded_head():
    def fixed(**kw):
        return textbook_net(**kw, head=nn.Sequential(nn.Flatten(), nn.LazyLinear(10)))
    with pytest.raises(ExerciseError, match="fixed flattened size|global"):
        check_textbook_network(fixed)


def test_textbook_network_check_rejects_transitions_that_keep_every_channel():
    def no_halving(**kw):
        return textbook_net(**kw, halve=False)
    with pytest.raises(ExerciseError, match="channels halved"):
        check_textbook_network(no_halving)
    with pytest.raises(NotAnswered):
        check_textbook_network(None)


def imagenet(chapter4, block_config, growth_rate=32, num_init_features=64, num_classes=1000,
             compression=0.5, final_norm=True):
    DenseBlock, Transition = chapter4["DenseBlock"], chapter4["Transition"]
    channels = num_init_features
    net = nn.Sequential(nn.Conv2d(3, channels, kernel_size=7, stride=2, padding=3, bias=False),
                        nn.BatchNorm2d(channels), nn.ReLU(),
                        nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    for i, num_layers in enumerate(block_config):
        net.append(DenseBlock(num_layers, channels, growth_rate))
        channels += num_layers * growth_rate
        if i != len(block_config) - 1:
            net.append(Transition(channels, compression))
            channels = int(compression * channels)
    if final_norm:
        net.append(nn.BatchNorm2d(channels))
    net.extend([nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, num_classes)])
    return net


def test_imagenet_densenet_reference_passes(chapter4):
    assert check_imagenet_densenet(lambda *a, **kw: imagenet(chapter4, *a, **kw)) == 3


def test_imagenet_densenet_without_compression_fails(chapter4):
    with pytest.raises(ExerciseError, match="compression|halving"):
        check_imagenet_densenet(lambda *a, **kw: imagenet(chapter4, *a, **kw, compression=1.0))


def test_imagenet_densenet_without_the_last_norm_fails(chapter4):
    with pytest.raises(ExerciseError, match="BatchNorm"):
        check_imagenet_densenet(lambda *a, **kw: imagenet(chapter4, *a, **kw, final_norm=False))


def test_imagenet_densenet_with_a_fixed_head_fails(chapter4):
    def fixed(*a, **kw):
        net = imagenet(chapter4, *a, **kw)
        return nn.Sequential(*net[:-3], nn.Flatten(), nn.LazyLinear(kw.get("num_classes", 1000)))
    with pytest.raises(ExerciseError, match="fixed flattened size"):
        check_imagenet_densenet(fixed)


def transition_channels(k0, k, block_config, theta):
    out = []
    for num_layers in block_config[:-1]:
        k0 = int(theta * (k0 + num_layers * k))
        out.append(k0)
    return out


def test_transition_channels():
    assert check_transition_channels(transition_channels) == 2
    assert check_transition_channels(lambda *a: tuple(transition_channels(*a))) == 2
    with pytest.raises(ExerciseError, match="round down"):
        check_transition_channels(lambda k0, k, cfg, t: [
            round(c / t * t) for c in transition_channels(k0, k, cfg, t)] and _rounded(k0, k, cfg, t))
    with pytest.raises(ExerciseError, match="no transition after the last block"):
        check_transition_channels(lambda k0, k, cfg, t: transition_channels(k0, k, cfg + (0,), t))
    with pytest.raises(ExerciseError, match="list of channel counts"):
        check_transition_channels(lambda *a: 3)


def _rounded(k0, k, cfg, theta):
    out = []
    for num_layers in cfg[:-1]:
        k0 = round(theta * (k0 + num_layers * k))
        out.append(k0)
    return out


@pytest.fixture(scope="module")
def body():
    return nn.Sequential(*list(textbook.d2l_densenet().children())[:-1])


def test_any_size_head(body):
    fixed = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(248, 10))
    assert check_any_size_head(fixed, body) == 1
    textbook_head = nn.Sequential(nn.BatchNorm2d(248), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                                  nn.Flatten(), nn.Linear(248, 10))
    assert check_any_size_head(textbook_head, body) == 1
    with pytest.raises(ExerciseError, match="fixed flattened size"):
        check_any_size_head(nn.Sequential(nn.Flatten(), nn.Linear(248 * 3 * 3, 10)), body)
    with pytest.raises(ExerciseError, match="tiled"):  # right shape, but not pooled globally
        check_any_size_head(nn.Sequential(nn.AdaptiveAvgPool2d(2), nn.Flatten(),
                                          nn.Linear(248 * 4, 10)), body)


def test_transition():
    fixed = nn.Sequential(nn.BatchNorm2d(216), nn.ReLU(),
                          nn.Conv2d(216, 108, kernel_size=1, bias=False),
                          nn.AvgPool2d(kernel_size=2, stride=2))
    assert check_transition(fixed) == 1
    twice = nn.Sequential(nn.BatchNorm2d(216), nn.ReLU(),
                          nn.Conv2d(216, 108, kernel_size=1, stride=2, bias=False),
                          nn.AvgPool2d(kernel_size=2, stride=2))
    with pytest.raises(ExerciseError, match="stride 1"):
        check_transition(twice)
    strided_only = nn.Sequential(nn.BatchNorm2d(216), nn.ReLU(),
                                 nn.Conv2d(216, 108, kernel_size=1, stride=2, bias=False))
    with pytest.raises(ExerciseError, match="AvgPool2d"):
        check_transition(strided_only)
    max_pool = nn.Sequential(*fixed[:3], nn.MaxPool2d(2))
    with pytest.raises(ExerciseError, match="differ"):
        check_transition(max_pool)
