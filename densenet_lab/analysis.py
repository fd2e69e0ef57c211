"""Channel counts, parameters, FLOPs and activation memory of a DenseNet.

Two ways to every number, so each checks the other:

* closed form, from a ``DenseNetConfig`` alone (``stages``, ``layer_schedule``,
  ``count_parameters``, ``estimate_flops``, ``estimate_activation_memory``): instant,
  what the explorers and the book's tables use;
* measured on a built model (``count_parameters(model)``, ``measure_flops`` with
  ``torch.utils.flop_counter``, ``measure_activation_memory`` with saved-tensor hooks,
  ``measure_peak_cuda_memory`` on a GPU).

FLOPs count a multiply-add as 2, as ``torch.utils.flop_counter`` does: densenet121 at
224x224 is 2.9 GMACs = 5.7 GFLOPs. Activation memory is what a training forward pass
keeps for backward: the quadratic cost of DenseNet that ``memory_efficient`` removes.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from ._checks import check_int
from .models.densenet import DenseNet, DenseNetConfig

FLOAT_BYTES = 4  # float32 activations
INDEX_BYTES = 8  # max pool keeps int64 indices
MASK_BYTES = 4  # dropout keeps its scaled mask (float32 on the CPU; CUDA keeps 1-byte masks)


@dataclass(frozen=True)
class LayerChannels:
    """One dense layer: it reads ``in_channels`` (k0 + l*k) and emits ``growth_rate``."""

    block: int  # 1-based
    layer: int  # 1-based within the block
    in_channels: int
    bottleneck_channels: int  # 4k with a bottleneck, 0 without
    growth_rate: int
    size: int  # spatial size (height = width) inside the block
    params: int


@dataclass(frozen=True)
class Stage:
    """One row of the architecture table: the stem, a dense block, a transition, or the head.

    ``flops`` and ``activation_bytes`` are for the batch and input size asked for;
    ``activation_bytes`` is what a training forward pass saves for backward.
    """

    name: str
    layers: int
    in_channels: int
    out_channels: int
    size: int  # spatial size at the stage's input
    out_size: int
    params: int
    flops: int
    activation_bytes: int


def _config(model_or_config: nn.Module | DenseNetConfig) -> DenseNetConfig:
    if isinstance(model_or_config, DenseNetConfig):
        return model_or_config
    if isinstance(model_or_config, DenseNet):
        return model_or_config.config
    raise TypeError(
        f"expected a DenseNetConfig or a densenet_lab DenseNet, got {type(model_or_config).__name__}"
    )


def default_input_size(config: DenseNetConfig) -> int:
    """224 for the ImageNet stem, 32 for the CIFAR stem."""
    return 224 if config.stem == "imagenet" else 32


def _check_size(config: DenseNetConfig, input_size: int | None) -> int:
    if input_size is None:
        return default_input_size(config)
    minimum = config.min_input_size
    if isinstance(input_size, int) and not isinstance(input_size, bool) and input_size < minimum:
        raise ValueError(
            f"input_size={input_size} is too small for this network ({config.stem} stem, "
            f"{len(config.block_config)} blocks): the minimum is {minimum}"
        )
    return check_int("input_size", input_size, minimum=minimum, maximum=8192)


def _layer_params(c: DenseNetConfig, cin: int) -> int:
    k = c.growth_rate
    if c.bottleneck:
        b = c.bn_size * k
        return 2 * cin + cin * b + 2 * b + b * k * 9  # BN, 1x1 conv, BN, 3x3 conv
    return 2 * cin + cin * k * 9  # BN, 3x3 conv


def layer_schedule(config: DenseNetConfig | nn.Module, input_size: int | None = None) -> list[LayerChannels]:
    """Every dense layer's input channels, ``k0 + l * k`` in block order (closed form)."""
    c = _config(config)
    sizes = c.block_sizes(_check_size(c, input_size))
    rows = []
    channels = c.num_init_features
    for b, num_layers in enumerate(c.block_config):
        for layer in range(num_layers):
            cin = channels + layer * c.growth_rate
            bottleneck = c.bn_size * c.growth_rate if c.bottleneck else 0
            rows.append(LayerChannels(b + 1, layer + 1, cin, bottleneck, c.growth_rate, sizes[b], _layer_params(c, cin)))
        channels = int((channels + num_layers * c.growth_rate) * c.compression)
    return rows


