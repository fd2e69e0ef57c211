"""Closed-form analysis against measurements on the built models."""

import pytest
import torch

from densenet_lab import analysis
from densenet_lab.models import DenseLayer, DenseNet, DenseNetConfig, create_model

CONFIGS = {
    "bc-cifar": DenseNetConfig(growth_rate=12, block_config=(4, 4, 4), num_init_features=24, stem="cifar", num_classes=10),
    "plain-cifar": DenseNetConfig(growth_rate=6, block_config=(3, 5), num_init_features=16, bottleneck=False, compression=1.0, stem="cifar"),
    "odd": DenseNetConfig(growth_rate=7, block_config=(2, 3, 1), num_init_features=9, bn_size=2, compression=0.7, image_channels=1, num_classes=3),
    "imagenet-small": DenseNetConfig(growth_rate=8, block_config=(2, 2, 2, 2), num_init_features=16, drop_rate=0.2),
}
SIZES = {"bc-cifar": 32, "plain-cifar": 17, "odd": 40, "imagenet-small": 64}


@pytest.mark.parametrize("key", CONFIGS)
def test_closed_form_parameters_equal_the_built_model(key):
    config = CONFIGS[key]
    model = DenseNet(config)
    assert analysis.count_parameters(config) == analysis.count_parameters(model)
    rows = analysis.stages(config)
    assert sum(r.params for r in rows) == sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("key", CONFIGS)
def test_channel_schedule_equals_the_built_layers(key):
    config = CONFIGS[key]
    model = DenseNet(config)
    built = [m.norm1.num_features for m in model.modules() if isinstance(m, DenseLayer)]
    schedule = analysis.layer_schedule(config)
    assert [r.in_channels for r in schedule] == built
    assert [r.params for r in schedule] == [
        sum(p.numel() for p in m.parameters()) for m in model.modules() if isinstance(m, DenseLayer)
    ]


def test_channel_schedule_is_k0_plus_l_times_k():
    rows = analysis.layer_schedule(create_model("densenet121"))
    block1 = [r.in_channels for r in rows if r.block == 1]
    assert block1 == [64 + layer * 32 for layer in range(6)]
    block2 = [r.in_channels for r in rows if r.block == 2]
    assert block2[0] == (64 + 6 * 32) // 2


@pytest.mark.parametrize("key", CONFIGS)
def test_closed_form_flops_equal_the_flop_counter(key):
    config, size = CONFIGS[key], SIZES[key]
    model = DenseNet(config)
    assert analysis.estimate_flops(config, size, batch=3) == analysis.measure_flops(model, size, batch=3)


def test_reference_flops():
    # densenet121 at 224x224: 2.9 G multiply-adds, the paper's Figure 3 (Huang et al. 2017), torchvision's
    # docs 2.83 GFLOPS counting multiply-adds; 5.67 GFLOPs counting each as 2. BC-100-12 at 32x32: 0.576 GFLOPs.
    assert analysis.measure_flops(create_model("densenet121"), 224) == pytest.approx(5.67e9, rel=0.005)
    assert analysis.estimate_flops(create_model("densenet121"), 224) / 2 == pytest.approx(2.9e9, rel=0.03)
    assert analysis.estimate_flops(create_model("densenet_bc100_k12"), 32) == pytest.approx(0.576e9, rel=0.005)


@pytest.mark.parametrize("key", CONFIGS)
@pytest.mark.parametrize("memory_efficient", [False, True])
def test_activation_estimate_matches_the_measurement(key, memory_efficient):
    config = CONFIGS[key].replace(memory_efficient=memory_efficient)
    size = SIZES[key]
    measured = analysis.measure_activation_memory(DenseNet(config), size, batch=4)
    estimated = analysis.estimate_activation_memory(config, size, batch=4)
    assert estimated == pytest.approx(measured, rel=0.10)


def test_activation_memory_is_quadratic_in_depth_unless_checkpointed():
    def saved(layers, memory_efficient):
        config = DenseNetConfig(growth_rate=12, block_config=(layers,), num_init_features=24, stem="cifar",
                                bottleneck=False, memory_efficient=memory_efficient)
        return analysis.measure_activation_memory(DenseNet(config), 16, batch=2)

    naive = [saved(n, False) for n in (8, 16, 32)]
    lean = [saved(n, True) for n in (8, 16, 32)]
    # doubling the depth: naive grows ~4x for deep blocks, checkpointed ~2x
    assert naive[2] / naive[1] > 3.0
    assert lean[2] / lean[1] < 2.2
    assert all(b < a for a, b in zip(naive, lean))


def test_measurement_leaves_the_model_unchanged():
    model = create_model("densenet_bc100_k12")
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model.eval()
    analysis.measure_activation_memory(model, 32, batch=2)
    assert not model.training
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key


def test_stage_sizes_follow_the_forward_pass():
    model = create_model("densenet121")
    rows = analysis.stages(model, input_size=100)
    assert [r.name for r in rows][:3] == ["stem", "denseblock1", "transition1"]
    features = model.eval().forward_features(torch.randn(1, 3, 100, 100))
    assert features.shape[-1] == rows[-1].size
    assert features.shape[1] == rows[-1].in_channels == model.num_features


def test_analysis_rejects_bad_sizes():
    config = CONFIGS["bc-cifar"]
    with pytest.raises(ValueError, match=r"batch must be an integer >= 1, got 0"):
        analysis.stages(config, 32, batch=0)
    with pytest.raises(ValueError, match=r"input_size=2 is too small .* minimum is 4"):
        analysis.stages(config, 2)
    with pytest.raises(TypeError, match="DenseNetConfig"):
        analysis.stages(torch.nn.Linear(2, 2))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_peak_cuda_memory_is_lower_when_checkpointed():
    naive = create_model("densenet_bc100_k12").cuda()
    lean = create_model("densenet_bc100_k12", memory_efficient=True).cuda()
    a = analysis.measure_peak_cuda_memory(naive, 32, batch=64)
    b = analysis.measure_peak_cuda_memory(lean, 32, batch=64)
    assert b < 0.6 * a
