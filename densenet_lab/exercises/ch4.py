"""Checks for chapter 4's exercises (see ``densenet_lab.exercises.core`` for the contract).

The networks are checked by building them, feeding inputs of several sizes and comparing
with the package's network for the same weights; the counts by calling the function on
several configurations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from ..models import DenseNet, Transition, create_model
from ..models.textbook import d2l_densenet
from .core import call, compare, correct, count_parameters, fail, require_answer
from .messages import msg


def fixed_size_hint() -> str:
    """The hint for a head that fits one input size only, in the reader's language."""
    return msg("a head with a fixed flattened size fits one input size only: pool globally "
               "(nn.AdaptiveAvgPool2d(1), then nn.Flatten()) before the linear layer")


def _build(function: Callable[..., Any], what: str, **kwargs: Any) -> Any:
    """``function(**kwargs)``; an exception becomes a failed check naming the call."""
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    if not callable(function):
        fail(msg("{what}, a function", what=what), type(function).__name__, msg("define it with def, then pass its name"))
    try:
        return function(**kwargs)
    except Exception as err:  # the student's code raised: a failed check, not a crash
        fail(msg("{what}({args}) to return a network", what=what, args=args), f"{type(err).__name__}: {err}",
             msg("run it with these arguments in a cell of its own and read the error"))


def _output(module: Any, x: torch.Tensor, *, what: str, hint: str) -> torch.Tensor:
    """``module(x)`` in eval mode without gradients; an error fails with ``hint``."""
    if not isinstance(module, nn.Module):
        fail(msg("{what}, a torch.nn.Module", what=what), type(module).__name__,
             msg("build it from nn layers (nn.Sequential or a class)"))
    module.eval()
    try:
        with torch.no_grad():
            return module(x)
    except Exception as err:
        fail(msg("{what} to accept a batch of shape {shape}", what=what, shape=tuple(x.shape)),
             f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}", hint)


def _logits_at_sizes(model: Any, image_channels: int, num_classes: int, sizes, *, what: str) -> None:
    for i, size in enumerate(sizes):
        # breaking at the first size is a bug of its own; breaking at a later one, the head
        hint = fixed_size_hint() if i else msg("print the shape after each layer to see where it breaks")
        out = _output(model, torch.randn(2, image_channels, size, size),
                      what=msg("{what} at {size}x{size}", what=what, size=size), hint=hint)
        if tuple(out.shape) != (2, num_classes):
            fail(msg("logits of shape (2, {classes}) for a {size}x{size} batch of 2", classes=num_classes, size=size),
                 msg("shape {shape}", shape=tuple(out.shape)), fixed_size_hint())


def check_textbook_network(build: Any) -> float:
    """``build(num_channels, growth_rate, arch, num_classes, image_channels)``: the textbook's
    network, the same function as ``d2l_densenet`` for the same weights, at several sizes."""
    require_answer(build, msg("the function {name}", name="my_textbook_densenet(num_channels=64, growth_rate=32, ...)"))
    configs = [({}, (96, 64)),
               (dict(num_channels=16, growth_rate=8, arch=(2, 3), num_classes=5, image_channels=3),
                (40, 72)),
               (dict(num_channels=8, growth_rate=4, arch=(1, 2, 1), num_classes=3), (50,))]
    hint = msg("b1 (7x7/2 conv with bias, BN, ReLU, 3x3/2 max pool), then textbook.TextbookDenseBlock and "
               "textbook.transition_block in turn (channels halved between blocks), then the head")
    for kwargs, sizes in configs:
        what = "my_textbook_densenet(" + ", ".join(f"{k}={v!r}" for k, v in kwargs.items()) + ")"
        model = _build(build, "my_textbook_densenet", **kwargs)
        reference = d2l_densenet(**kwargs)
        c_in, classes = kwargs.get("image_channels", 1), kwargs.get("num_classes", 10)
        _logits_at_sizes(model, c_in, classes, sizes, what=what)
        compare(model, reference, [torch.randn(2, c_in, s, s) for s in sizes], what=what, hint=hint)
    return correct(msg("the textbook's network for the same weights, at every configuration and "
                       "input size tried."), 2)


