"""Chapter 5's exercise checks accept the reference answers and reject the common wrong ones."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from densenet_lab.exercises import (
    ExerciseError,
    NotAnswered,
    check_best_epoch,
    check_best_growth_rate,
    check_dense_mlp,
    check_diabetes_training,
    check_train_step,
)
from densenet_lab.exercises.ch5 import MSE_MARGIN, dense_mlp_parameters, diabetes_split


def train_step(model, optimizer, x, y):
    loss = F.cross_entropy(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def softmax_first(model, optimizer, x, y):  # the tutorial's bug
    loss = F.cross_entropy(torch.softmax(model(x), dim=1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def no_zero_grad(model, optimizer, x, y):
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def test_train_step_accepts_the_fix_and_log_softmax_with_nll(capsys):
    assert check_train_step(train_step) == 2
    assert capsys.readouterr().out.startswith("Correct:")

    def nll(model, optimizer, x, y):
        loss = F.nll_loss(torch.log_softmax(model(x), dim=1), y)
        optimizer.zero_grad(), loss.backward(), optimizer.step()
        return loss

    assert check_train_step(nll) == 2  # a tensor loss is a number too


@pytest.mark.parametrize("wrong, word", [(softmax_first, "logits"), (no_zero_grad, "zero_grad"),
                                         (lambda m, o, x, y: None, "loss.item"),
                                         (lambda m, o, x: 0.0, "TypeError")])
def test_train_step_rejects_the_common_mistakes(wrong, word):
    with pytest.raises(ExerciseError, match=word):
        check_train_step(wrong)


def best_epoch(epochs):
    best = max(e["test_acc"] for e in epochs)
    return next(e["epoch"] for e in epochs if e["test_acc"] == best)


def test_best_epoch_accepts_the_reference_with_a_history():
    history = [{"epoch": i + 1, "test_acc": a} for i, a in enumerate([0.2, 0.6, 0.5])]
    assert check_best_epoch(best_epoch, history) == 1


@pytest.mark.parametrize("wrong, word", [
    (lambda epochs: max(range(len(epochs)), key=lambda i: epochs[i]["test_acc"]), "from 1"),
    (lambda epochs: epochs[-1]["epoch"], "last epoch"),
    (lambda epochs: max(e["test_acc"] for e in epochs), "not the accuracy"),
    (lambda epochs: max(epochs, key=lambda e: (e["test_acc"], e["epoch"]))["epoch"], "tie"),
])
def test_best_epoch_rejects_the_common_mistakes(wrong, word):
    with pytest.raises(ExerciseError, match=word):
        check_best_epoch(wrong)


def best_growth_rate(points):
    return min(points, key=lambda p: (-p["test_acc"], p["growth_rate"]))["growth_rate"]


def test_best_growth_rate_accepts_the_reference():
    sweep = [{"growth_rate": k, "test_acc": a, "train_acc": 1.0} for k, a in [(4, .5), (8, .7)]]
    assert check_best_growth_rate(best_growth_rate, sweep) == 1


@pytest.mark.parametrize("wrong, word", [
    (lambda points: max(points, key=lambda p: p["test_acc"]), "not the whole point"),
    (lambda points: max(p["growth_rate"] for p in points), "larger k"),
    (lambda points: max(points, key=lambda p: p["train_acc"])["growth_rate"], "training accuracy"),
    (lambda points: min(points, key=lambda p: p["test_acc"])["growth_rate"], "largest 'test_acc'"),
])
def test_best_growth_rate_rejects_the_common_mistakes(wrong, word):
    with pytest.raises(ExerciseError, match=word):
        check_best_growth_rate(wrong)


class DenseMLP(nn.Module):
    def __init__(self, in_features, growth, num_layers, out_features):
        super().__init__()
        self.layers = nn.ModuleList(
            nn.Sequential(nn.Linear(in_features + i * growth, growth), nn.ReLU())
            for i in range(num_layers))
        self.head = nn.Linear(in_features + num_layers * growth, out_features)

    def forward(self, x):
        features = [x]
        for layer in self.layers:
            features.append(layer(torch.cat(features, dim=1)))
        return self.head(torch.cat(features, dim=1))


class PlainMLP(DenseMLP):  # each layer reads only the previous one's output
    def __init__(self, in_features, growth, num_layers, out_features):
        nn.Module.__init__(self)
        widths = [in_features] + [growth] * num_layers
        self.layers = nn.ModuleList(nn.Sequential(nn.Linear(a, growth), nn.ReLU()) for a in widths[:-1])
        self.head = nn.Linear(growth, out_features)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.head(x)


class NewFirst(DenseMLP):  # concatenates in the other order
    def forward(self, x):
        features = [x]
        for layer in self.layers:
            features.insert(0, layer(torch.cat(features, dim=1)))
        return self.head(torch.cat(features, dim=1))


class NoReLU(DenseMLP):
    def __init__(self, in_features, growth, num_layers, out_features):
        super().__init__(in_features, growth, num_layers, out_features)
        for layer in self.layers:
            layer[1] = nn.Identity()


class NoBias(DenseMLP):
    def __init__(self, in_features, growth, num_layers, out_features):
        super().__init__(in_features, growth, num_layers, out_features)
        self.head = nn.Linear(in_features + num_layers * growth, out_features, bias=False)


def test_dense_mlp_accepts_the_reference_and_counts_its_parameters():
    assert check_dense_mlp(DenseMLP) == 3
    assert dense_mlp_parameters(10, 8, 3, 1) == sum(p.numel() for p in DenseMLP(10, 8, 3, 1).parameters())
    assert dense_mlp_parameters(10, 8, 3, 1) == (10 * 8 + 8) + (18 * 8 + 8) + (26 * 8 + 8) + 34 + 1


@pytest.mark.parametrize("wrong, word", [(PlainMLP, "all i earlier outputs"), (NewFirst, "in that order"),
                                         (NoReLU, "Linear then ReLU"), (NoBias, "with a bias"),
                                         (lambda *config: nn.Linear(3, 3), "accept a batch")])
def test_dense_mlp_rejects_the_common_mistakes(wrong, word):
    with pytest.raises(ExerciseError, match=word):
        check_dense_mlp(wrong)


def train_regressor(model, x, y, epochs=50, lr=1e-3):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(epochs):
        for idx in torch.randperm(len(x)).split(32):
            loss = F.mse_loss(model(x[idx]).squeeze(1), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model


def test_diabetes_split_is_standardised_on_the_training_part():
    data = diabetes_split()
    assert data.x_train.shape == (354, 10) and data.x_test.shape == (88, 10)
    assert data.y_train.mean().abs() < 1e-5 and (data.y_train.std() - 1).abs() < 1e-5
    assert torch.equal(diabetes_split().y_test, data.y_test)  # the same split every time


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("threads", [1, 2])
def test_diabetes_reference_clears_the_margin_for_every_seed_and_thread_count(seed, threads):
    """The reference recipe's test MSE is ~0.53-0.61 of the variance; the check asks < 0.75."""
    data = diabetes_split()
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        torch.manual_seed(seed)
        model = train_regressor(DenseMLP(10, 8, 3, 1), data.x_train, data.y_train)
    finally:
        torch.set_num_threads(before)
    with torch.no_grad():
        mse = F.mse_loss(model(data.x_test).squeeze(1), data.y_test).item()
    assert mse < 0.65 * data.y_test.var().item() < MSE_MARGIN * data.y_test.var().item()


def test_diabetes_training_accepts_the_reference(capsys):
    assert check_diabetes_training(train_regressor) == 2
    assert "R^2" in capsys.readouterr().out


def no_squeeze(model, x, y):
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(50):
        for idx in torch.randperm(len(x)).split(32):
            loss = F.mse_loss(model(x[idx]), y[idx])  # (32, 1) against (32,): broadcasts
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()


@pytest.mark.filterwarnings("ignore:Using a target size")
@pytest.mark.parametrize("wrong, word", [(no_squeeze, "squeeze"), (lambda m, x, y: m, "weights to change"),
                                         (lambda m, x, y: nn.Linear(10, 3), "shape")])
def test_diabetes_training_rejects_the_common_mistakes(wrong, word):
    with pytest.raises(ExerciseError, match=word):
        check_diabetes_training(wrong)


def test_every_check_refuses_a_missing_answer():
    for check in (check_train_step, check_best_epoch, check_best_growth_rate, check_dense_mlp,
                  check_diabetes_training):
        with pytest.raises(NotAnswered):
            check(None)
