"""The three building blocks of the DenseNet paper (Huang et al., 2017, section 3).

* ``DenseLayer``: one composite function H_l. It concatenates every earlier feature
  map, then BN-ReLU-Conv. DenseNet-B ("bottleneck") first squeezes the concatenation
  to ``bn_size * growth_rate`` channels with a 1x1 convolution, then applies the 3x3.
  Either way the layer emits ``growth_rate`` (k) new channels.
* ``DenseBlock``: L dense layers; layer l sees ``in_channels + l * k`` channels and the
  block returns all of them, ``in_channels + L * k``.
* ``Transition``: BN-ReLU-1x1 conv to ``floor(compression * channels)`` channels, then
  2x2 average pooling (DenseNet-C when ``compression < 1``).

Module names (``norm1``, ``conv1``, ``denselayer1``, ...) follow torchvision, so its
ImageNet weights load into our models unchanged.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.utils.checkpoint import checkpoint

from .._checks import check_bool, check_fraction, check_int


class SharedConcat(torch.autograd.Function):
    """The concatenation of ``features`` without copying: a view of the block's buffer.

    Forward returns ``buffer[:, :C]``, whose channels already hold ``features`` (written
    there once, as each layer produced them); backward splits the gradient back into one
    slice per feature, exactly what ``torch.cat``'s backward does.
    """

    @staticmethod
    def forward(ctx, buffer: Tensor, *features: Tensor) -> Tensor:
        ctx.sizes = [f.shape[1] for f in features]
        return buffer[:, : sum(ctx.sizes)]

    @staticmethod
    def backward(ctx, grad: Tensor):
        return (None, *grad.split(ctx.sizes, dim=1))


def concat(features: list[Tensor], buffer: Tensor | None = None) -> Tensor:
    """``torch.cat(features, 1)``, or a view of ``buffer`` that already holds them."""
    if buffer is None:
        return torch.cat(features, 1)
    return SharedConcat.apply(buffer, *features)


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
            backward instead of storing them (Pleiss et al., 2017). Same results, less memory.
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

        first_out = bn_size * growth_rate if self.bottleneck else growth_rate
        self.norm1 = nn.BatchNorm2d(in_channels)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(
            in_channels,
            first_out,
            kernel_size=1 if self.bottleneck else 3,
            padding=0 if self.bottleneck else 1,
            bias=False,
        )
        if self.bottleneck:
            self.norm2 = nn.BatchNorm2d(first_out)
            self.relu2 = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(first_out, growth_rate, kernel_size=3, padding=1, bias=False)

    def concat_norm_conv(self, features: list[Tensor], update_stats: bool = True, buffer: Tensor | None = None) -> Tensor:
        """``cat -> BN -> ReLU -> conv1``: the part that sees all earlier features.

        ``update_stats=False`` normalises with the batch statistics as usual but writes
        the running averages into throw-away copies: the recomputation in backward must
        not count a batch twice (torchvision's memory-efficient DenseNet does).
        ``buffer``: the block's shared buffer, when it keeps one (see ``DenseBlock``).
        """
        x = concat(features, buffer)
        norm = self.norm1
        if update_stats or not norm.training or norm.running_mean is None:
            x = norm(x)
        else:
            mean, var = norm.running_mean.clone(), norm.running_var.clone()
            x = F.batch_norm(x, mean, var, norm.weight, norm.bias, True, 0.1, norm.eps)
        return self.conv1(self.relu1(x))

    def _checkpointed(self, features: list[Tensor], buffer: Tensor | None) -> Tensor:
        if torch.compiler.is_compiling():
            # torch.compile traces the region once and updates the running statistics only
            # in the forward graph; the call counter below would only break the graph
            return checkpoint(lambda *inputs: self.concat_norm_conv(list(inputs)), *features, use_reentrant=False)
        calls = 0

        def run(*inputs: Tensor) -> Tensor:
            nonlocal calls
            calls += 1  # 1: the forward pass; 2: the recomputation in backward
            return self.concat_norm_conv(list(inputs), update_stats=calls == 1, buffer=buffer)

        return checkpoint(run, *features, use_reentrant=False)

    def forward(self, features: list[Tensor] | Tensor, buffer: Tensor | None = None) -> Tensor:
        """``features``: the earlier feature maps; ``buffer``: the block's shared buffer whose
        first channels already hold them (optional; ``DenseBlock`` passes it)."""
        if isinstance(features, Tensor):
            features = [features]
        needs_grad = torch.is_grad_enabled() and any(f.requires_grad for f in features)
        if self.memory_efficient and needs_grad:
            out = self._checkpointed(features, buffer)
        else:
            out = self.concat_norm_conv(features, buffer=buffer)
        if self.bottleneck:
            out = self._drop(out)
            out = self.conv2(self.relu2(self.norm2(out)))
        return self._drop(out)

    def _drop(self, x: Tensor) -> Tensor:
        return F.dropout(x, p=self.drop_rate, training=self.training) if self.drop_rate > 0 else x


class DenseBlock(nn.ModuleDict):
    """``num_layers`` dense layers: ``(N, in_channels, H, W) -> (N, in_channels + L*k, H, W)``.

    Layer ``l`` (counting from 0) receives ``in_channels + l * growth_rate`` channels, the
    block input and the outputs of all ``l`` layers before it: L(L+1)/2 connections.
    Keyword arguments are passed to every ``DenseLayer``.

    ``shared_buffer=True`` allocates the block's output ``(N, in_channels + L*k, H, W)``
    once; each layer writes its k new channels into it and reads the concatenation as a
    view, instead of ``torch.cat`` copying all earlier channels again for every layer
    (O(L) copying instead of O(L^2)). Same numbers; used in eager mode only, since
    ``torch.compile`` fuses the concatenations itself.
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
        if self.shared_buffer and not torch.compiler.is_compiling():
            return self._forward_shared(x)
        features = [x]
        for layer in self.values():
            features.append(layer(features))
        return torch.cat(features, 1)

    def _forward_shared(self, x: Tensor) -> Tensor:
        n, c, h, w = x.shape
        channels_last = not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last)
        layout = torch.channels_last if channels_last else torch.contiguous_format
        buffer = torch.empty((n, self.out_channels, h, w), dtype=x.dtype, device=x.device, memory_format=layout)
        # writes go through .data: each lands in channels no earlier view covers, so the
        # views that autograd saved stay valid and need no version check
        buffer.data[:, :c] = x.detach()
        features = [x]
        for layer in self.values():
            new = layer(features, buffer)
            buffer.data[:, c : c + new.shape[1]] = new.detach()
            c += new.shape[1]
            features.append(new)
        return SharedConcat.apply(buffer, *features)


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