def check_any_size_head(head: Any, features: nn.Module, *, num_channels: int = 248,
                        num_classes: int = 10) -> float:
    """A head that turns ``(N, num_channels, h, w)`` features of any size into logits by
    global average pooling and a linear layer."""
    require_answer(head, "fixed_head = nn.Sequential(...)")
    for size in (64, 96, 128):  # whole images through the textbook's body, then the head
        feats = _output(features, torch.randn(2, 1, size, size), what=msg("the body"), hint="")
        out = _output(head, feats, what=msg("your head on {size}x{size} images", size=size), hint=fixed_size_hint())
        if tuple(out.shape) != (2, num_classes):
            fail(msg("logits of shape (2, {classes}) for {size}x{size} images", classes=num_classes, size=size),
                 msg("shape {shape}", shape=tuple(out.shape)), fixed_size_hint())
    # pooled globally, a map and the same map tiled 2x2 (twice the size) give the same logits
    for h, w in [(3, 3), (5, 2)]:
        x = torch.randn(2, num_channels, h, w)
        got, expected = (_output(head, t, what=msg("your head"), hint=fixed_size_hint())
                         for t in (x.repeat(1, 1, 2, 2), x))
        if got.shape != expected.shape or not torch.allclose(got, expected, atol=1e-4, rtol=1e-4):
            fail(msg("the same logits for a {h}x{w} feature map and for it tiled 2x2", h=h, w=w),
                 msg("different logits"), fixed_size_hint())
    return correct(msg("logits of the right shape at 64, 96 and 128 pixels, pooled over the whole map."), 1)


