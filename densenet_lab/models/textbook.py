"""The DenseNet of the textbook chapter (Dive into Deep Learning, section 8.7).

The same functions as the book, with one change: every module is told its input
channels, so the channel arithmetic is in plain sight (the book uses lazy modules that
hide it). The convolutions keep the book's biases. The book's ``DenseBlock`` is called
``TextbookDenseBlock`` here, apart from the paper's ``densenet_lab.models.DenseBlock``.

    >>> blk = TextbookDenseBlock(num_convs=2, in_channels=3, num_channels=10)
    >>> blk(torch.randn(4, 3, 8, 8)).shape          # 3 + 2 * 10 channels
    torch.Size([4, 23, 8, 8])
    >>> transition_block(23, 10)(torch.randn(4, 23, 8, 8)).shape
    torch.Size([4, 10, 4, 4])

A ``TextbookDenseBlock`` computes what ``densenet_lab.models.DenseBlock`` computes
without a bottleneck: BN-ReLU-Conv3x3 on the concatenation of everything before.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .._checks import check_block_config, check_int
from .densenet import check_images, init_weights


def conv_block(in_channels: int, num_channels: int) -> nn.Sequential:
    """BN-ReLU-Conv3x3: ``(N, in_channels, H, W) -> (N, num_channels, H, W)``."""
    return nn.Sequential(
        nn.BatchNorm2d(in_channels),
        nn.ReLU(),
        nn.Conv2d(in_channels, num_channels, kernel_size=3, padding=1),
    )


class TextbookDenseBlock(nn.Module):
    """The textbook's ``DenseBlock``: ``num_convs`` conv blocks, each fed the concatenation
    of all before it.

    ``(N, in_channels, H, W) -> (N, in_channels + num_convs * num_channels, H, W)``;
    ``num_channels`` is the growth rate.
    """

    def __init__(self, num_convs: int, in_channels: int, num_channels: int) -> None:
        super().__init__()
        num_convs = check_int("num_convs", num_convs)
        in_channels = check_int("in_channels", in_channels)
        num_channels = check_int("num_channels", num_channels)
        self.net = nn.Sequential(
            *(conv_block(in_channels + i * num_channels, num_channels) for i in range(num_convs))
        )
        self.out_channels = in_channels + num_convs * num_channels

    def forward(self, X: Tensor) -> Tensor:
        for blk in self.net:
            Y = blk(X)
            X = torch.cat((X, Y), dim=1)  # concatenate along the channels
        return X


def transition_block(in_channels: int, num_channels: int) -> nn.Sequential:
    """BN-ReLU-Conv1x1 then 2x2 average pool: ``(N, in, H, W) -> (N, num_channels, H/2, W/2)``."""
    return nn.Sequential(
        nn.BatchNorm2d(in_channels),
        nn.ReLU(),
        nn.Conv2d(in_channels, num_channels, kernel_size=1),
        nn.AvgPool2d(kernel_size=2, stride=2),
    )


class TextbookDenseNet(nn.Sequential):
    """The textbook's ``nn.Sequential``, which checks its input first (shape and dtype), so a
    wrong image batch fails with a message that says what to change."""

    def forward(self, X: Tensor) -> Tensor:
        stem = self.b1[0]
        check_images(X, stem.weight, stem.in_channels)
        return super().forward(X)


def d2l_densenet(
    num_channels: int = 64,
    growth_rate: int = 32,
    arch: tuple[int, ...] = (4, 4, 4, 4),
    num_classes: int = 10,
    image_channels: int = 1,
) -> TextbookDenseNet:
    """The textbook's network for 96x96 Fashion-MNIST: ``(N, 1, 96, 96) -> (N, 10)``.

    7x7/2 conv with 64 channels, BN, ReLU, 3x3/2 max pool; four dense blocks of four
    conv blocks with growth rate 32; transitions that halve the channels; then BN, ReLU,
    global average pool and a linear layer. Channels: 64 -> 192 -> 96 -> 224 -> 112 ->
    240 -> 120 -> 248.
    """
    num_channels = check_int("num_channels", num_channels)
    arch = check_block_config("arch", arch)
    image_channels = check_int("image_channels", image_channels)
    num_classes = check_int("num_classes", num_classes)
    growth_rate = check_int("growth_rate", growth_rate)
    net = TextbookDenseNet()
    net.add_module(
        "b1",
        nn.Sequential(
            nn.Conv2d(image_channels, num_channels, kernel_size=7, stride=2, padding=3),
            nn.BatchNorm2d(num_channels),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        ),
    )
    for i, num_convs in enumerate(arch):
        block = TextbookDenseBlock(num_convs, num_channels, growth_rate)
        net.add_module(f"dense_blk{i + 1}", block)
        num_channels = block.out_channels
        if i != len(arch) - 1:
            net.add_module(f"tran_blk{i + 1}", transition_block(num_channels, num_channels // 2))
            num_channels //= 2
    net.add_module(
        "last",
        nn.Sequential(
            nn.BatchNorm2d(num_channels),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d((1, 1)),
            nn.Flatten(),
            nn.Linear(num_channels, num_classes),
        ),
    )
    init_weights(net)  # real modules, so the initialiser reaches every layer
    return net
