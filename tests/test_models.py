"""The models against the paper, torchvision and the textbook."""

import dataclasses
import re

import pytest
import torch
import torchvision
from torch import nn

from densenet_lab.models import (
    MODELS,
    DenseBlock,
    DenseLayer,
    DenseNet,
    DenseNetConfig,
    Transition,
    cifar_config,
    create_model,
    list_models,
    textbook,
)


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# The paper's Table 2 configurations (Huang et al. 2017, Table 2 gives them rounded: 1.0M, 7.0M, 27.2M,
# 0.8M, 15.3M, 25.6M parameters), counted exactly for 10 and 100 classes. ImageNet: torchvision's
# densenet121/161/169/201 (its model docs list 7,978,856 / 28,681,000 / 14,149,480 / 20,013,928), and
# DenseNet-264 from the paper's Table 1 layout.
CIFAR_PARAMS = {
    "densenet40_k12": (1_019_722, 1_060_132),
    "densenet100_k12": (6_979_642, 7_084_852),
    "densenet100_k24": (27_249_082, 27_457_972),
    "densenet_bc100_k12": (769_162, 800_032),
    "densenet_bc250_k24": (15_324_406, 15_480_556),
    "densenet_bc190_k40": (25_624_430, 25_821_620),
}
IMAGENET_PARAMS = {
    "densenet121": 7_978_856,
    "densenet161": 28_681_000,
    "densenet169": 14_149_480,
    "densenet201": 20_013_928,
    "densenet264": 33_337_704,
}


@pytest.mark.parametrize("name", CIFAR_PARAMS)
@pytest.mark.parametrize("num_classes", [10, 100])
def test_cifar_parameter_counts_match_the_paper(name, num_classes):
    expected = CIFAR_PARAMS[name][0 if num_classes == 10 else 1]
    assert n_params(create_model(name, num_classes=num_classes)) == expected
    assert MODELS[name].params[num_classes] == expected  # the registry carries the same figure


@pytest.mark.parametrize("name", IMAGENET_PARAMS)
def test_imagenet_parameter_counts(name):
    assert n_params(create_model(name)) == IMAGENET_PARAMS[name]


def test_registry_covers_the_design():
    names = set(list_models())
    assert set(CIFAR_PARAMS) | set(IMAGENET_PARAMS) | {"d2l_densenet", "resnet18"} <= names
    assert list_models("cifar") == list(CIFAR_PARAMS)


@pytest.mark.parametrize("name", ["densenet121", "densenet161", "densenet169", "densenet201"])
def test_torchvision_weights_load_strictly_and_give_the_same_outputs(name):
    theirs = getattr(torchvision.models, name)().eval()
    ours = create_model(name).eval()
    ours.load_state_dict(theirs.state_dict(), strict=True)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), theirs(x), rtol=1e-4, atol=1e-5)


def test_torchvision_resnet18_weights_load():
    theirs = torchvision.models.resnet18().eval()
    ours = create_model("resnet18").eval()
    ours.load_state_dict(theirs.state_dict(), strict=True)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), theirs(x))


def test_textbook_shape_checks():
    blk = textbook.TextbookDenseBlock(num_convs=2, in_channels=3, num_channels=10)
    y = blk(torch.randn(4, 3, 8, 8))
    assert y.shape == (4, 23, 8, 8)
    assert textbook.transition_block(23, 10)(y).shape == (4, 10, 4, 4)


def test_textbook_network_channels_and_output():
    net = create_model("d2l_densenet")
    blocks = [net.get_submodule(f"dense_blk{i}").out_channels for i in (1, 2, 3, 4)]
    transitions = [net.get_submodule(f"tran_blk{i}")[2].out_channels for i in (1, 2, 3)]
    assert blocks == [192, 224, 240, 248]  # 64 + 4*32, 96 + 4*32, 112 + 4*32, 120 + 4*32
    assert transitions == [96, 112, 120]  # halving
    assert net(torch.randn(2, 1, 96, 96)).shape == (2, 10)


