"""Two ways to run ``dense.py``'s layers and blocks faster or lighter, same numbers.

``DenseLayer(memory_efficient=True)`` and ``DenseBlock(shared_buffer=True)`` hand their
work to the two functions here; everything else in ``dense.py`` is the paper's layer.

**Memory-efficient layers** (Pleiss et al., 2017, "Memory-efficient implementation of
DenseNets"): ``checkpointed_concat_norm_conv``. The part of a layer that reads every
earlier feature map (``torch.cat``, BN, ReLU, 1x1 conv) is what makes a naive DenseNet's
memory grow with the square of its depth: autograd keeps the concatenation and its
normalised copy, each ``k0 + l*k`` channels wide, for every layer. Under
``torch.utils.checkpoint`` only its inputs (the earlier feature maps, kept anyway) are
stored and the part is run again in backward. The catch is BatchNorm: in training it
updates its running mean and variance each time it runs, so the recomputation would
count every batch twice (torchvision's memory-efficient DenseNet does; so does gpleiss'
implementation, its issue #73). Here the first run is the BatchNorm module itself, with
its own ``momentum`` (``None``, a cumulative average, included) and its
``num_batches_tracked``; the recomputation normalises with the same batch statistics
but writes the running averages into copies that are dropped.

Compiled (``torch.compile``), the checkpointed region is traced once and the recompute
is built from the forward graph, whose running-statistics update is not replayed, so the
plain ``checkpoint`` is already right there (and the Python call counter would break the
graph).

**Shared buffer** (eager mode): ``forward_shared_buffer``. ``torch.cat`` copies all
earlier channels again for every layer, O(L^2) copying per block. Instead the block
allocates its output ``(N, in_channels + L*k, H, W)`` once; each feature map is written
into its own channels as soon as it exists, and a layer reads the concatenation as the
view ``buffer[:, :c]`` (``SharedConcat``, whose backward splits the gradient into one
slice per feature map, as ``torch.cat``'s does). O(L) copying; and with checkpointing the
input each layer keeps is a view of the block's output, kept anyway, so it costs nothing.

The writes go through ``buffer.data``. Autograd saves views of the buffer (BatchNorm's
input, the checkpoint's inputs), and every in-place write into a tensor bumps a version
counter that all its views share: backward would then refuse the saved views as
"modified by an inplace operation", although no channel they cover has changed.
``torch.no_grad()`` does not help (in-place writes under it bump the counter too), nor
does ``detach()`` (it shares the counter), and an inference-mode buffer cannot be saved
for backward. ``buffer.data`` is the same memory under a counter of its own. It is safe
here because (1) each write fills channels ``[c, c + k)`` that no view taken before it
covers (views cover ``[0, c)``), and nothing is written there again; (2) what is written
is detached: gradients reach the feature maps through ``SharedConcat``, not through the
writes. The tests hold outputs, gradients (``gradcheck`` included) and BatchNorm
statistics equal to ``torch.cat``'s.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.utils.checkpoint import checkpoint


def checkpointed_concat_norm_conv(layer: nn.Module, features: list[Tensor]) -> Tensor:
    """``layer.concat_norm_conv(features)`` of a ``DenseLayer``, keeping only ``features``
    for backward and updating BatchNorm's running statistics once per batch (see the
    module docstring)."""
    if not (torch.is_grad_enabled() and any(f.requires_grad for f in features)):
        return layer.concat_norm_conv(features)  # no backward, nothing to save
    if torch.compiler.is_compiling():
        return checkpoint(lambda *inputs: layer.concat_norm_conv(list(inputs)), *features, use_reentrant=False)
    calls = 0

    def run(*inputs: Tensor) -> Tensor:
        nonlocal calls
        calls += 1  # 1: the forward pass; 2: the recomputation in backward
        x = inputs[0] if len(inputs) == 1 else torch.cat(inputs, 1)
        x = layer.norm1(x) if calls == 1 else normalise_without_counting(layer.norm1, x)
        return layer.conv1(layer.relu1(x))

    return checkpoint(run, *features, use_reentrant=False)


def normalise_without_counting(norm: nn.BatchNorm2d, x: Tensor) -> Tensor:
    """``norm(x)``, the same numbers, but leaving ``norm``'s running statistics and
    ``num_batches_tracked`` as they are."""
    if not (norm.training and norm.track_running_stats):
        return norm(x)  # normalises with the running statistics (or without any): updates nothing
    # the batch statistics, as norm(x) uses in training; the running averages are updated
    # in copies that are dropped (the same call as norm(x), so the checkpoint sees the same
    # saved tensors); a cumulative average (momentum None) weighs nothing in a copy
    mean, var = norm.running_mean.clone(), norm.running_var.clone()
    momentum = 0.0 if norm.momentum is None else norm.momentum
    return F.batch_norm(x, mean, var, norm.weight, norm.bias, training=True, momentum=momentum, eps=norm.eps)


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


def forward_shared_buffer(block: nn.ModuleDict, x: Tensor) -> Tensor:
    """``block(x)`` of a ``DenseBlock``, ``(N, C, H, W) -> (N, C + L*k, H, W)``, with every feature map written
    once into the output and each layer reading its input as a view of it."""
    n, c, h, w = x.shape
    channels_last = not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last)
    layout = torch.channels_last if channels_last else torch.contiguous_format
    buffer = torch.empty((n, block.out_channels, h, w), dtype=x.dtype, device=x.device, memory_format=layout)
    buffer.data[:, :c] = x.detach()  # .data: see the module docstring
    features = [x]
    for layer in block.values():
        new = layer(SharedConcat.apply(buffer, *features))
        buffer.data[:, c : c + new.shape[1]] = new.detach()
        c += new.shape[1]
        features.append(new)
    return SharedConcat.apply(buffer, *features)
