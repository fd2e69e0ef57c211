"""Chapter 3: the feature-reuse measure (the paper's Figure 5) and the parameter table of a
plain dense block."""

import math

import pytest
import torch

from densenet_lab import DenseNetConfig
from densenet_lab.analysis import count_parameters, layer_schedule
from densenet_lab.experiments import feature_reuse
from densenet_lab.models import DenseBlock, textbook


def tiny_block() -> DenseBlock:
    """Two plain layers on a 2-channel input, growth rate 1, with weights set by hand."""
    block = DenseBlock(2, in_channels=2, growth_rate=1, bottleneck=False)
    with torch.no_grad():
        w1 = block.denselayer1.conv1.weight  # (1, 2, 3, 3)
        w1[:, 0], w1[:, 1] = 1.0, -2.0
        w2 = block.denselayer2.conv1.weight  # (1, 3, 3, 3): two input channels, then layer 1's
        w2[:, :2], w2[:, 2] = 0.5, -3.0
    return block


def test_feature_reuse_is_the_l1_norm_per_input_feature_map():
    heat = feature_reuse(tiny_block(), normalize=None)
    # layer 1 reads the input: (9 * |1| + 9 * |-2|) / 2 channels
    # layer 2 reads the input: (18 * 0.5) / 2 channels, and layer 1: 9 * |-3| / 1 channel
    expected = torch.tensor([[13.5, math.nan, math.nan], [4.5, 27.0, math.nan]])
    torch.testing.assert_close(heat, expected, equal_nan=True)


def test_row_normalised_feature_reuse_divides_each_row_by_its_largest_entry():
    block = tiny_block()
    raw, rows = feature_reuse(block, normalize=None), feature_reuse(block)
    torch.testing.assert_close(rows, torch.tensor([[1.0, math.nan, math.nan], [1 / 6, 1.0, math.nan]]),
                               equal_nan=True)
    torch.testing.assert_close(rows, raw / raw.nan_to_num(0).amax(1, keepdim=True), equal_nan=True)


def test_feature_reuse_shape_and_mask_on_a_bottleneck_block():
    torch.manual_seed(0)
    heat = feature_reuse(DenseBlock(4, in_channels=8, growth_rate=4), normalize=None)
    assert heat.shape == (4, 5)
    assert torch.isnan(heat).tolist() == [[s > l for s in range(5)] for l in range(4)]
    assert (heat.nan_to_num(1) > 0).all()


def test_feature_reuse_refuses_an_unknown_normalisation():
    with pytest.raises(ValueError, match="normalize"):
        feature_reuse(tiny_block(), normalize="column")


def test_the_chapter3_parameter_table_describes_a_plain_block():
    config = DenseNetConfig(growth_rate=12, block_config=(6,), num_init_features=24, stem="cifar",
                            bottleneck=False)
    rows = layer_schedule(config)
    assert [r.bottleneck_channels for r in rows] == [0] * 6
    total = sum(r.params for r in rows)
    assert total == count_parameters(DenseBlock(6, 24, 12, bottleneck=False))
    # the textbook's convolutions keep a bias: k more parameters per layer
    assert total + 6 * 12 == count_parameters(textbook.TextbookDenseBlock(6, 24, 12))
