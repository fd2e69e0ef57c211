"""memory_efficient=True must be the same model, only lighter."""

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from densenet_lab.analysis import measure_activation_memory
from densenet_lab.models import DenseLayer, DenseNet, create_model

from .conftest import assert_close_state


def small(**kwargs) -> DenseNet:
    return DenseNet(growth_rate=6, block_config=(3, 3), num_init_features=8, num_classes=5, stem="cifar", **kwargs)


def train_steps(model, steps=2, seed=1):
    """A few SGD steps on fixed random data; returns the losses and the last gradients."""
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model.train()
    losses = []
    torch.manual_seed(seed)  # same dropout masks for both models
    for _ in range(steps):
        x = torch.randn(8, 3, 12, 12, generator=gen, dtype=torch.float64)
        y = torch.randint(0, 5, (8,), generator=gen)
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        grads = [p.grad.clone() for p in model.parameters()]
        opt.step()
        losses.append(loss.item())
    return losses, grads


@pytest.mark.parametrize(
    "kwargs",
    [{"bottleneck": True}, {"bottleneck": False}, {"bottleneck": True, "drop_rate": 0.2}],
    ids=["BC", "plain", "BC-dropout"],
)
def test_checkpointed_training_equals_plain_training(kwargs):
    plain = small(**kwargs).double()
    efficient = copy.deepcopy(plain).set_memory_efficient(True)
    losses_a, grads_a = train_steps(plain)
    losses_b, grads_b = train_steps(efficient)
    assert losses_a == pytest.approx(losses_b, rel=1e-12)
    for ga, gb in zip(grads_a, grads_b):
        torch.testing.assert_close(ga, gb, rtol=1e-10, atol=1e-12)
    # weights after the steps and BatchNorm running statistics, num_batches_tracked included
    assert_close_state(plain.state_dict(), efficient.state_dict(), atol=1e-12)


def test_running_statistics_are_updated_once_per_step():
    model = small(memory_efficient=True).double()
    train_steps(model, steps=1)
    counts = {name: int(t) for name, t in model.state_dict().items() if name.endswith("num_batches_tracked")}
    assert set(counts.values()) == {1}, counts


def set_momentum(model: nn.Module, momentum: float | None) -> nn.Module:
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = momentum
    return model


@pytest.mark.parametrize("momentum", [0.3, None], ids=["momentum-0.3", "cumulative-average"])
def test_batchnorm_momentum_is_honoured_with_one_update_per_batch(momentum):
    """The running statistics follow the module's own momentum (None: the cumulative
    average of the batches seen), updated once per batch although norm1 runs twice."""
    torch.manual_seed(0)
    layer = set_momentum(DenseLayer(6, 4, memory_efficient=True).double(), momentum).train()
    mean, var = torch.zeros(6, dtype=torch.float64), torch.ones(6, dtype=torch.float64)
    for step in (1, 2, 3):
        features = [torch.randn(8, c, 5, 5, dtype=torch.float64, requires_grad=True) for c in (2, 4)]
        layer(features).pow(2).mean().backward()
        x = torch.cat(features, 1).detach()
        factor = 1 / step if momentum is None else momentum  # nn.BatchNorm2d's update rule
        mean = (1 - factor) * mean + factor * x.mean((0, 2, 3))
        var = (1 - factor) * var + factor * x.var((0, 2, 3))  # unbiased, as BatchNorm keeps it
        assert layer.norm1.num_batches_tracked.item() == step
        torch.testing.assert_close(layer.norm1.running_mean, mean, rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(layer.norm1.running_var, var, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("momentum", [0.3, None], ids=["momentum-0.3", "cumulative-average"])
def test_checkpointed_training_equals_plain_training_for_any_momentum(momentum):
    plain = set_momentum(small().double(), momentum)
    efficient = copy.deepcopy(plain).set_memory_efficient(True)
    train_steps(plain, steps=3)
    train_steps(efficient, steps=3)
    assert_close_state(plain.state_dict(), efficient.state_dict(), atol=1e-12)


def test_checkpointing_is_only_used_when_gradients_are_needed():
    model = small(memory_efficient=True).eval()
    with torch.no_grad():
        out = model(torch.randn(2, 3, 12, 12))
    assert out.shape == (2, 5)


def test_the_paper_model_saves_much_less_when_checkpointed():
    naive = create_model("densenet_bc100_k12")
    efficient = create_model("densenet_bc100_k12", memory_efficient=True)
    a = measure_activation_memory(naive, 32, batch=4)
    b = measure_activation_memory(efficient, 32, batch=4)
    assert b < 0.5 * a, (a, b)
