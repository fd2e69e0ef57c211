"""shared_buffer=True: the same network, computed without re-copying concatenations."""

import pytest
import torch
import torch.nn.functional as F

from densenet_lab import analysis
from densenet_lab.models import DenseBlock, DenseNet

from .conftest import assert_close_state


def pair(dtype=torch.float64, **kwargs):
    config = dict(growth_rate=5, block_config=(3, 4), num_init_features=7, num_classes=4, stem="cifar", **kwargs)
    cat = DenseNet(**config).to(dtype)
    shared = DenseNet(**config, shared_buffer=True).to(dtype)
    shared.load_state_dict(cat.state_dict())
    return cat, shared


def step(model, x, y, seed=0):
    torch.manual_seed(seed)  # same dropout masks
    model.train()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    return loss, [p.grad for p in model.parameters()]


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"bottleneck": False}, {"memory_efficient": True}, {"bottleneck": False, "memory_efficient": True},
     {"drop_rate": 0.2}],
    ids=["BC", "plain", "BC-checkpointed", "plain-checkpointed", "dropout"],
)
def test_same_outputs_gradients_and_statistics(kwargs):
    cat, shared = pair(**kwargs)
    x, y = torch.randn(6, 3, 10, 10, dtype=torch.float64), torch.randint(0, 4, (6,))
    loss_a, grads_a = step(cat, x, y)
    loss_b, grads_b = step(shared, x, y)
    torch.testing.assert_close(loss_a, loss_b, rtol=1e-12, atol=0)
    for a, b in zip(grads_a, grads_b):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)
    assert_close_state(cat.state_dict(), shared.state_dict(), atol=1e-12)
    cat.eval(), shared.eval()
    with torch.no_grad():
        torch.testing.assert_close(cat(x), shared(x))


def test_channels_last_and_bf16_autocast():
    cat, shared = pair(dtype=torch.float32)
    x = torch.randn(4, 3, 10, 10).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 4, (4,))
    cat.to(memory_format=torch.channels_last), shared.to(memory_format=torch.channels_last)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss_a, grads_a = step(cat, x, y)
        loss_b, grads_b = step(shared, x, y)
    torch.testing.assert_close(loss_a, loss_b, rtol=1e-2, atol=1e-2)
    for a, b in zip(grads_a, grads_b):
        torch.testing.assert_close(a, b, rtol=5e-2, atol=5e-2)


def test_block_input_gradient_and_output_view():
    block = DenseBlock(3, in_channels=4, growth_rate=2, shared_buffer=True).double()
    plain = DenseBlock(3, in_channels=4, growth_rate=2).double()
    plain.load_state_dict(block.state_dict())
    x1 = torch.randn(2, 4, 5, 5, dtype=torch.float64, requires_grad=True)
    x2 = x1.detach().clone().requires_grad_()
    out = block(x1)
    assert out.shape == (2, 10, 5, 5) and torch.equal(out[:, :4], x1)
    g = torch.randn_like(out)
    out.backward(g)
    plain(x2).backward(g)
    torch.testing.assert_close(x1.grad, x2.grad)


def test_gradcheck_through_the_shared_view():
    block = DenseBlock(2, in_channels=2, growth_rate=2, bottleneck=False, shared_buffer=True).double().eval()
    x = torch.randn(1, 2, 3, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(block, (x,))


@pytest.mark.parametrize("memory_efficient", [False, True])
def test_saved_memory_estimate_matches_and_is_lower(memory_efficient):
    cat, shared = pair(dtype=torch.float32, memory_efficient=memory_efficient)
    measured = analysis.measure_activation_memory(shared, 12, batch=4)
    assert analysis.estimate_activation_memory(shared, 12, batch=4) == pytest.approx(measured, rel=0.10)
    assert measured <= analysis.measure_activation_memory(cat, 12, batch=4)
