"""The whole DenseNet: a stem, dense blocks joined by transitions, and a classifier.

``DenseNetConfig`` holds every hyper-parameter of the paper in one checked place; the
model, the closed-form analysis (``densenet_lab.analysis``) and the registry all read it.

    stem          (N, image_channels, H, W) -> (N, k0, H', W')
    denseblock i  (N, c, h, w)           -> (N, c + L_i * k, h, w)
    transition i  (N, c, h, w)           -> (N, floor(theta * c), h // 2, w // 2)
    head          BN-ReLU, global average pool, linear -> (N, num_classes)

The ImageNet stem is the paper's 7x7/2 convolution, BN, ReLU and 3x3/2 max pool
(H' = H / 4); the CIFAR stem is one 3x3 convolution (H' = H).
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .._checks import check_block_config, check_bool, check_choice, check_fraction, check_int
from .dense import DenseBlock, Transition

STEMS = ("imagenet", "cifar")


@dataclass(frozen=True)
class DenseNetConfig:
    """Hyper-parameters of a DenseNet, named as in the paper.

    Args:
        growth_rate: k, the channels each dense layer adds.
        block_config: number of dense layers in each block, e.g. ``(6, 12, 24, 16)``.
        num_init_features: k0, channels out of the stem (64 for ImageNet, 16 or 2k for CIFAR).
        bottleneck: use 1x1 bottleneck convolutions (DenseNet-B).
        bn_size: bottleneck width as a multiple of k (4 in the paper).
        compression: theta in (0, 1]; transitions keep ``floor(theta * c)`` channels
            (DenseNet-C when below 1).
        drop_rate: dropout after each convolution, in [0, 1).
        num_classes: outputs of the classifier.
        image_channels: channels of the input images (3 for colour, 1 for grey).
        stem: ``"imagenet"`` (7x7/2 conv + max pool) or ``"cifar"`` (one 3x3 conv).
        memory_efficient: recompute concatenations in backward (checkpointing).
        shared_buffer: write each block's features once into a pre-allocated buffer and
            read concatenations as views of it (faster in eager mode; same numbers).
    """

    growth_rate: int = 32
    block_config: tuple[int, ...] = (6, 12, 24, 16)
    num_init_features: int = 64
    bottleneck: bool = True
    bn_size: int = 4
    compression: float = 0.5
    drop_rate: float = 0.0
    num_classes: int = 1000
    image_channels: int = 3
    stem: str = "imagenet"
    memory_efficient: bool = False
    shared_buffer: bool = False

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # the dataclass is frozen: write the checked values once
        set_(self, "growth_rate", check_int("growth_rate", self.growth_rate, maximum=4096))
        set_(self, "block_config", check_block_config("block_config", self.block_config))
        set_(self, "num_init_features", check_int("num_init_features", self.num_init_features))
        set_(self, "bn_size", check_int("bn_size", self.bn_size, maximum=64))
        set_(self, "compression", check_fraction("compression", self.compression, include_zero=False, include_one=True))
        set_(self, "drop_rate", check_fraction("drop_rate", self.drop_rate, include_zero=True, include_one=False))
        set_(self, "num_classes", check_int("num_classes", self.num_classes))
        set_(self, "image_channels", check_int("image_channels", self.image_channels))
        set_(self, "stem", check_choice("stem", self.stem, STEMS))
        for flag in ("bottleneck", "memory_efficient", "shared_buffer"):
            set_(self, flag, check_bool(flag, getattr(self, flag)))
        # a transition must keep at least one channel
        channels = self.num_init_features
        for i, num_layers in enumerate(self.block_config[:-1]):
            channels += num_layers * self.growth_rate
            if int(channels * self.compression) < 1:
                raise ValueError(
                    f"compression={self.compression} leaves no channels after block {i + 1} "
                    f"({channels} channels): use a compression of at least {1 / channels:.3g}"
                )
            channels = int(channels * self.compression)

    def replace(self, **changes) -> DenseNetConfig:
        """A copy with some fields changed (checked again)."""
        return dataclasses.replace(self, **changes)

    def stem_size(self, size: int) -> int:
        """Spatial size after the stem, for an input of ``size`` pixels."""
        if self.stem == "cifar":
            return size
        size = (size + 2 * 3 - 7) // 2 + 1  # 7x7 conv, stride 2, padding 3
        return (size + 2 * 1 - 3) // 2 + 1  # 3x3 max pool, stride 2, padding 1

    def block_sizes(self, size: int) -> list[int]:
        """Spatial size inside each dense block for a ``size`` x ``size`` input (0: too small)."""
        sizes = [self.stem_size(size)]
        for _ in self.block_config[1:]:
            sizes.append(sizes[-1] // 2)  # each transition halves it
        return sizes

    @property
    def min_input_size(self) -> int:
        """The smallest input height/width that survives every downsampling step."""
        size = 1
        while min(self.block_sizes(size)) < 1:
            size += 1
        return size


class DenseNet(nn.Module):
    """DenseNet (Huang et al., 2017): ``(N, image_channels, H, W) -> (N, num_classes)`` logits.

    Takes the fields of ``DenseNetConfig`` as keyword arguments (see there); the checked
    configuration is kept as ``model.config``. ``features`` holds the stem, the blocks
    and the transitions under torchvision's names (``conv0``, ``denseblock1``,
    ``transition1``, ..., ``norm5`` for four blocks), ``classifier`` the linear head.
    """

    def __init__(self, config: DenseNetConfig | None = None, **kwargs) -> None:
        super().__init__()
        if config is None:
            config = DenseNetConfig(**kwargs)
        elif kwargs:
            config = config.replace(**kwargs)
        self.config = c = config

        self.features = nn.Sequential(self._stem(c))
        channels = c.num_init_features
        for i, num_layers in enumerate(c.block_config):
            block = DenseBlock(
                num_layers,
                channels,
                c.growth_rate,
                bottleneck=c.bottleneck,
                bn_size=c.bn_size,
                drop_rate=c.drop_rate,
                memory_efficient=c.memory_efficient,
                shared_buffer=c.shared_buffer,
            )
            self.features.add_module(f"denseblock{i + 1}", block)
            channels = block.out_channels  # channels + num_layers * growth_rate
            if i != len(c.block_config) - 1:
                out = int(channels * c.compression)  # floor(theta * m)
                self.features.add_module(f"transition{i + 1}", Transition(channels, out, c.drop_rate))
                channels = out
        self.features.add_module(f"norm{len(c.block_config) + 1}", nn.BatchNorm2d(channels))
        self.num_features = channels
        self.classifier = nn.Linear(channels, c.num_classes)
        init_weights(self)

    @staticmethod
    def _stem(c: DenseNetConfig) -> OrderedDict[str, nn.Module]:
        if c.stem == "cifar":
            conv = nn.Conv2d(c.image_channels, c.num_init_features, kernel_size=3, padding=1, bias=False)
            return OrderedDict(conv0=conv)
        return OrderedDict(
            conv0=nn.Conv2d(c.image_channels, c.num_init_features, kernel_size=7, stride=2, padding=3, bias=False),
            norm0=nn.BatchNorm2d(c.num_init_features),
            relu0=nn.ReLU(inplace=True),
            pool0=nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        )

    def check_input(self, x: Tensor) -> None:
        """Raise ``ValueError`` if ``x`` is not ``(N, image_channels, H, W)`` with H, W large enough,
        in the dtype of the weights (see ``check_images``)."""
        c = self.config
        check_images(x, self.features.conv0.weight, c.image_channels)
        if min(x.shape[-2:]) < c.min_input_size:
            raise ValueError(
                f"input size {x.shape[-2]}x{x.shape[-1]} is too small for this network "
                f"({c.stem} stem, {len(c.block_config)} blocks): "
                f"the minimum is {c.min_input_size}x{c.min_input_size}"
            )

    def forward_features(self, x: Tensor) -> Tensor:
        """``(N, image_channels, H, W) -> (N, num_features, h, w)``, after the last BN."""
        self.check_input(x)
        return self.features(x)

    def forward_head(self, x: Tensor) -> Tensor:
        """ReLU, global average pool and linear: ``(N, num_features, h, w) -> (N, num_classes)``."""
        x = F.adaptive_avg_pool2d(F.relu(x), 1).flatten(1)
        return self.classifier(x)

    def forward(self, x: Tensor) -> Tensor:
        return self.forward_head(self.forward_features(x))

    def set_memory_efficient(self, enabled: bool = True) -> DenseNet:
        """Switch checkpointing on or off in a built model (weights are kept)."""
        enabled = check_bool("enabled", enabled)
        self.config = self.config.replace(memory_efficient=enabled)
        for m in self.modules():
            if hasattr(m, "memory_efficient"):
                m.memory_efficient = enabled
        return self


def check_images(x: Tensor, weight: Tensor, image_channels: int) -> None:
    """Raise ``ValueError`` unless ``x`` is a batch of images ``(N, image_channels, H, W)`` that a
    network whose first convolution has ``weight`` can take: in the weights' dtype (under
    autocast any floating-point dtype does). A cheap check of Python values only, so
    ``torch.compile`` keeps one graph."""
    if not isinstance(x, Tensor):
        raise ValueError(f"input must be a torch.Tensor of shape (N, {image_channels}, H, W), got {type(x).__name__}"
                         + (": convert with torch.from_numpy(x)" if type(x).__module__ == "numpy" else ""))
    if x.dim() != 4 or x.shape[1] != image_channels:
        hint = ""
        if x.dim() == 4 and x.shape[-1] == image_channels:
            hint = "; channels come first: x.permute(0, 3, 1, 2) turns (N, H, W, C) images into (N, C, H, W)"
        elif x.dim() == 3 and x.shape[0] == image_channels:
            hint = "; one image needs a batch dimension: x.unsqueeze(0)"
        raise ValueError(f"input must have shape (N, {image_channels}, H, W) for image_channels={image_channels}, "
                         f"got {tuple(x.shape)}{hint}")
    if x.dtype != weight.dtype and not (x.is_floating_point() and torch.is_autocast_enabled(x.device.type)):
        convert = "x.float()" if weight.dtype == torch.float32 else f"x.to({weight.dtype})"
        if x.dtype == torch.uint8:
            convert += " / 255 (pixels 0-255 to 0-1)"
        elif x.is_floating_point():
            convert += f", or the model with model.to({x.dtype})"
        raise ValueError(f"input must have the dtype of the model's weights, {weight.dtype}, got {x.dtype}: "
                         f"convert it with {convert}")


def init_weights(model: nn.Module) -> None:
    """The paper's and torchvision's initialisation: He-normal convolutions,
    BatchNorm weight 1 and bias 0, linear bias 0. Works on built (not lazy) modules."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            nn.init.zeros_(m.bias)
