"""memory_efficient=True must be the same model, only lighter."""

import copy

import pytest
import torch
import torch.nn.functional as F

from densenet_lab.analysis import measure_activation_memory
from densenet_lab.models import DenseNet, create_model

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
