"""A small ResNet (He et al., 2016) for the comparison chapters.

``ResNet-18``: a stem, four stages of two basic blocks (64, 128, 256, 512 channels),
global average pooling and a linear head. Each basic block computes
``relu(x + g(x))`` with ``g`` = conv3x3-BN-ReLU-conv3x3-BN: the identity path that
DenseNet replaces by concatenation. Module names follow torchvision, so its
``resnet18`` weights load unchanged.
"""

from __future__ import annotations

from torch import Tensor, nn

from .._checks import check_block_config, check_choice, check_int
from .densenet import STEMS, check_images


class BasicBlock(nn.Module):
    """``(N, in_channels, H, W) -> (N, channels, H / stride, W / stride)``: ``relu(x + g(x))``.

    When the shape changes, the shortcut is a strided 1x1 conv + BN (``downsample``).
    """

    def __init__(self, in_channels: int, channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.downsample: nn.Module | None = None
        if stride != 1 or in_channels != channels:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, channels, 1, stride=stride, bias=False), nn.BatchNorm2d(channels)
            )

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet(nn.Module):
    """ResNet with basic blocks: ``(N, image_channels, H, W) -> (N, num_classes)``.

    Args:
        layers: basic blocks per stage, ``(2, 2, 2, 2)`` for ResNet-18.
        num_classes: outputs of the classifier.
        image_channels: channels of the input images.
        stem: ``"imagenet"`` (7x7/2 conv, BN, ReLU, 3x3/2 max pool) or ``"cifar"``
            (3x3 conv, BN, ReLU, no pooling), as in the DenseNet models.
        width: channels of the first stage; stage ``i`` has ``width * 2**i``.
    """

    def __init__(
        self,
        layers: tuple[int, ...] = (2, 2, 2, 2),
        num_classes: int = 1000,
        image_channels: int = 3,
        stem: str = "imagenet",
        width: int = 64,
    ) -> None:
        super().__init__()
        layers = check_block_config("layers", layers)
        num_classes = check_int("num_classes", num_classes)
        image_channels = check_int("image_channels", image_channels)
        width = check_int("width", width)
        self.stem = check_choice("stem", stem, STEMS)
        if stem == "imagenet":
            self.conv1 = nn.Conv2d(image_channels, width, 7, stride=2, padding=3, bias=False)
            self.maxpool: nn.Module = nn.MaxPool2d(3, stride=2, padding=1)
        else:
            self.conv1 = nn.Conv2d(image_channels, width, 3, padding=1, bias=False)
            self.maxpool = nn.Identity()
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        channels = width
        for i, num_blocks in enumerate(layers):
            out = width * 2**i
            stride = 1 if i == 0 else 2
            blocks = [BasicBlock(channels, out, stride)] + [BasicBlock(out, out) for _ in range(num_blocks - 1)]
            self.add_module(f"layer{i + 1}", nn.Sequential(*blocks))
            channels = out
        self.num_stages = len(layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x: Tensor) -> Tensor:
        check_images(x, self.conv1.weight, self.conv1.in_channels)
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for i in range(self.num_stages):
            x = getattr(self, f"layer{i + 1}")(x)
        return self.fc(self.avgpool(x).flatten(1))
