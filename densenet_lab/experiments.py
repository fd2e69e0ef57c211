"""Small experiments the chapters run: they live here so that a notebook shows only the
lines that teach, and the tests can check them."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from ._checks import check_int
from .analysis import count_parameters
from .i18n import LABELS, figure_text
from .models import DenseBlock, DenseNet
from .results import environment, write_new


class Stack(nn.Module):
    """``depth`` fully connected layers of ``width`` units with ReLU, as a plain chain
    ``x <- relu(W x)`` or with identity shortcuts ``x <- x + relu(W x)``:
    ``(N, in_features) -> (N, num_classes)``."""

    def __init__(self, depth: int, width: int, in_features: int, num_classes: int, residual: bool) -> None:
        super().__init__()
        self.residual = residual
        self.inp = nn.Linear(in_features, width)
        self.layers = nn.ModuleList(nn.Linear(width, width) for _ in range(depth))
        self.out = nn.Linear(width, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        x = self.inp(x.flatten(1))
        for layer in self.layers:
            x = x + torch.relu(layer(x)) if self.residual else torch.relu(layer(x))
        return self.out(x)


def first_layer_grad_norm(depth: int, residual: bool, *, width: int = 64, seed: int = 0) -> float:
    """Gradient norm reaching the first layer of a freshly initialised ``Stack`` on random data."""
    torch.manual_seed(seed)
    net = Stack(depth, width, 32, 10, residual)
    x, y = torch.randn(128, 32), torch.randint(0, 10, (128,))
    nn.functional.cross_entropy(net(x), y).backward()
    return net.inp.weight.grad.norm().item()


def feature_reuse(block: DenseBlock, normalize: str | None = "row") -> Tensor:
    """The paper's Figure 5 for one block (Huang et al., 2017): how strongly each layer's
    first convolution weighs each earlier source. Shape ``(L, L + 1)``: entry ``[l, s]`` is
    for layer ``l + 1`` (row ``l``) reading source ``s`` (0: the block input, s >= 1: layer s);
    entries with ``s > l`` are NaN (a layer cannot read later layers).

    The measure is the paper's: the L1 norm of the weights that connect source ``s`` to the
    layer, divided by the number of input feature maps (channels) ``s`` contributes, that
    is ``W[:, channels of s].abs().sum() / (channels of s)``, so the block input (k0
    channels) and each layer (k channels) are compared per channel.

    Args:
        block: a ``densenet_lab.models.DenseBlock`` (with or without bottleneck).
        normalize: ``"row"`` divides each row by its largest entry (each layer's
            strongest source is 1); ``None`` keeps the paper's average L1 norms, so rows
            (and blocks, and a trained and an untrained copy) can be compared.
    """
    if normalize not in ("row", None):
        raise ValueError(f"normalize must be 'row' or None, got {normalize!r}")
    L, k = block.num_layers, block.growth_rate
    heat = torch.full((L, L + 1), float("nan"))
    sizes = [block.in_channels] + [k] * L
    for l, layer in enumerate(block.values()):
        w = layer.conv1.weight.detach().abs()  # (out, in_channels of layer l, kh, kw)
        chunks = w.split(sizes[: l + 1], dim=1)
        row = torch.stack([c.sum() / c.shape[1] for c in chunks])  # L1 norm per input map
        heat[l, : l + 1] = row / row.max() if normalize == "row" else row
    return heat


def plot_feature_reuse(untrained: Tensor, trained: Tensor, title: str = "feature reuse in block 1",
                       lang: str | None = None):
    """Three heat maps of ``feature_reuse(..., normalize=None)`` results for one block: before
    training, after training (one colour scale for both), and their ratio (diverging colours
    around 1: red where training made a connection's weights larger, blue smaller).
    Texts in ``lang`` (``None``: the reader's; ``title`` too when ``i18n.LABELS`` has it).
    Returns the matplotlib figure."""
    import matplotlib.pyplot as plt

    def text(english: str) -> str:
        return figure_text(english, lang)

    ratio = trained / untrained
    L = ratio.shape[0]
    both = torch.cat([untrained.flatten(), trained.flatten()])
    both = both[~both.isnan()]
    low, high = both.min().item(), both.max().item()
    spread = max((ratio.nan_to_num(1) - 1).abs().max().item(), 1e-3)
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.6), constrained_layout=True)
    panels = [(untrained, text("before training"), "viridis", low, high),
              (trained, text("after training"), "viridis", low, high),
              (ratio, text("after / before"), "RdBu_r", 1 - spread, 1 + spread)]
    for ax, (heat, name, cmap, vmin, vmax) in zip(axes, panels):
        image = ax.imshow(heat.numpy(), cmap=cmap, vmin=vmin, vmax=vmax)
        ax.set_title(name)
        ax.set_xlabel(text("source s (0 = block input)"))
        ax.set_xticks(range(L + 1))
        ax.set_yticks(range(L), [str(l + 1) for l in range(L)])
        ax.grid(False)
        if ax is axes[1]:  # one colour bar for the two maps on the same scale
            fig.colorbar(image, ax=axes[:2], shrink=0.8, label=text("L1 norm per input map"))
    fig.colorbar(image, ax=axes[2], shrink=0.8, label=text("ratio"))
    axes[0].set_ylabel(text("target layer l"))
    fig.suptitle(text(title) if title in LABELS else title)
    return fig


def sweep_model(growth_rate: int, image_channels: int, num_classes: int,
                block_config: tuple[int, ...] = (3, 3)) -> DenseNet:
    """The small DenseNet-BC of the growth-rate sweep: CIFAR stem with 2k channels, bottlenecks, theta 0.5."""
    return DenseNet(growth_rate=check_int("growth_rate", growth_rate, maximum=256), block_config=block_config,
                    num_init_features=2 * growth_rate, image_channels=image_channels, num_classes=num_classes,
                    stem="cifar")


@dataclass
class Sweep:
    """Accuracy, time and parameters against growth rate, with where they come from.

    Every run uses the quick recipe (SGD, momentum 0.9, cosine schedule) with ``batch_size``
    and ``lr``; ``points`` are dicts with ``growth_rate``, ``params``, ``test_acc``,
    ``seconds``; ``environment`` holds the device, versions, date and the call that made them.
    ``held_out`` says what ``test_acc`` was measured on: ``"test"``, or ``"validation"`` for a
    sweep run on ``data.split_validation(...)`` to choose a growth rate.
    """

    data: str
    epochs: int
    block_config: tuple[int, ...]
    batch_size: int = 32  # small batches: many steps, so even a few epochs on small data learn
    lr: float = 0.1
    points: list[dict[str, Any]] = field(default_factory=list)
    environment: dict[str, Any] = field(default_factory=dict)
    held_out: str = "test"

    def save(self, path: str | Path) -> Path:
        """Write the sweep as JSON to ``path``, never over an existing file: a taken name gets
        ``-2``, ``-3``, ... (see ``densenet_lab.results``). Returns the path written."""
        return write_new(path, json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls, path: str | Path) -> Sweep:
        raw = json.loads(Path(path).read_text())
        return cls(**{**raw, "block_config": tuple(raw["block_config"])})  # JSON has lists, not tuples


def train_point(growth_rate: int, dataset, sweep: Sweep, *, seed: int = 0,
                on_step: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Train ``sweep_model(growth_rate)`` on ``dataset`` as ``sweep`` trains its runs; returns
    one point. ``on_step(done, total)`` is called after every optimiser step; an exception
    raised in it stops the run."""
    steps = train_point_steps(growth_rate, dataset, sweep, seed=seed)
    while True:
        try:
            done, total = next(steps)
        except StopIteration as finished:
            return finished.value
        if on_step is not None:
            on_step(done, total)


def train_point_steps(growth_rate: int, dataset, sweep: Sweep, *,
                      seed: int = 0) -> Generator[tuple[int, int], None, dict[str, Any]]:
    """``train_point`` one optimiser step at a time: a generator that yields ``(steps done,
    total steps)`` after each step and returns the point when the last epoch is evaluated.

    Between two steps the caller may do anything, even run other training: the run keeps its
    own random numbers. The weights start from ``seed`` (drawn with the global generator
    inside ``torch.random.fork_rng``, which restores the caller's state), and the data order and
    augmentation come from the run's own ``torch.Generator``; nothing else draws (the sweep's
    models have no dropout). So the global random state is the same after a run as before,
    and the point is the one ``fit`` would train from the same seed (``tests/test_widgets.py``).
    ``seconds`` counts the time spent in the run's own steps, not the pauses between them.
    """
    from . import data as data_mod
    from .device import setup_hardware
    from .recipes import choose_recipe
    from .train import Training, evaluate, train_step

    info = dataset.info
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = sweep_model(growth_rate, info.channels, info.num_classes, sweep.block_config)
    hw = setup_hardware(None, None)
    recipe = choose_recipe("quick", epochs=sweep.epochs, batch_size=sweep.batch_size, lr=sweep.lr)
    training = Training.create(net, recipe, hw, len(dataset.train), seed=seed, channels_last=False,
                               progress=False, on_step=None)
    dataset = dataset.to(hw.device)
    seconds, done = 0.0, 0
    for _ in range(recipe.epochs):
        start = time.perf_counter()
        net.train()
        for x, y in data_mod.batches(dataset.train, info, recipe.batch_size, train=True, generator=training.generator):
            train_step(net, x, y, training)
            done += 1
            seconds += time.perf_counter() - start
            yield done, training.total_steps
            start = time.perf_counter()
    start = time.perf_counter()
    test = evaluate(net, dataset.test, info, batch_size=max(recipe.batch_size, 256), device=hw.device)
    seconds += time.perf_counter() - start
    return {"growth_rate": growth_rate, "params": count_parameters(net), "test_acc": test["acc"],
            "seconds": round(seconds, 2)}


def growth_rate_sweep(dataset, growth_rates: Sequence[int], epochs: int, *, block_config: tuple[int, ...] = (3, 3),
                      seed: int = 0, verbose: bool = True, command: str | None = None) -> Sweep:
    """Train one small DenseNet-BC per growth rate on ``dataset`` (a ``load_data`` result).

    ``command`` is recorded as what made the sweep (default: this call, written out)."""
    from .device import pick_device

    call = command or (f"growth_rate_sweep({dataset.info.name!r}, {list(growth_rates)}, epochs={epochs}, "
                       f"block_config={block_config}, seed={seed})")
    sweep = Sweep(dataset.info.title, check_int("epochs", epochs, maximum=100_000), tuple(block_config),
                  environment=environment(pick_device(), call), held_out=dataset.info.held_out)
    for k in growth_rates:
        point = train_point(k, dataset, sweep, seed=seed)
        sweep.points.append(point)
        if verbose:
            print(f"k={k:2d}: {point['params']:8,d} parameters, {sweep.held_out} accuracy {point['test_acc']:.3f}, "
                  f"{point['seconds']:.1f} s")
    return sweep
