"""The three building blocks of the DenseNet paper (Huang et al., 2017, section 3).

* ``DenseLayer``: one composite function H_l. It concatenates every earlier feature
  map, then BN-ReLU-Conv. DenseNet-B ("bottleneck") first squeezes the concatenation
  to ``bn_size * growth_rate`` channels with a 1x1 convolution, then applies the 3x3.
  Either way the layer emits ``growth_rate`` (k) new channels.
* ``DenseBlock``: L dense layers; layer l sees ``in_channels + l * k`` channels and the
  block returns all of them, ``in_channels + L * k``.
* ``Transition``: BN-ReLU-1x1 conv to ``floor(compression * channels)`` channels, then
  2x2 average pooling (DenseNet-C when ``compression < 1``).

This is the code to read next to the paper. Two switches hand the work to
``efficient.py``, which computes the same numbers with less memory or less copying:
``memory_efficient`` (a layer recomputes its concatenation in backward) and
``shared_buffer`` (a block writes its features once into one tensor).

Module names (``norm1``, ``conv1``, ``denselayer1``, ...) follow torchvision, so its
ImageNet weights load into our models unchanged.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .._checks import check_bool, check_fraction, check_int
from . import efficient


class DenseLayer(nn.Module):
    """One dense layer: ``[x_0, ..., x_{l-1}] -> x_l``.

    Input: a list of feature maps ``(N, C_i, H, W)`` (or one tensor) whose channels add
    up to ``in_channels``. Output: ``(N, growth_rate, H, W)``, the new features only;
    the block does the concatenating.

    Without a bottleneck the layer is BN-ReLU-Conv3x3 (``norm1``, ``conv1``).
    With one it is BN-ReLU-Conv1x1 to ``bn_size * growth_rate`` channels (``norm1``,
    ``conv1``), then BN-ReLU-Conv3x3 (``norm2``, ``conv2``).

    Args:
        in_channels: channels of the concatenated input, ``k0 + l * k``.
        growth_rate: new channels this layer emits (k in the paper).
        bottleneck: add the 1x1 bottleneck convolution (DenseNet-B).
        bn_size: bottleneck width as a multiple of ``growth_rate`` (4 in the paper).
        drop_rate: dropout after each convolution (the paper uses 0.2 without augmentation).
        memory_efficient: recompute the concatenation and the first BN-ReLU-Conv during
            backward instead of storing them (Pleiss et al., 2017; see ``efficient.py``).
            Same results, less memory.
    """

    def __init__(
        self,
        in_channels: int,
        growth_rate: int,
        *,
        bottleneck: bool = True,
        bn_size: int = 4,
        drop_rate: float = 0.0,
        memory_efficient: bool = False,
    ) -> None:
        super().__init__()
        in_channels = check_int("in_channels", in_channels)
        growth_rate = check_int("growth_rate", growth_rate)
        bn_size = check_int("bn_size", bn_size)
        self.drop_rate = check_fraction("drop_rate", drop_rate, include_zero=True, include_one=False)
        self.bottleneck = check_bool("bottleneck", bottleneck)
        self.memory_efficient = check_bool("memory_efficient", memory_efficient)

        width = bn_size * growth_rate if self.bottleneck else growth_rate
        self.norm1 = nn.BatchNorm2d(in_channels)
        self.relu1 = nn.ReLU(inplace=True)
        if self.bottleneck:
            self.conv1 = nn.Conv2d(in_channels, width, kernel_size=1, bias=False)
            self.norm2 = nn.BatchNorm2d(width)
            self.relu2 = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(width, growth_rate, kernel_size=3, padding=1, bias=False)
        else:
            self.conv1 = nn.Conv2d(in_channels, growth_rate, kernel_size=3, padding=1, bias=False)

    def concat_norm_conv(self, features: list[Tensor]) -> Tensor:
        """``cat -> BN -> ReLU -> conv1``, the part that reads every earlier feature map:
        ``(N, k0 + l*k, H, W)`` in all -> ``(N, bn_size * k, H, W)`` (or ``k`` without bottleneck)."""
        x = features[0] if len(features) == 1 else torch.cat(features, 1)
        return self.conv1(self.relu1(self.norm1(x)))

    def forward(self, features: list[Tensor] | Tensor) -> Tensor:
        if isinstance(features, Tensor):
            features = [features]
        if self.memory_efficient:
            out = efficient.checkpointed_concat_norm_conv(self, features)
        else:
            out = self.concat_norm_conv(features)
        if self.bottleneck:
            out = self.conv2(self.relu2(self.norm2(self._drop(out))))
        return self._drop(out)

    def _drop(self, x: Tensor) -> Tensor:
        return F.dropout(x, p=self.drop_rate, training=self.training) if self.drop_rate > 0 else x


class DenseBlock(nn.ModuleDict):
    """``num_layers`` dense layers: ``(N, in_channels, H, W) -> (N, in_channels + L*k, H, W)``.

    Layer ``l`` (counting from 0) receives ``in_channels + l * growth_rate`` channels, the
    block input and the outputs of all ``l`` layers before it: L(L+1)/2 connections.
    Keyword arguments are passed to every ``DenseLayer``.

    ``shared_buffer=True`` computes the same with the concatenations read from one
    pre-allocated output tensor instead of copied by ``torch.cat`` (see ``efficient.py``).
    """

    def __init__(self, num_layers: int, in_channels: int, growth_rate: int, *, shared_buffer: bool = False,
                 **layer_kwargs) -> None:
        super().__init__()
        self.num_layers = check_int("num_layers", num_layers)
        self.in_channels = check_int("in_channels", in_channels)
        self.growth_rate = check_int("growth_rate", growth_rate)
        self.shared_buffer = check_bool("shared_buffer", shared_buffer)
        for i in range(num_layers):
            layer = DenseLayer(in_channels + i * growth_rate, growth_rate, **layer_kwargs)
            self.add_module(f"denselayer{i + 1}", layer)

    @property
    def out_channels(self) -> int:
        return self.in_channels + self.num_layers * self.growth_rate

    def forward(self, x: Tensor) -> Tensor:
        # compiled code fuses the concatenations itself, so the buffer serves eager mode only
        if self.shared_buffer and not torch.compiler.is_compiling():
            return efficient.forward_shared_buffer(self, x)
        features = [x]
        for layer in self.values():
            features.append(layer(features))
        return torch.cat(features, 1)


class Transition(nn.Sequential):
    """Between blocks: ``(N, C, H, W) -> (N, out_channels, H // 2, W // 2)``.

    BN-ReLU-Conv1x1 then 2x2 average pooling. The paper's compression theta sets
    ``out_channels = floor(theta * C)``; ``DenseNet`` computes it.
    """

    def __init__(self, in_channels: int, out_channels: int, drop_rate: float = 0.0) -> None:
        super().__init__()
        in_channels = check_int("in_channels", in_channels)
        out_channels = check_int("out_channels", out_channels)
        drop_rate = check_fraction("drop_rate", drop_rate, include_zero=True, include_one=False)
        self.norm = nn.BatchNorm2d(in_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=1, bias=False)
        if drop_rate > 0:
            self.drop = nn.Dropout(drop_rate)
        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)
