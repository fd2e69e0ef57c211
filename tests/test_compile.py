"""The models compile without graph breaks, and compiled checkpointing trains like eager."""

import copy

import pytest
import torch
import torch.nn.functional as F

from densenet_lab.models import DenseNet


def small(**kwargs) -> DenseNet:
    return DenseNet(growth_rate=6, block_config=(3, 3), num_init_features=8, num_classes=5, stem="cifar", **kwargs)


@pytest.mark.slow
@pytest.mark.parametrize(
    "kwargs", [{}, {"memory_efficient": True}, {"shared_buffer": True}], ids=["plain", "checkpointed", "shared"]
)
def test_no_graph_breaks(kwargs):
    torch._dynamo.reset()
    explanation = torch._dynamo.explain(small(**kwargs))(torch.randn(2, 3, 12, 12))
    assert explanation.graph_break_count == 0, explanation.break_reasons
    assert explanation.graph_count == 1


@pytest.mark.slow
def test_compiled_checkpointed_step_equals_the_eager_plain_step():
    torch._dynamo.reset()
    plain = small()
    lean = copy.deepcopy(plain).set_memory_efficient(True)
    compiled = torch.compile(lean)
    x, y = torch.randn(8, 3, 12, 12), torch.randint(0, 5, (8,))
    loss_a = F.cross_entropy(plain(x), y)
    loss_a.backward()
    loss_b = F.cross_entropy(compiled(x), y)
    loss_b.backward()
    torch.testing.assert_close(loss_a, loss_b)
    for p, q in zip(plain.parameters(), lean.parameters()):
        torch.testing.assert_close(p.grad, q.grad, rtol=1e-4, atol=1e-6)
    for (name, a), b in zip(plain.state_dict().items(), lean.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6, msg=name)  # running stats updated once
