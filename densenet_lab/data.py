"""Data sets for the course, held as tensors and served in batches on the training device.

    fashion_mnist  the textbook's default: 28x28 grey, resized to 96x96 as the textbook does
    cifar10/100    the paper's: 32x32 colour, per-channel normalisation, and for the "+"
                   setting a random crop with 4-pixel padding and a horizontal flip
    mnist          28x28 grey, repeated to 3 channels
    digits         scikit-learn's 1,797 bundled 8x8 handwritten digits: no download

Downloads go through torchvision into ``$DENSENET_LAB_DATA`` (default
``~/.cache/densenet-lab``). When a download fails for want of a network, one warning names
the data set and the reason, and the digits take its place, resized and channel-matched,
so that every notebook and command still runs offline. Any other failure (a corrupt or
truncated file in the cache, a folder that cannot be written) is a ``DataError`` that
names the folder and the fix: the data set never changes silently.

All these sets are small (CIFAR-10 is 150 MB of bytes), so they are stored once as uint8
tensors, moved to the device once, and each batch is converted, resized, normalised and
augmented there: no DataLoader workers, nothing to stall on Colab's two CPU cores.

``limit`` keeps the first N training images (a smaller run); ``split_validation`` holds out
part of the training images for model selection, so that the test split is used once.
"""

from __future__ import annotations

import math
import os
import socket
import ssl
import urllib.error
import warnings
from dataclasses import dataclass, replace
from http.client import HTTPException
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils.data import DistributedSampler

from ._checks import check_choice, check_fraction, check_int


@dataclass(frozen=True)
class DataInfo:
    """What a data set is and how its images are prepared for the model."""

    name: str
    title: str
    num_classes: int
    channels: int  # channels given to the model
    image_size: int  # height = width given to the model
    mean: tuple[float, ...]
    std: tuple[float, ...]
    augment: bool = False  # random crop (4-pixel padding) and horizontal flip while training
    fallback_for: str | None = None  # the data set the digits stand in for, after a failed download
    held_out: str = "test"  # what the Dataset's ``test`` split holds: "test", or "validation" (split_validation)


INFO = {
    "fashion_mnist": DataInfo("fashion_mnist", "Fashion-MNIST", 10, 1, 96, (0.2860,), (0.3530,)),
    "cifar10": DataInfo("cifar10", "CIFAR-10", 10, 3, 32, (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616), True),
    "cifar100": DataInfo("cifar100", "CIFAR-100", 100, 3, 32, (0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762), True),
    "mnist": DataInfo("mnist", "MNIST", 10, 3, 28, (0.1307,), (0.3081,)),
    "digits": DataInfo("digits", "scikit-learn digits", 10, 1, 16, (0.3050,), (0.3756,)),
}
DATASETS = tuple(INFO)


class DataFallbackWarning(UserWarning):
    """A download failed and the bundled digits are used instead."""


class DataError(ValueError):
    """A data set could not be loaded for a reason other than the network (e.g. a corrupt cache)."""


# what a download raises when the network fails: no connection, no DNS, a timeout, an HTTP error
_NETWORK_ERRORS = (urllib.error.URLError, ConnectionError, TimeoutError, socket.gaierror, socket.herror,
                   ssl.SSLError, HTTPException)


def _is_network_error(err: BaseException | None) -> bool:
    """Whether ``err``, or an error it was raised from, is a network failure. torchvision's
    MNIST and Fashion-MNIST wrap their mirrors' network errors in ``RuntimeError("Error
    downloading ...")``; its ``"File not found or corrupted."`` (a bad checksum) is no such error."""
    seen: set[int] = set()
    while err is not None and id(err) not in seen:
        if isinstance(err, _NETWORK_ERRORS):
            return True
        if isinstance(err, RuntimeError) and str(err).startswith("Error downloading"):
            return True
        seen.add(id(err))
        err = err.__cause__ or err.__context__
    return False


