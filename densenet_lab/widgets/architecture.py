"""Chapters 4 and 6: a whole DenseNet's channel schedule, parameters, FLOPs and memory.

Every number comes from ``densenet_lab.analysis``: closed forms for the DenseNet, and
measurements on a built ResNet-18 for the reference row (so nothing here trains or
allocates a large model: a setting that would not fit on a GPU shows a warning).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from functools import lru_cache

import torch

from .. import analysis
from ..i18n import t
from ..models.densenet import DenseNetConfig
from ..models.registry import cifar_config, create_model, get_entry
from .core import Control, Explorer, Figure, Frame, Trace

# Colab's T4 (the GPU a student most often has) offers about 15 GiB; weights, gradients,
# optimiser state and cuDNN workspace need their share, so warn when activations pass 12.
ACTIVATION_BUDGET = 12 * 2**30
IMAGENET = ("densenet121", "densenet169", "densenet201", "densenet264")
CIFAR_DEPTHS = (40, 100, 190, 250)  # 4 + 6n: each is a plain and a BC depth of the paper
NETWORKS = tuple(f"cifar{d}" for d in CIFAR_DEPTHS) + IMAGENET


def network_names(lang: str = "en") -> tuple[str, ...]:
    """The names the network menu shows for ``NETWORKS``, in ``lang``."""
    return tuple(t("CIFAR L={depth}: 3 blocks", lang, depth=d) for d in CIFAR_DEPTHS) + tuple(
        t("ImageNet {name}: blocks {blocks}", lang, name=n[8:], blocks="-".join(map(str, get_entry(n).config.block_config)))
        for n in IMAGENET)


NETWORK_NAMES = network_names()


def network_config(network: str, growth_rate: int, bottleneck: bool, compression: float,
                   memory_efficient: bool = False) -> DenseNetConfig:
    """The DenseNet the explorer shows, from the registry's configurations.

    CIFAR networks follow the paper (``cifar_config``): depth L gives 3 blocks of (L - 4) / 3
    layers, or of (L - 4) / 6 bottleneck layers; the stem has 2k channels with a bottleneck
    and 16 without. ImageNet networks keep torchvision's block configuration and a
    2k-channel stem (64 for densenet121's k = 32), with 1000 classes.
    """
    if network.startswith("cifar"):
        config = cifar_config(int(network[5:]), growth_rate, bc=bottleneck)
    else:
        config = get_entry(network).config.replace(growth_rate=growth_rate, num_init_features=2 * growth_rate)
    return config.replace(bottleneck=bottleneck, compression=compression, memory_efficient=memory_efficient)


def variant_name(config: DenseNetConfig) -> str:
    """DenseNet, DenseNet-B, DenseNet-C or DenseNet-BC, as the paper names them."""
    suffix = ("B" if config.bottleneck else "") + ("C" if config.compression < 1 else "")
    return "DenseNet" + (f"-{suffix}" if suffix else "")


@lru_cache(maxsize=16)
def resnet18_reference(imagenet: bool, input_size: int, num_classes: int) -> tuple[int, int, int, int]:
    """ResNet-18 for ``num_classes`` classes measured with ``densenet_lab.analysis``: parameters,
    FLOPs per image, and the saved activations of a training pass as ``fixed + per_image * batch``
    bytes."""
    model = create_model("resnet18" if imagenet else "resnet18_cifar", num_classes=num_classes)
    # two batch sizes give the line; batch norm in training needs 2 values per channel, and
    # the ImageNet ResNet ends at 1x1 pixels for small inputs
    small, large = (2, 4) if imagenet and input_size < 64 else (1, 2)
    with torch.random.fork_rng():
        m_small = analysis.measure_activation_memory(model, input_size, batch=small)
        m_large = analysis.measure_activation_memory(model, input_size, batch=large)
    per_image = (m_large - m_small) // (large - small)
    flops = analysis.measure_flops(model, input_size, batch=1)
    return analysis.count_parameters(model), flops, m_small - small * per_image, per_image


@lru_cache(maxsize=4096)
def stage_rows(config: DenseNetConfig, input_size: int, batch: int) -> tuple[tuple[analysis.Stage, ...], ...]:
    """``analysis.stages`` of the naive and of the memory-efficient variant of ``config``."""
    return tuple(tuple(analysis.stages(config.replace(memory_efficient=lean), input_size, batch)) for lean in (False, True))


def _mib(n: int) -> str:
    return f"{n / 2**20:,.1f} MiB" if n < 2**30 else f"{n / 2**30:,.2f} GiB"


def stage_label(name: str, text: Callable[..., str] = t) -> str:
    """A stage's bar label: ``"denseblock2"`` -> ``"block 2"``, ``"transition1"`` -> ``"trans. 1"``,
    ``"stem"``, ``"head"``, through ``text`` (e.g. an explorer's ``figure_text``)."""
    for prefix, label in (("denseblock", "block {b}"), ("transition", "trans. {b}")):
        if name.startswith(prefix):
            return text(label, b=name.removeprefix(prefix))
    return text(name)


def memory_figure(naive: Sequence[analysis.Stage], lean: Sequence[analysis.Stage], input_size: int, batch: int,
                  resnet_bytes: int, text: Callable[..., str] = t) -> Figure:
    """Saved activations of each stage, naive and memory-efficient, and the totals beside ResNet-18's;
    its texts through ``text`` (default: ``i18n.t`` in the current language)."""
    total = sum(s.activation_bytes for s in naive)
    unit, scale = ("GiB", 2**30) if total >= 2**30 else ("MiB", 2**20)
    names = [stage_label(s.name, text) for s in naive] + [text("total")]

    def bars(rows):
        return [s.activation_bytes / scale for s in rows] + [sum(s.activation_bytes for s in rows) / scale]

    return Figure([Trace(text("naive"), names, bars(naive), kind="bar", color="#1f77b4"),
                   Trace(text("memory-efficient"), names, bars(lean), kind="bar", color="#2ca02c"),
                   Trace("ResNet-18", names[-1:], [resnet_bytes / scale], kind="bar", color="#7f7f7f")],
                  title=text("saved activations, batch {batch} at {size}x{size}", batch=batch, size=input_size), ylabel=unit)


class ArchitectureExplorer(Explorer):
    """Growth rate, depth, bottleneck, compression, input size, batch, memory-efficient."""

    key = "arch"  # links: #arch:net=cifar100,k=24,b=1,theta=1,size=32,batch=64,efficient=0
    title = "A whole DenseNet: channels, parameters, FLOPs and training memory"
    note = ("Closed forms from densenet_lab.analysis; memory is what a float32 training pass saves "
            "for backward (bf16 halves it); ResNet-18 is measured at the same input size.")
    controls = (
        Control("network", "network", NETWORKS, "cifar100", names=NETWORK_NAMES, key="net"),
        Control("growth_rate", "growth rate k", (4, 6, 8, 12, 16, 24, 32, 40, 48), 12, static=(12, 24, 32, 40), key="k"),
        Control("bottleneck", "bottleneck (B)", (False, True), True, key="b"),
        Control("compression", "compression theta", (0.25, 0.5, 0.75, 1.0), 0.5, static=(0.5, 1.0), key="theta"),
        Control("input_size", "input size", (32, 64, 96, 128, 160, 192, 224, 256, 320), 32, static=(32, 64, 224), key="size"),
        Control("batch", "batch", tuple(2**i for i in range(11)), 64, static=(8, 64, 256)),
        Control("memory_efficient", "memory-efficient (checkpointing)", (False, True), False, key="efficient"),
    )

    def translated(self, c: Control) -> Control:
        """As ``Explorer.translated``; the network menu's names are made in the reader's language."""
        if c.name != "network":
            return super().translated(c)
        return dataclasses.replace(c, label=self.t(c.label), names=network_names(self.lang))

    def compute(self, network: str, growth_rate: int, bottleneck: bool, compression: float, input_size: int,
                batch: int, memory_efficient: bool) -> Frame:
        config = network_config(network, growth_rate, bottleneck, compression, memory_efficient)
        frame, text = self.new_frame(), self.figure_text
        frame.add("network", self.t("{variant}, k={k}, blocks {blocks}, k0={k0}", variant=variant_name(config), k=growth_rate,
                                    blocks=config.block_config, k0=config.num_init_features))
        if input_size < config.min_input_size:
            frame.warning = self.t("input size {size} is too small for this network: the minimum is {minimum}",
                                   size=input_size, minimum=config.min_input_size)
            return frame
        schedule = analysis.layer_schedule(config, input_size)
        frame.figures = [Figure(
            [Trace(text("block {b}", b=b), [i + 1 for i, r in enumerate(schedule) if r.block == b],
                   [r.in_channels for r in schedule if r.block == b], kind="lines+markers" if len(schedule) <= 64 else "line")
             for b in range(1, len(config.block_config) + 1)],
            title=text("input channels of each dense layer: k0 + l*k"),
            xlabel=text("dense layer"), ylabel=text("input channels"))]
        # one pass of the closed forms gives every number: parameters, FLOPs (linear in the
        # batch) and saved activations are the sums over the stages
        naive_rows, lean_rows = stage_rows(config.replace(memory_efficient=False), input_size, batch)
        naive, efficient = (sum(s.activation_bytes for s in rows) for rows in (naive_rows, lean_rows))
        flops = sum(s.flops for s in naive_rows) // batch
        chosen = efficient if memory_efficient else naive
        params, classes = sum(s.params for s in naive_rows), config.num_classes
        # the classifier's size depends on the classes: name them beside every count
        counted = "{params} ({classes} classes)"
        frame.add("parameters", params, self.t(counted, params=f"{params:,}", classes=f"{classes:,}"))
        frame.add("GFLOPs per image (forward)", flops, f"{flops / 1e9:,.3f}")
        in_use = "{memory} (in use)"
        frame.add("activations, naive", naive, _mib(naive) if memory_efficient else self.t(in_use, memory=_mib(naive)))
        frame.add("activations, memory-efficient", efficient,
                  self.t(in_use, memory=_mib(efficient)) if memory_efficient else _mib(efficient))
        r_params, r_flops, fixed, per_image = resnet18_reference(config.stem == "imagenet", input_size, classes)
        frame.add("ResNet-18 parameters", r_params, self.t(counted, params=f"{r_params:,}", classes=f"{classes:,}"))
        frame.add("ResNet-18 GFLOPs per image", r_flops, f"{r_flops / 1e9:,.3f}")
        r_memory = fixed + per_image * batch
        frame.add("ResNet-18 activations", r_memory, _mib(r_memory))
        frame.figures.append(memory_figure(naive_rows, lean_rows, input_size, batch, r_memory, text))
        if chosen > ACTIVATION_BUDGET:
            advice = ("lower the batch or the input size." if memory_efficient
                      else "turn on memory-efficient, or lower the batch or the input size.")
            frame.warning = self.t("the activations alone need {memory}: with the weights, gradients and workspace this "
                                   "does not fit on a 15 GiB GPU (Colab's T4); " + advice, memory=_mib(chosen))
        return frame