def _block_activations(c: DenseNetConfig, cin: int, num_layers: int, area: int, batch: int) -> int:
    """Elements saved for backward by one dense block, times bytes (see the module docstring)."""
    k, b = c.growth_rate, c.bn_size * c.growth_rate
    act = lambda channels: batch * channels * area * FLOAT_BYTES  # noqa: E731
    total = 0
    for layer in range(num_layers):
        c_l = cin + layer * k
        if c.memory_efficient and c.shared_buffer:
            pass  # checkpoint keeps only its input, a view of the block's output (counted below)
        elif c.memory_efficient:
            # checkpoint keeps only its inputs: the block input and each earlier output, once
            total += act(cin) if layer == 0 else act(k)
        else:
            # the concatenation (BN input; a view of the block's output with a shared buffer)
            # and the BN-ReLU output
            total += (1 if c.shared_buffer else 2) * act(c_l)
            total += 2 * c_l * FLOAT_BYTES  # BN batch mean and inverse std
        if c.bottleneck:
            total += 2 * act(b) + 2 * b * FLOAT_BYTES  # 1x1 conv output (BN2 input), BN2-ReLU output
        if c.drop_rate > 0:
            total += batch * area * MASK_BYTES * (k + (b if c.bottleneck else 0))
    return total + act(cin + num_layers * k)  # the block's output, read by the next BN