def data_dir() -> Path:
    """Where downloads are kept: ``$DENSENET_LAB_DATA``, else ``~/.cache/densenet-lab``."""
    if os.environ.get("DENSENET_LAB_DATA"):
        return Path(os.environ["DENSENET_LAB_DATA"]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "densenet-lab"


@dataclass
class Split:
    """Images ``(N, C, H, W)`` as uint8 and labels ``(N,)`` as int64, on one device."""

    images: Tensor
    labels: Tensor

    def __len__(self) -> int:
        return len(self.labels)

    def to(self, device: torch.device | str) -> Split:
        return Split(self.images.to(device), self.labels.to(device))


@dataclass
class Dataset:
    """A training and a test split, and how to prepare their images (``info``)."""

    train: Split
    test: Split
    info: DataInfo

    def to(self, device: torch.device | str) -> Dataset:
        return Dataset(self.train.to(device), self.test.to(device), self.info)


def _digits() -> tuple[Split, Split]:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = torch.tensor(bunch.images * (255 / 16)).round().to(torch.uint8).unsqueeze(1)  # (1797, 1, 8, 8)
    labels = torch.tensor(bunch.target, dtype=torch.int64)
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(0))  # a fixed 80/20 split
    train, test = order[: 1437], order[1437:]
    return Split(images[train], labels[train]), Split(images[test], labels[test])


def _torchvision(name: str, root: Path, download: bool) -> tuple[Split, Split]:
    import torchvision.datasets as tvd

    cls = {"fashion_mnist": tvd.FashionMNIST, "mnist": tvd.MNIST, "cifar10": tvd.CIFAR10, "cifar100": tvd.CIFAR100}[name]
    splits = []
    for train in (True, False):
        ds = cls(str(root / name), train=train, download=download)
        images = torch.as_tensor(ds.data)
        images = images.unsqueeze(1) if images.dim() == 3 else images.permute(0, 3, 1, 2)  # (N, C, H, W)
        splits.append(Split(images.contiguous(), torch.as_tensor(ds.targets, dtype=torch.int64)))
    return splits[0], splits[1]


def load_data(
    name: str,
    *,
    image_size: int | None = None,
    channels: int | None = None,
    augment: bool | None = None,
    root: str | Path | None = None,
    download: bool = True,
) -> Dataset:
    """Load a data set by name (one of ``DATASETS``), downloading it when needed.

    Args:
        name: ``"fashion_mnist"``, ``"cifar10"``, ``"cifar100"``, ``"mnist"`` or ``"digits"``.
        image_size: height = width given to the model (default: 96 for Fashion-MNIST,
            as the textbook; 32 for CIFAR; 28 for MNIST; 16 for digits).
        channels: 1 or 3 (default: 3 for CIFAR and MNIST, 1 for Fashion-MNIST and digits).
        augment: crop-and-flip augmentation while training (default: on for CIFAR, the
            paper's "+" setting).
        root: download folder (default ``data_dir()``).
        download: allow downloading; when that fails for want of a network, warn and use
            the digits. Other failures raise ``DataError`` naming the folder to fix.
    """
    info = INFO[check_choice("data", name, DATASETS)]
    info = replace(
        info,
        image_size=info.image_size if image_size is None else check_int("image_size", image_size, maximum=1024),
        channels=info.channels if channels is None else check_int("channels", channels, maximum=3),
        augment=info.augment if augment is None else bool(augment),
    )
    if info.channels == 2:
        raise ValueError("channels must be 1 or 3, got 2")
    if name == "digits":
        train, test = _digits()
        return Dataset(train, test, info)
    folder = (Path(root) if root else data_dir()) / name
    try:
        train, test = _torchvision(name, folder.parent, download)
    except Exception as err:  # no network, a proxy, a server error; or a corrupt file, a bug
        return _fall_back(err, info, folder, download)
    return Dataset(train, test, info)


