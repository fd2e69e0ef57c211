"""What a chapter builds in front of the reader equals the package's version: the cells
tagged ``teaches`` are run here, and their modules must have the package's parameters
(name for name) and give its outputs for the same weights."""

from pathlib import Path

import nbformat
import pytest
import torch

from densenet_lab.models import textbook

BOOK = Path(__file__).resolve().parents[1] / "book" / "en"


def taught(chapter: str) -> dict:
    """The names defined by a chapter's ``teaches`` cells, run in a fresh namespace."""
    nb = nbformat.read(BOOK / f"{chapter}.ipynb", as_version=4)
    cells = [c for c in nb.cells if "teaches" in c.metadata.get("tags", [])]
    assert cells, f"{chapter} has no cell tagged 'teaches'"
    namespace: dict = {}
    for cell in cells:
        exec(compile(cell.source, f"{chapter}.ipynb", "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def chapter3():
    return taught("03_dense_blocks")


def assert_same_module(book_module, package_module, x):
    """Materialise the book's (lazy) module, give it the package's weights, compare outputs."""
    book_module(x)
    book_module.load_state_dict(package_module.state_dict())  # strict: same names and shapes
    assert sum(p.numel() for p in book_module.parameters()) == sum(p.numel() for p in package_module.parameters())
    for mode in (True, False):  # batch statistics, then running statistics
        book_module.train(mode)
        package_module.train(mode)
        torch.testing.assert_close(book_module(x), package_module(x), rtol=0, atol=0)


def test_the_textbook_calls_work_as_printed(chapter3):
    X = torch.randn(4, 3, 8, 8)
    Y = chapter3["DenseBlock"](2, 10)(X)
    assert Y.shape == (4, 23, 8, 8)
    assert chapter3["transition_block"](10)(Y).shape == (4, 10, 4, 4)
    assert "torch.cat" in (BOOK / "03_dense_blocks.ipynb").read_text()


@pytest.mark.parametrize("num_convs, in_channels, growth", [(2, 3, 10), (4, 64, 32), (1, 5, 7)])
def test_chapter3_dense_block_equals_the_package(chapter3, num_convs, in_channels, growth):
    x = torch.randn(2, in_channels, 6, 6)
    assert_same_module(chapter3["DenseBlock"](num_convs, growth),
                       textbook.TextbookDenseBlock(num_convs, in_channels, growth), x)


def test_chapter3_conv_and_transition_blocks_equal_the_package(chapter3):
    x = torch.randn(2, 23, 8, 8)
    assert_same_module(chapter3["conv_block"](10), textbook.conv_block(23, 10), x)
    assert_same_module(chapter3["transition_block"](10), textbook.transition_block(23, 10), x)


def test_chapter4_textbook_network_equals_the_package():
    from densenet_lab import create_model

    build = taught("04_whole_network")["textbook_densenet"]
    x = torch.randn(2, 1, 96, 96)
    assert_same_module(build(), create_model("d2l_densenet"), x)
    small = dict(num_channels=16, growth_rate=8, arch=(2, 3), num_classes=5, image_channels=3)
    assert_same_module(build(**small), textbook.d2l_densenet(**small), torch.randn(2, 3, 40, 40))


@pytest.mark.parametrize("in_channels, growth, layers", [(24, 12, 4), (64, 32, 2), (7, 5, 3)])
def test_chapter4_paper_layer_block_and_transition_equal_the_package(in_channels, growth, layers):
    from densenet_lab.models import DenseBlock, DenseLayer, Transition

    book = taught("04_whole_network")
    x = torch.randn(2, in_channels, 8, 8)
    layer = book["DenseLayer"](in_channels, growth)
    package_layer = DenseLayer(in_channels, growth, bottleneck=True)
    layer.load_state_dict(package_layer.state_dict())
    assert torch.equal(layer([x]), package_layer([x]))
    assert_same_module(book["DenseBlock"](layers, in_channels, growth), DenseBlock(layers, in_channels, growth), x)
    out = in_channels + layers * growth
    for theta in (0.5, 1.0, 0.3):
        y = torch.randn(2, out, 8, 8)
        assert_same_module(book["Transition"](out, theta), Transition(out, int(theta * out)), y)


@pytest.mark.parametrize("shapes", [[(4, 24)], [(4, 24), (4, 12), (4, 12)]])
def test_chapter6_memory_efficient_layer_equals_the_package(shapes):
    """Same outputs, gradients and BatchNorm statistics after a training step, and the naive
    checkpoint the chapter warns about really counts a batch twice."""
    from densenet_lab.models import DenseLayer

    book = taught("06_memory_and_speed")
    in_channels = sum(c for _, c in shapes)
    package = DenseLayer(in_channels, 12, bottleneck=True, memory_efficient=True)
    start = {k: v.clone() for k, v in package.state_dict().items()}
    layers = {"package": package}
    for name in ("DenseLayer", "EfficientDenseLayer", "NaiveCheckpointedLayer"):
        layers[name] = book[name](in_channels, 12)
        layers[name].load_state_dict(start)
    features = [torch.randn(n, c, 6, 6, requires_grad=True) for n, c in shapes]
    grads = {}
    for name, layer in layers.items():
        layer.train()
        out = layer(features)
        grads[name] = torch.autograd.grad(out.pow(2).mean(), [*layer.parameters(), *features])
    for name in ("DenseLayer", "EfficientDenseLayer"):
        for a, b in zip(grads[name], grads["package"]):
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
        for key, value in layers["package"].state_dict().items():
            torch.testing.assert_close(layers[name].state_dict()[key], value, rtol=1e-6, atol=1e-7)
    assert layers["NaiveCheckpointedLayer"].norm1.num_batches_tracked.item() == 2
    assert layers["EfficientDenseLayer"].norm1.num_batches_tracked.item() == 1
