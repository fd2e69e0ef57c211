"""Small experiments the chapters run: they live here so that a notebook shows only the
lines that teach, and the tests can check them."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .models import DenseBlock


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


def feature_reuse(block: DenseBlock) -> Tensor:
    """The paper's Figure 5 for one block: entry ``[l, s]`` is the mean absolute weight that
    layer ``l``'s first convolution gives to the channels of source ``s`` (0: the block input,
    s >= 1: layer s), scaled so each row's largest entry is 1. Shape ``(L, L + 1)``; entries
    with ``s > l`` are NaN (a layer cannot read later layers)."""
    L, k = block.num_layers, block.growth_rate
    heat = torch.full((L, L + 1), float("nan"))
    sizes = [block.in_channels] + [k] * L
    for l, layer in enumerate(block.values()):
        w = layer.conv1.weight.detach().abs()  # (out, in_channels of layer l, kh, kw)
        chunks = w.split(sizes[: l + 1], dim=1)
        row = torch.stack([c.mean() for c in chunks])
        heat[l, : l + 1] = row / row.max()
    return heat