def _fall_back(err: Exception, info: DataInfo, folder: Path, download: bool) -> Dataset:
    """What ``load_data`` does when torchvision could not load ``info``: the digits in its
    place, with a warning, when the network is the reason; otherwise a ``DataError`` that
    says what to fix."""
    reason = f"{type(err).__name__}: {err}".strip().rstrip(":")
    if not _is_network_error(err):
        if not download:
            fix = "pass download=True to download it"
        elif isinstance(err, OSError):
            fix = f"check that {folder} can be written, or set DENSENET_LAB_DATA to another folder"
        else:
            fix = (f"its files may be incomplete or corrupt (an interrupted download?): "
                   f"delete {folder} and run again")
        raise DataError(f"could not load {info.title} from {folder} ({reason.splitlines()[0]}): {fix}") from err
    warnings.warn(
        f"could not load {info.title} ({reason}). Using scikit-learn's bundled handwritten digits "
        f"instead, resized to {info.image_size}x{info.image_size} with {info.channels} channel(s), "
        f"so this still runs offline; the results are not {info.title} results.",
        DataFallbackWarning,
        stacklevel=3,
    )
    train, test = _digits()
    digits = INFO["digits"]
    stand_in = replace(info, mean=digits.mean, std=digits.std, num_classes=10, fallback_for=info.name,
                       augment=False, title=f"digits (standing in for {info.title})")  # a flipped 2 is no 2
    return Dataset(train, test, stand_in)


def limit(dataset: Dataset, n_train: int | None) -> Dataset:
    """``dataset`` with only its first ``n_train`` training images (all of them when ``None``
    or when it has fewer); the test split is kept whole. The data set is not changed."""
    if n_train is None:
        return dataset
    n = check_int("n_train", n_train)
    return Dataset(Split(dataset.train.images[:n], dataset.train.labels[:n]), dataset.test, dataset.info)


def split_validation(dataset: Dataset, fraction: float = 0.1, *, seed: int = 0) -> Dataset:
    """Hold out a ``fraction`` of the training images as a validation split, for model selection.

    Returns a ``Dataset`` whose ``train`` is the other training images and whose ``test`` is
    the validation split (``info.held_out == "validation"``). ``train.fit`` evaluates the
    ``test`` split of what it is given after every epoch, so on this data set its history's
    ``test_*`` columns are validation figures: choose the epoch, the growth rate or the
    learning rate on them, then evaluate the chosen model once on the real ``dataset.test``.

    ``round(fraction * N)`` of the N training images are held out, chosen by a random
    permutation seeded with ``seed``: the same seed gives the same split every time. The
    two splits are disjoint and keep the original order of the images.
    """
    fraction = check_fraction("fraction", fraction, include_zero=False, include_one=False)
    seed = check_int("seed", seed, minimum=0)
    n = len(dataset.train)
    n_val = round(fraction * n)
    if not 1 <= n_val < n:
        raise ValueError(f"fraction {fraction} of {n} training images leaves "
                         f"{'no validation image' if n_val < 1 else 'no training image'}: "
                         f"choose a fraction between 1/{n} and 1 - 1/{n}")
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).to(dataset.train.labels.device)
    val, rest = order[:n_val].sort().values, order[n_val:].sort().values
    images, labels = dataset.train.images, dataset.train.labels
    return Dataset(Split(images[rest], labels[rest]), Split(images[val], labels[val]),
                   replace(dataset.info, held_out="validation"))