def check_transition(transition: Any, *, in_channels: int = 216, out_channels: int = 108) -> float:
    """The paper's transition: BN-ReLU-Conv1x1, then 2x2 average pooling, halving height and
    width exactly once; the same function as ``densenet_lab.models.Transition``."""
    require_answer(transition, "fixed_transition = nn.Sequential(...)")
    hint = msg("only the 2x2 average pooling should halve the resolution: "
               "give the 1x1 convolution stride 1 (the default)")
    for size in (32, 16, 8, 6):
        x = torch.randn(2, in_channels, size, size)
        out = _output(transition, x, what=msg("your transition"), hint=hint)
        expected = (2, out_channels, size // 2, size // 2)
        if tuple(out.shape) != expected:
            fail(msg("shape {shape} from {input}", shape=expected, input=tuple(x.shape)),
                 msg("shape {shape}", shape=tuple(out.shape)), hint)
    compare(transition, Transition(in_channels, out_channels), [torch.randn(2, in_channels, 8, 8)],
            what=msg("your transition"), hint=msg("BN, ReLU, a 1x1 convolution without bias (stride 1), "
                                                  "then nn.AvgPool2d(kernel_size=2, stride=2): the paper's order"))
    return correct(msg("halves height and width exactly once, at 32, 16, 8 and 6 pixels, and computes "
                       "the paper's transition."), 1)


def transition_channels(k0: int, k: int, block_config: tuple[int, ...], theta: float) -> list[int]:
    """The reference: channels out of each transition, ``floor(theta * m)``."""
    channels, out = k0, []
    for num_layers in block_config[:-1]:
        channels = int(theta * (channels + num_layers * k))
        out.append(channels)
    return out


def check_transition_channels(function: Any) -> float:
    """``transition_channels(k0, k, block_config, theta)``: the channels after each transition."""
    require_answer(function, msg("the function {name}", name="transition_channels(k0, k, block_config, theta)"))
    cases = [(64, 32, (6, 12, 24, 16), 0.5), (24, 12, (16, 16, 16), 0.5),
             (16, 12, (12, 12, 12), 1.0), (24, 12, (16, 16, 16), 0.3), (64, 32, (6, 12), 0.75),
             (8, 4, (3,), 0.5)]
    wrong = {
        msg("floor(theta * m): round down (int() or math.floor), do not round"):
            lambda k0, k, cfg, t: _variant(k0, k, cfg, t, squeeze=lambda m: round(t * m)),
        msg("there is no transition after the last block: one number per transition"):
            lambda k0, k, cfg, t: _variant(k0, k, cfg + (0,), t),
        msg("each block adds num_layers * k to the channels the transition before it kept"):
            lambda k0, k, cfg, t: [int(t * (k0 + n * k)) for n in cfg[:-1]],
    }
    for args in cases:
        got = call(function, *args, what="transition_channels")
        shown = f"transition_channels({', '.join(map(repr, args))})"
        try:
            got = [int(c) if float(c).is_integer() else c for c in got]
        except (TypeError, ValueError):
            fail(msg("{what} to return a list of channel counts", what=shown),
                 f"{type(got).__name__} {got!r}", msg("collect one int per transition in a list"))
        expected = transition_channels(*args)
        if got != expected:
            mistake = next((h for h, f in wrong.items() if f(*args) == got),
                           msg("after block i the channels are m = c + L_i * k; the transition keeps "
                               "floor(theta * m), and the next block starts from those"))
            fail(f"{shown} = {expected}", repr(got), mistake)
    return correct(msg("the channels after every transition, for theta from 0.3 to 1."), 2)


def _variant(k0, k, cfg, theta, squeeze=None):
    squeeze = squeeze or (lambda m: int(theta * m))
    channels, out = k0, []
    for num_layers in cfg[:-1]:
        channels = squeeze(channels + num_layers * k)
        out.append(channels)
    return out


# ImageNet DenseNets of the paper's Table 1 and their parameter counts (the paper's Table 3
# rounds them; the exact figures are torchvision's, whose weights our models load)
IMAGENET = {"densenet121": ((6, 12, 24, 16), 7_978_856),
            "densenet169": ((6, 12, 32, 32), 14_149_480),
            "densenet201": ((6, 12, 48, 32), 20_013_928)}


def check_imagenet_densenet(build: Any) -> float:
    """``build(block_config, growth_rate=32, num_init_features=64, num_classes=1000)``: the
    paper's ImageNet DenseNet-BC, with torchvision's parameter counts and the package's
    outputs for the same weights."""
    require_answer(build, msg("the function {name}", name="densenet_imagenet(block_config, growth_rate=32, ...)"))
    hint = msg("stem, then for each block a DenseBlock and (but after the last) a Transition "
               "halving the channels, then BatchNorm, ReLU, global average pooling and a Linear")
    small = dict(block_config=(2, 3, 2), growth_rate=8, num_init_features=16, num_classes=10)
    model = _build(build, "densenet_imagenet", **small)
    _logits_at_sizes(model, 3, 10, (64, 48), what="densenet_imagenet(block_config=(2, 3, 2), ...)")
    compare(model, DenseNet(**small), [torch.randn(2, 3, 64, 64), torch.randn(1, 3, 48, 48)],
            what="densenet_imagenet(block_config=(2, 3, 2), growth_rate=8, ...)", hint=hint)
    for name, (block_config, params) in IMAGENET.items():
        model = _build(build, "densenet_imagenet", block_config=block_config)
        got = count_parameters(model) if isinstance(model, nn.Module) else None
        if got != params:
            gap = "" if got is None else f" ({got - params:+,d})"
            fail(msg("{name}: {params:,} parameters (torchvision)", name=name, params=params), f"{got}{gap}",
                 _parameter_hint(got - params if got is not None else None, hint))
        if name == "densenet121":  # outputs for the same weights, on a small image
            reference = create_model(name)
            compare(model, reference, [torch.randn(1, 3, 64, 64)], what=name, hint=hint)
    return correct(msg("DenseNet-121, -169 and -201 have torchvision's parameter counts, and your "
                       "networks compute the package's for the same weights."), 3)


def _parameter_hint(gap: int | None, hint: str) -> str:
    if gap == -2048:
        return msg("the last block's 1024 channels are normalised (BatchNorm) before the classifier")
    if gap is not None and gap > 0:
        return msg("too many: do the transitions halve the channels (compression 0.5)? {hint}", hint=hint)
    return hint