def stages(
    config: DenseNetConfig | nn.Module, input_size: int | None = None, batch: int = 1
) -> list[Stage]:
    """The architecture table in closed form: stem, blocks, transitions and head.

    Args:
        config: a ``DenseNetConfig`` or a ``DenseNet``.
        input_size: image height = width in pixels (default 224 for the ImageNet stem,
            32 for the CIFAR stem); at least ``config.min_input_size``.
        batch: images per batch, for FLOPs and activation memory.
    """
    c = _config(config)
    size = _check_size(c, input_size)
    batch = check_int("batch", batch)
    act = lambda channels, s: batch * channels * s * s * FLOAT_BYTES  # noqa: E731
    sizes = c.block_sizes(size)
    k0, cin = c.num_init_features, c.image_channels

    if c.stem == "cifar":
        stem = Stage("stem", 1, cin, k0, size, size, cin * k0 * 9, 2 * batch * cin * k0 * 9 * size**2, act(cin, size))
    else:
        s1 = (size - 1) // 2 + 1  # after the 7x7/2 convolution
        saved = act(cin, size) + 2 * act(k0, s1) + 2 * k0 * FLOAT_BYTES  # image, conv out, BN-ReLU out
        saved += batch * k0 * sizes[0] ** 2 * INDEX_BYTES  # max-pool indices
        stem = Stage("stem", 1, cin, k0, size, sizes[0], cin * k0 * 49 + 2 * k0, 2 * batch * cin * k0 * 49 * s1**2, saved)
    rows = [stem]

    schedule = layer_schedule(c, size)
    channels = k0
    for i, num_layers in enumerate(c.block_config):
        layers = [r for r in schedule if r.block == i + 1]
        s = sizes[i]
        if c.bottleneck:
            b = c.bn_size * c.growth_rate
            flops = sum(2 * batch * s * s * (r.in_channels * b + b * c.growth_rate * 9) for r in layers)
        else:
            flops = sum(2 * batch * s * s * r.in_channels * c.growth_rate * 9 for r in layers)
        out = channels + num_layers * c.growth_rate
        saved = _block_activations(c, channels, num_layers, s * s, batch)
        rows.append(Stage(f"denseblock{i + 1}", num_layers, channels, out, s, s, sum(r.params for r in layers), flops, saved))
        channels = out
        if i < len(c.block_config) - 1:
            out = int(channels * c.compression)
            saved = act(channels, s) + act(out, s) + 2 * channels * FLOAT_BYTES  # BN-ReLU out, conv out (pool input)
            if c.drop_rate > 0:
                saved += batch * out * s * s * MASK_BYTES
            params = 2 * channels + channels * out
            rows.append(Stage(f"transition{i + 1}", 1, channels, out, s, s // 2, params, 2 * batch * s * s * channels * out, saved))
            channels = out
    s = sizes[-1]
    saved = act(channels, s) + 2 * channels * FLOAT_BYTES + batch * channels * FLOAT_BYTES  # ReLU out, BN stats, pooled
    params = 2 * channels + channels * c.num_classes + c.num_classes
    rows.append(Stage("head", 1, channels, c.num_classes, s, 1, params, 2 * batch * channels * c.num_classes, saved))
    return rows


def count_parameters(model_or_config: nn.Module | DenseNetConfig) -> int:
    """Trainable parameters: closed form for a ``DenseNetConfig``, counted for a module."""
    if isinstance(model_or_config, DenseNetConfig):
        return sum(s.params for s in stages(model_or_config))
    return sum(p.numel() for p in model_or_config.parameters() if p.requires_grad)


def estimate_flops(config: DenseNetConfig | nn.Module, input_size: int | None = None, batch: int = 1) -> int:
    """Forward FLOPs in closed form (2 per multiply-add, convolutions and the linear layer)."""
    return sum(s.flops for s in stages(config, input_size, batch))


def estimate_activation_memory(
    config: DenseNetConfig | nn.Module,
    input_size: int | None = None,
    batch: int = 1,
    memory_efficient: bool | None = None,
) -> int:
    """Bytes a float32 training forward pass saves for backward, in closed form.

    ``memory_efficient`` overrides the configuration's setting, so both variants can be
    compared from one config. Agrees with ``measure_activation_memory`` within a few %.
    """
    c = _config(config)
    if memory_efficient is not None:
        c = c.replace(memory_efficient=memory_efficient)
    return sum(s.activation_bytes for s in stages(c, input_size, batch))


def _input(model: nn.Module, input_size: int, batch: int, image_channels: int | None, device=None) -> torch.Tensor:
    if image_channels is None:
        image_channels = getattr(getattr(model, "config", None), "image_channels", 3)
    input_size = check_int("input_size", input_size)
    batch = check_int("batch", batch)
    if device is None:
        device = next(model.parameters()).device
    return torch.randn(batch, image_channels, input_size, input_size, device=device)


def measure_flops(model: nn.Module, input_size: int, batch: int = 1, image_channels: int | None = None) -> int:
    """Forward FLOPs counted by ``torch.utils.flop_counter`` on a real forward pass (eval mode)."""
    x = _input(model, input_size, batch, image_channels)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            model(x)
    finally:
        model.train(was_training)
    return counter.get_total_flops()


def measure_activation_memory(
    model: nn.Module, input_size: int, batch: int = 1, image_channels: int | None = None
) -> int:
    """Bytes saved for backward by one training forward pass, measured.

    Every tensor that autograd saves passes through a saved-tensor hook; we add up the
    distinct storages, leaving out parameters and buffers (model state, not activations).
    Works on any device, the ``meta`` device too (shapes only: nothing is allocated, so a
    size can be checked before it is run); BatchNorm statistics are restored afterwards.
    """
    x = _input(model, input_size, batch, image_channels)
    state = {n: t.detach().clone() for n, t in model.named_buffers()}
    # a storage is told by its C++ object, not its data pointer (0 for every meta tensor)
    skip = {t.untyped_storage()._cdata for t in [*model.parameters(), *model.buffers()]}
    seen: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        if storage._cdata not in skip:
            seen[storage._cdata] = storage.nbytes()
        return t

    was_training = model.training
    model.train()
    try:
        with torch.enable_grad(), torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            out = model(x)
        del out
    finally:
        model.train(was_training)
        with torch.no_grad():
            for n, t in model.named_buffers():
                t.copy_(state[n])
    return sum(seen.values())


def measure_peak_cuda_memory(
    model: nn.Module, input_size: int, batch: int = 1, image_channels: int | None = None
) -> int:
    """Peak CUDA bytes allocated by one training step (forward + backward) beyond what the
    model and its gradients held before. Needs the model on a CUDA device."""
    device = next(model.parameters()).device
    if device.type != "cuda":
        raise ValueError(f"measure_peak_cuda_memory needs a model on a CUDA device, got one on {device}")
    x = _input(model, input_size, batch, image_channels)
    model.train()
    model.zero_grad(set_to_none=False)
    torch.cuda.synchronize(device)
    torch.cuda.reset_peak_memory_stats(device)
    base = torch.cuda.memory_allocated(device)
    model(x).float().sum().backward()
    torch.cuda.synchronize(device)
    return torch.cuda.max_memory_allocated(device) - base