def test_textbook_block_is_the_paper_block_without_bottleneck():
    ours = DenseBlock(3, in_channels=4, growth_rate=5, bottleneck=False).eval()
    book = textbook.TextbookDenseBlock(3, in_channels=4, num_channels=5).eval()
    for layer, blk in zip(ours.values(), book.net):
        blk[0].load_state_dict(layer.norm1.state_dict())
        blk[2].weight.data.copy_(layer.conv1.weight)
        blk[2].bias.data.zero_()
    x = torch.randn(2, 4, 6, 6)
    torch.testing.assert_close(ours(x), book(x))


def test_dense_layer_and_block_shapes():
    layer = DenseLayer(20, growth_rate=12)
    assert layer(torch.randn(2, 20, 5, 5)).shape == (2, 12, 5, 5)
    assert layer.conv1.out_channels == 48  # bottleneck to 4k
    layer = DenseLayer(20, growth_rate=12, bottleneck=False)
    assert layer([torch.randn(2, 8, 5, 5), torch.randn(2, 12, 5, 5)]).shape == (2, 12, 5, 5)
    block = DenseBlock(4, in_channels=16, growth_rate=12)
    assert block.out_channels == 16 + 4 * 12
    assert block(torch.randn(2, 16, 5, 5)).shape == (2, 64, 5, 5)
    # layer l sees k0 + l*k channels
    assert [layer.norm1.num_features for layer in block.values()] == [16, 28, 40, 52]
    assert Transition(64, 32)(torch.randn(2, 64, 6, 6)).shape == (2, 32, 3, 3)


def test_the_block_input_is_carried_through_unchanged():
    block = DenseBlock(3, in_channels=5, growth_rate=4)
    x = torch.randn(2, 5, 4, 4)
    assert torch.equal(block(x)[:, :5], x)  # concatenation keeps x, addition would mix it


@pytest.mark.parametrize("name", ["densenet_bc100_k12", "densenet40_k12", "resnet18_cifar"])
def test_cifar_models_output_logits(name):
    model = create_model(name, num_classes=7)
    assert model(torch.randn(3, 3, 32, 32)).shape == (3, 7)


def test_grey_images_and_other_sizes():
    model = create_model("densenet121", num_classes=5, image_channels=1)
    assert model(torch.randn(2, 1, 97, 61)).shape == (2, 5)  # global pooling: any size works


def test_weight_initialisation_is_he_normal():
    model = create_model("densenet121")
    conv = model.features.denseblock3.denselayer5.conv1  # 1x1, fan_in = 384
    std = conv.weight.std().item()
    assert abs(std - (2 / conv.weight[0].numel()) ** 0.5) < 0.1 * std
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    assert all(torch.all(m.weight == 1) and torch.all(m.bias == 0) for m in bns)
    assert torch.all(model.classifier.bias == 0)
    book = create_model("d2l_densenet")
    assert abs(book.b1[0].weight.std().item() - (2 / 49) ** 0.5) < 0.05  # reached the real modules


def test_cifar_config_depths():
    assert cifar_config(40, 12, bc=False).block_config == (12, 12, 12)
    assert cifar_config(100, 12, bc=True).block_config == (16, 16, 16)
    with pytest.raises(ValueError, match=r"depth must be 4 \+ 3 \* 2 \* n.*got 101"):
        cifar_config(101, 12, bc=True)


def test_set_memory_efficient_on_a_built_model():
    model = create_model("densenet_bc100_k12")
    model.set_memory_efficient(True)
    assert model.config.memory_efficient
    assert all(layer.memory_efficient for layer in model.modules() if isinstance(layer, DenseLayer))


# ---- bad input -------------------------------------------------------------------------

