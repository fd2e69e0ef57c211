"""A real, few-second training run: a small DenseNet must learn handwritten digits."""

import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits

from densenet_lab.models import DenseNet


def digits_tensors():
    """scikit-learn's 1,797 bundled 8x8 digits as (N, 1, 8, 8) floats in [0, 1], split 80/20."""
    data = load_digits()
    x = torch.tensor(data.images, dtype=torch.float32).unsqueeze(1) / 16.0
    y = torch.tensor(data.target)
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
    x, y = x[perm], y[perm]
    n_train = int(0.8 * len(y))
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])


def test_small_densenet_learns_digits():
    torch.manual_seed(0)
    (xtr, ytr), (xte, yte) = digits_tensors()
    model = DenseNet(growth_rate=8, block_config=(3, 3), num_init_features=16, num_classes=10,
                     image_channels=1, stem="cifar")
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-4)
    losses = []
    for _ in range(6):
        model.train()
        for i in torch.randperm(len(ytr)).split(64):
            loss = F.cross_entropy(model(xtr[i]), ytr[i])  # logits in, no softmax before the loss
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        accuracy = (model(xte).argmax(1) == yte).float().mean().item()
    assert sum(losses[-5:]) / 5 < 0.5 * sum(losses[:5]) / 5  # the loss fell
    print(f"digits test accuracy {accuracy:.3f}")
    # chance is 0.1 and a run typically reaches 0.93 to 0.99 (the seed and the number of threads
    # move it); a net that did not learn stays far below 0.8
    assert accuracy > 0.8, accuracy