def prepare(images: Tensor, info: DataInfo, *, train: bool, generator: torch.Generator | None = None) -> Tensor:
    """uint8 ``(N, c, h, w)`` -> normalised float ``(N, channels, image_size, image_size)``.

    Grey images are repeated to 3 channels when the model wants colour (colour to grey
    averages the channels); images are resized bilinearly; when ``train`` and
    ``info.augment``, each image is shifted by up to 4 pixels (zero padding, then a random
    crop) and flipped horizontally with probability 1/2.
    """
    x = images.float().div_(255)
    if x.shape[1] != info.channels:
        x = x.expand(-1, info.channels, -1, -1) if x.shape[1] == 1 else x.mean(1, keepdim=True)
    if x.shape[-1] != info.image_size or x.shape[-2] != info.image_size:
        x = F.interpolate(x, size=(info.image_size, info.image_size), mode="bilinear", align_corners=False)
    if train and info.augment:
        x = random_crop_flip(x, padding=4, generator=generator)
    mean = torch.tensor(info.mean, device=x.device).view(1, -1, 1, 1)
    std = torch.tensor(info.std, device=x.device).view(1, -1, 1, 1)
    if mean.shape[1] != x.shape[1]:  # stats of a grey set used for colour, or the reverse
        mean, std = mean.mean().view(1, 1, 1, 1), std.mean().view(1, 1, 1, 1)
    return (x - mean) / std


def random_crop_flip(x: Tensor, padding: int = 4, generator: torch.Generator | None = None) -> Tensor:
    """Per image: pad by ``padding`` zeros, crop back at a random offset, flip with p = 1/2."""
    n, _, h, w = x.shape
    gen_device = generator.device if generator is not None else x.device
    offsets = torch.randint(0, 2 * padding + 1, (2, n), generator=generator, device=gen_device).to(x.device)
    flips = (torch.rand(n, generator=generator, device=gen_device) < 0.5).to(x.device)
    padded = F.pad(x, (padding,) * 4)
    rows = torch.arange(h, device=x.device).view(1, h) + offsets[0].view(n, 1)  # (N, H)
    cols = torch.arange(w, device=x.device).view(1, w) + offsets[1].view(n, 1)  # (N, W)
    cols = torch.where(flips.view(n, 1), cols.flip(1), cols)
    batch = torch.arange(n, device=x.device).view(n, 1, 1)
    out = padded.permute(0, 2, 3, 1)[batch, rows.view(n, h, 1), cols.view(n, 1, w)]  # (N, H, W, C)
    return out.permute(0, 3, 1, 2).contiguous()


def _share(n: int, rank: int, world_size: int) -> DistributedSampler:
    """Process ``rank``'s positions in an epoch's order of ``n`` training examples, as PyTorch's
    ``DistributedSampler`` deals them: the order is padded, by repeating its first positions,
    to a multiple of ``world_size``, and each process takes every ``world_size``-th from its
    rank, so all take as many. Not shuffled here: ``batches`` shuffles with the run's generator."""
    return DistributedSampler(range(n), num_replicas=world_size, rank=rank, shuffle=False)


def batches_per_epoch(n: int, batch_size: int, world_size: int = 1) -> int:
    """How many training batches ``batches`` gives each of ``world_size`` processes in an
    epoch over ``n`` examples (its padded share, in batches of ``batch_size``, the last smaller)."""
    return math.ceil(len(_share(n, 0, world_size)) / batch_size)


def batches(
    split: Split,
    info: DataInfo,
    batch_size: int,
    *,
    train: bool,
    generator: torch.Generator | None = None,
    rank: int = 0,
    world_size: int = 1,
):
    """Yield ``(images, labels)`` batches of ``split`` ready for the model.

    Training batches are shuffled with ``generator``; with several processes each takes its
    share of the shuffled order as ``DistributedSampler`` deals it: every ``world_size``-th
    example, the order padded so all get as many (see ``batches_per_epoch``). Test batches
    are not shuffled nor padded: across the processes every test example is seen exactly once.
    """
    n = len(split)
    if train:
        shuffled = torch.randperm(n, generator=generator, device=generator.device if generator else "cpu")
        share = torch.tensor(list(_share(n, rank, world_size)), dtype=torch.int64, device=shuffled.device)
        order = shuffled[share].to(split.labels.device)
    else:
        order = torch.arange(rank, n, world_size, device=split.labels.device)
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        yield prepare(split.images[idx], info, train=train, generator=generator), split.labels[idx]