@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"growth_rate": 0}, r"growth_rate must be an integer in \[1, 4096\], got 0"),
        ({"growth_rate": 2.5}, r"growth_rate must be an integer .* got 2.5"),
        ({"block_config": ()}, r"block_config must be a non-empty sequence"),
        ({"block_config": (6, 0, 4)}, r"block_config must contain positive integers .*entry 1 is 0"),
        ({"compression": 0}, r"compression must be a number in \(0, 1\], got 0"),
        ({"compression": 1.5}, r"compression must be a number in \(0, 1\], got 1.5"),
        ({"compression": 0.001}, r"compression=0.001 leaves no channels after block 1"),
        ({"bn_size": 0}, r"bn_size must be an integer in \[1, 64\], got 0"),
        ({"drop_rate": 1.0}, r"drop_rate must be a number in \[0, 1\), got 1.0"),
        ({"drop_rate": -0.1}, r"drop_rate must be a number in \[0, 1\)"),
        ({"num_classes": 0}, r"num_classes must be an integer >= 1, got 0"),
        ({"image_channels": 0}, r"image_channels must be an integer >= 1, got 0"),
        ({"stem": "tiny"}, r"stem must be one of 'imagenet', 'cifar', got 'tiny'"),
        ({"num_init_features": -3}, r"num_init_features must be an integer >= 1, got -3"),
    ],
)
def test_bad_configuration_is_rejected_at_construction(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DenseNet(**kwargs)


def test_create_model_checks_its_arguments():
    with pytest.raises(ValueError, match=r"num_classes must be an integer >= 1, got -1"):
        create_model("densenet121", num_classes=-1)
    with pytest.raises(ValueError, match=r"growth_rate must be"):
        create_model("densenet_bc100_k12", growth_rate=0)
    with pytest.raises(ValueError, match=r"memory_efficient cannot be set for 'resnet18'"):
        create_model("resnet18", memory_efficient=True)
    # a DenseNet option given to a ResNet is refused, even a falsy value
    for option in ({"growth_rate": 0}, {"bottleneck": False}, {"growth_rate": 12}):
        with pytest.raises(ValueError, match=rf"{next(iter(option))} cannot be set for 'resnet18'"):
            create_model("resnet18", **option)
    assert sum(p.numel() for p in create_model("resnet18", drop_rate=0.0).parameters()) > 0
    # in_channels is a layer's input (DenseLayer, DenseBlock); the images' channels have their own name
    for name in ("densenet121", "resnet18"):
        with pytest.raises(ValueError, match=r"image_channels, not in_channels: pass image_channels=1"):
            create_model(name, in_channels=1)


def test_unknown_model_name_lists_the_names_and_suggests_one():
    with pytest.raises(ValueError, match=r"unknown model 'densenet12'\. Did you mean 'densenet121'\?.*densenet_bc100_k12"):
        create_model("densenet12")
    with pytest.raises(ValueError, match=r"Did you mean 'densenet_bc100_k12'"):
        create_model("densenet_bc100")


def test_too_small_input_fails_at_forward_with_the_minimum():
    model = create_model("densenet121").eval()
    assert model.config.min_input_size == 29
    model(torch.randn(1, 3, 29, 29))  # the smallest that works
    with pytest.raises(ValueError, match=r"input size 28x28 is too small .* minimum is 29x29"):
        model(torch.randn(1, 3, 28, 28))
    cifar = create_model("densenet_bc100_k12")
    assert cifar.config.min_input_size == 4
    with pytest.raises(ValueError, match=r"minimum is 4x4"):
        cifar(torch.randn(1, 3, 3, 3))


def test_wrong_input_channels_fail_clearly():
    with pytest.raises(ValueError, match=r"input must have shape \(N, 3, H, W\) .* got \(2, 1, 32, 32\)"):
        create_model("densenet_bc100_k12")(torch.randn(2, 1, 32, 32))


def test_config_is_frozen_and_checked_on_replace():
    config = DenseNetConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.growth_rate = 3
    with pytest.raises(ValueError, match="growth_rate"):
        config.replace(growth_rate=-1)


@pytest.mark.parametrize(
    "build, name",
    [
        (lambda: create_model("densenet121", memory_efficient="no"), "memory_efficient"),
        (lambda: create_model("resnet18", memory_efficient="False"), "memory_efficient"),
        (lambda: create_model("densenet_bc100_k12", shared_buffer="yes"), "shared_buffer"),
        (lambda: create_model("densenet_bc100_k12", bottleneck=1), "bottleneck"),
        (lambda: DenseNet(memory_efficient=None), "memory_efficient"),
        (lambda: DenseNetConfig(shared_buffer=0), "shared_buffer"),
        (lambda: DenseLayer(8, 4, bottleneck="False"), "bottleneck"),
        (lambda: DenseLayer(8, 4, memory_efficient="no"), "memory_efficient"),
        (lambda: DenseBlock(2, 8, 4, shared_buffer="no"), "shared_buffer"),
        (lambda: DenseBlock(2, 8, 4, bottleneck="no"), "bottleneck"),
        (lambda: create_model("densenet_bc100_k12").set_memory_efficient("off"), "enabled"),
    ],
)
def test_bool_arguments_refuse_anything_but_true_or_false(build, name):
    with pytest.raises(ValueError, match=rf"^{name} must be True or False, got "):
        build()


def test_bool_arguments_take_numpy_bools():
    np = pytest.importorskip("numpy")
    config = DenseNetConfig(bottleneck=np.bool_(False), memory_efficient=np.bool_(True))
    assert config.bottleneck is False and config.memory_efficient is True


@pytest.mark.parametrize("name, shape", [("densenet_bc100_k12", (2, 3, 32, 32)), ("d2l_densenet", (2, 1, 96, 96)),
                                         ("resnet18_cifar", (2, 3, 32, 32))])
@pytest.mark.parametrize(
    "dtype, advice",
    [(torch.uint8, "x.float() / 255"), (torch.int64, "x.float()"), (torch.float64, "x.float(), or the model with model.to(torch.float64)"),
     (torch.bfloat16, "x.float(), or the model with model.to(torch.bfloat16)")],
)
def test_inputs_of_another_dtype_fail_clearly(name, shape, dtype, advice):
    model = create_model(name)
    with pytest.raises(ValueError, match=re.escape(f"input must have the dtype of the model's weights, torch.float32, "
                                                   f"got {dtype}: convert it with {advice}")):
        model(torch.zeros(shape, dtype=dtype))


def test_other_dtypes_work_where_torch_takes_them():
    model = DenseNet(growth_rate=4, block_config=(2, 2), num_init_features=8, num_classes=3, stem="cifar").eval()
    x = torch.randn(2, 3, 8, 8)
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        assert model(x.bfloat16()).dtype == torch.bfloat16  # autocast takes any floating input
    with pytest.raises(ValueError, match="x.float\\(\\) / 255"), torch.autocast("cpu", dtype=torch.bfloat16):
        model(torch.zeros(2, 3, 8, 8, dtype=torch.uint8))  # but not integers
    model.double()
    assert model(x.double()).dtype == torch.float64
    with pytest.raises(ValueError, match=r"torch.float64, got torch.float32: convert it with x.to\(torch.float64\)"):
        model(x)


@pytest.mark.parametrize("name", ["densenet_bc100_k12", "d2l_densenet", "resnet18_cifar"])
def test_wrong_shapes_and_non_tensors_fail_with_advice(name):
    model = create_model(name)
    c = 1 if name == "d2l_densenet" else 3
    with pytest.raises(ValueError, match=rf"shape \(N, {c}, H, W\) .* got \(2, 32, 32, {c}\); channels come first: x.permute\(0, 3, 1, 2\)"):
        model(torch.randn(2, 32, 32, c))
    with pytest.raises(ValueError, match=rf"got \({c}, 32, 32\); one image needs a batch dimension: x.unsqueeze\(0\)"):
        model(torch.randn(c, 32, 32))
    np = pytest.importorskip("numpy")
    with pytest.raises(ValueError, match=r"must be a torch.Tensor .* got ndarray: convert with torch.from_numpy\(x\)"):
        model(np.zeros((2, c, 32, 32), dtype=np.float32))
