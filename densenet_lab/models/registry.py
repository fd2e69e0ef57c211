"""One table of named models: it drives ``create_model``, ``list_models``, the book's
architecture tables and the tests, together with the paper's figures for each entry.

    >>> model = create_model("densenet_bc100_k12", num_classes=100)
    >>> list_models("cifar")[:2]
    ['densenet40_k12', 'densenet100_k12']
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field

from torch import nn

from .._checks import check_bool, check_choice, check_fraction, check_int
from .densenet import DenseNet, DenseNetConfig
from .resnet import ResNet
from .textbook import d2l_densenet

FAMILIES = ("cifar", "imagenet", "textbook", "resnet", "small")


@dataclass(frozen=True)
class ModelEntry:
    """A named model with the figures the paper (or torchvision) reports for it.

    ``params`` maps a number of classes to the expected parameter count; ``errors`` maps
    a data set (``"C10+"``, ``"C100+"``, ``"ImageNet top-1"``) to the paper's error in %.
    """

    name: str
    family: str
    description: str
    num_classes: int
    image_channels: int = 3
    config: DenseNetConfig | None = None  # set for the DenseNets of the paper
    build: Callable[..., nn.Module] | None = None  # for the other models
    params: dict[int, int] = field(default_factory=dict)
    errors: dict[str, float] = field(default_factory=dict)
    input_size: int = 32  # the size the paper trains at
    min_input_size: int = 1  # the smallest height = width it runs on (the DenseNets': config.min_input_size)


def cifar_config(depth: int, growth_rate: int, bc: bool) -> DenseNetConfig:
    """The paper's CIFAR DenseNet of depth L: 3 blocks of (L - 4) / 3 layers, 16 stem
    channels (plain), or (L - 4) / 6 bottleneck layers, 2k stem channels and theta = 0.5 (BC).

    The 4 layers not in blocks are the stem conv, two transitions and the classifier.
    """
    depth = check_int("depth", depth, minimum=4)
    per_layer = 2 if bc else 1  # a bottleneck layer has two convolutions
    if (depth - 4) % (3 * per_layer) or depth == 4:
        raise ValueError(
            f"depth must be 4 + 3 * {per_layer} * n for a {'DenseNet-BC' if bc else 'DenseNet'} "
            f"with 3 blocks of n layers (e.g. {40 if not bc else 100}), got {depth}"
        )
    n = (depth - 4) // (3 * per_layer)
    return DenseNetConfig(
        growth_rate=growth_rate,
        block_config=(n, n, n),
        num_init_features=2 * growth_rate if bc else 16,
        bottleneck=bc,
        compression=0.5 if bc else 1.0,
        num_classes=10,
        stem="cifar",
    )


def _cifar(depth: int, k: int, bc: bool, p10: int, p100: int, e10: float, e100: float) -> ModelEntry:
    kind = "DenseNet-BC" if bc else "DenseNet"
    return ModelEntry(
        name=f"densenet_bc{depth}_k{k}" if bc else f"densenet{depth}_k{k}",
        family="cifar",
        description=f"{kind} (L={depth}, k={k}), paper Table 2",
        num_classes=10,
        config=cifar_config(depth, k, bc),
        params={10: p10, 100: p100},
        errors={"C10+": e10, "C100+": e100},
    )


def _imagenet(depth: int, k: int, blocks: tuple[int, ...], init: int, params: int, top1: float | None,
              source: str = "paper Table 1"):
    return ModelEntry(
        name=f"densenet{depth}",
        family="imagenet",
        description=f"DenseNet-BC-{depth} (k={k}), {source}",
        num_classes=1000,
        config=DenseNetConfig(growth_rate=k, block_config=blocks, num_init_features=init),
        params={1000: params},
        errors={} if top1 is None else {"ImageNet top-1": top1},
        input_size=224,
    )


MODELS: dict[str, ModelEntry] = {
    e.name: e
    for e in [
        # CIFAR (Table 2): parameters for 10 and 100 classes, C10+ / C100+ error (%)
        _cifar(40, 12, False, 1_019_722, 1_060_132, 5.24, 24.42),
        _cifar(100, 12, False, 6_979_642, 7_084_852, 4.10, 20.20),
        _cifar(100, 24, False, 27_249_082, 27_457_972, 3.74, 19.25),
        _cifar(100, 12, True, 769_162, 800_032, 4.51, 22.27),
        _cifar(250, 24, True, 15_324_406, 15_480_556, 3.62, 17.60),
        _cifar(190, 40, True, 25_624_430, 25_821_620, 3.46, 17.18),
        # ImageNet (Table 1): torchvision's parameter counts, single-crop top-1 error (%)
        _imagenet(121, 32, (6, 12, 24, 16), 64, 7_978_856, 25.02),
        _imagenet(161, 48, (6, 12, 36, 24), 96, 28_681_000, None,
                  "torchvision, from the authors' released models (not in the paper's Table 1)"),
        _imagenet(169, 32, (6, 12, 32, 32), 64, 14_149_480, 23.80),
        _imagenet(201, 32, (6, 12, 48, 32), 64, 20_013_928, 22.58),
        _imagenet(264, 32, (6, 12, 64, 48), 64, 33_337_704, 22.15),
        ModelEntry(
            name="densenet_bc40_k12",
            family="small",
            description="DenseNet-BC (L=40, k=12): a small model for CPU runs (not in the paper)",
            num_classes=10,
            config=cifar_config(40, 12, bc=True),
        ),
        ModelEntry(
            name="d2l_densenet",
            family="textbook",
            description="the textbook's DenseNet for 96x96 Fashion-MNIST (d2l 8.7)",
            num_classes=10,
            image_channels=1,
            build=lambda num_classes, image_channels: d2l_densenet(num_classes=num_classes,
                                                                   image_channels=image_channels),
            input_size=96,
            min_input_size=29,  # its stem and three halving transitions leave 1x1 at 29x29, nothing below
        ),
        ModelEntry(
            name="resnet18",
            family="resnet",
            description="ResNet-18, ImageNet stem (torchvision layout)",
            num_classes=1000,
            build=lambda num_classes, image_channels: ResNet(num_classes=num_classes, image_channels=image_channels),
            params={1000: 11_689_512},
            input_size=224,
        ),
        ModelEntry(
            name="resnet18_cifar",
            family="resnet",
            description="ResNet-18 with a 3x3 stem and no max pool, for 32x32 images",
            num_classes=10,
            build=lambda num_classes, image_channels: ResNet(num_classes=num_classes, image_channels=image_channels,
                                                              stem="cifar"),
        ),
    ]
}


def list_models(family: str | None = None) -> list[str]:
    """Names of the registered models, in table order; optionally of one family
    (``"cifar"``, ``"imagenet"``, ``"textbook"``, ``"resnet"``)."""
    if family is not None:
        check_choice("family", family, FAMILIES)
    return [name for name, e in MODELS.items() if family is None or e.family == family]


def get_entry(name: str) -> ModelEntry:
    """The registry entry for ``name``; an unknown name raises ``ValueError`` with a suggestion."""
    if name in MODELS:
        return MODELS[name]
    prefixed = [known for known in MODELS if known.startswith(str(name))]
    close = prefixed or difflib.get_close_matches(str(name), MODELS, n=1, cutoff=0.0)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"unknown model {name!r}.{hint} Known models: {', '.join(MODELS)}")


def create_model(
    name: str,
    *,
    num_classes: int | None = None,
    image_channels: int | None = None,
    memory_efficient: bool = False,
    drop_rate: float = 0.0,
    **overrides,
) -> nn.Module:
    """Build a registered model with fresh (He-normal) weights.

    Args:
        name: a name from ``list_models()``.
        num_classes: classifier outputs (default: the entry's, 10 for CIFAR models,
            1000 for ImageNet models).
        image_channels: channels of the input images (default: 3, or 1 for ``d2l_densenet``).
        memory_efficient: checkpoint the concatenations (DenseNets of the paper only).
        drop_rate: dropout after each convolution (DenseNets of the paper only).
        **overrides: other ``DenseNetConfig`` fields, e.g. ``growth_rate=16``.
    """
    entry = get_entry(name)
    if "in_channels" in overrides:  # the layers' name for their input; the images' is another
        raise ValueError(f"create_model takes the channels of the input images as image_channels, "
                         f"not in_channels: pass image_channels={overrides['in_channels']!r}")
    num_classes = check_int("num_classes", entry.num_classes if num_classes is None else num_classes)
    image_channels = check_int("image_channels", entry.image_channels if image_channels is None else image_channels)
    memory_efficient = check_bool("memory_efficient", memory_efficient)
    drop_rate = check_fraction("drop_rate", drop_rate, include_zero=True, include_one=False)
    if entry.config is not None:
        config = entry.config.replace(
            num_classes=num_classes,
            image_channels=image_channels,
            memory_efficient=memory_efficient,
            drop_rate=drop_rate,
            **overrides,
        )
        return DenseNet(config)
    # any configuration field is refused, even a falsy one (growth_rate=0 used to pass
    # unnoticed); the two switches only when they ask for something
    bad = [*(["memory_efficient"] if memory_efficient else []), *(["drop_rate"] if drop_rate else []),
           *overrides]
    if bad:
        raise ValueError(
            f"{', '.join(bad)} cannot be set for {name!r}: only the paper's DenseNets "
            f"({', '.join(list_models('cifar') + list_models('imagenet'))}) take them"
        )
    assert entry.build is not None
    return entry.build(num_classes=num_classes, image_channels=image_channels)
