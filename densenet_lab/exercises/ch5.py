"""Checks for chapter 5's exercises (see ``densenet_lab.exercises.core`` for the contract)."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any, NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from .core import call, correct, count_parameters, fail, require_answer, run_module, same_function
from .messages import msg

# --- the training step ------------------------------------------------------------------------


def _reference_step(model: nn.Module, optimizer: torch.optim.Optimizer, x, y) -> float:
    loss = F.cross_entropy(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def check_train_step(train_step: Callable[..., Any], points: float = 2) -> float:
    """``train_step(model, optimizer, x, y)``: one SGD step on ``F.cross_entropy`` of the logits.

    Two steps from the same weights must return the reference's losses and leave the
    reference's weights (so the gradients are zeroed between steps).
    """
    require_answer(train_step, "train_step(model, optimizer, x, y)")
    gen = torch.Generator().manual_seed(5)
    x, y = torch.randn(32, 12, generator=gen), torch.randint(0, 10, (32,), generator=gen)
    torch.manual_seed(0)
    student = nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 10))
    reference = copy.deepcopy(student)
    opt_s = torch.optim.SGD(student.parameters(), lr=0.5)
    opt_r = torch.optim.SGD(reference.parameters(), lr=0.5)
    for step in (1, 2):
        with torch.no_grad():
            softmax_first = F.cross_entropy(torch.softmax(student(x), 1), y).item()
        got = call(train_step, student, opt_s, x, y, what="train_step")
        expected = _reference_step(reference, opt_r, x, y)
        try:
            got = float(got.detach()) if isinstance(got, torch.Tensor) else float(got)
        except (TypeError, ValueError, RuntimeError):
            fail(msg("the loss as a number (loss.item())"), f"{type(got).__name__}",
                 msg("return loss.item() at the end of train_step"))
        if not math.isclose(got, expected, rel_tol=1e-4, abs_tol=1e-5):
            hint = msg("F.cross_entropy applies log-softmax itself: pass it the logits, model(x), "
                       "not probabilities" if math.isclose(got, softmax_first, rel_tol=1e-4)
                       else "the loss is F.cross_entropy(model(x), y), averaged over the batch")
            fail(msg("step {step} to return the loss {loss:.4f}", step=step, loss=expected), f"{got:.4f}", hint)
        gap = max((p - q).abs().max().item()
                  for p, q in zip(student.parameters(), reference.parameters()))
        if gap > 1e-5:
            hint = msg("zero the gradients (optimizer.zero_grad()) before loss.backward(), or they "
                       "add up from step to step" if step == 2
                       else "call loss.backward() and then optimizer.step() once")
            fail(msg("the weights after step {step} to be those of one SGD step", step=step),
                 msg("weights that differ by up to {gap:.3g}", gap=gap), hint)
    return correct(msg("the loss is cross-entropy on the logits, and two steps match the reference."),
                   points)


# --- choosing an epoch and a growth rate ----------------------------------------------------------


def _best_epoch(epochs: list[dict[str, Any]]) -> int:
    best = max(e["test_acc"] for e in epochs)
    return min(e["epoch"] for e in epochs if e["test_acc"] == best)


def _records(history: Any) -> list[dict[str, Any]]:
    return list(getattr(history, "epochs", history))


def check_best_epoch(best_epoch: Callable[[Any], Any], history: Any = None,
                     points: float = 1) -> float:
    """``best_epoch(epochs)``: the epoch number (from 1) with the best validation accuracy.

    ``epochs`` is a list of per-epoch dicts as in ``History.epochs``; ties go to the earlier
    epoch (fewer epochs cost less). ``history``, when given, is checked too.
    """
    require_answer(best_epoch, "best_epoch(epochs)")

    def run(accs):
        return [{"epoch": i + 1, "train_acc": min(1.0, a + 0.05 * i), "test_acc": a}
                for i, a in enumerate(accs)]

    cases = [run([0.5, 0.7, 0.9, 0.8]), run([0.91, 0.6, 0.7]), run([0.3, 0.4, 0.8]),
             run([0.6, 0.8, 0.8, 0.7]), run([0.42])]
    if history is not None:
        cases.append(_records(history))
    for epochs in cases:
        expected = _best_epoch(epochs)
        got = call(best_epoch, copy.deepcopy(epochs), what="best_epoch")
        if got == expected:
            continue
        accs = [e["test_acc"] for e in epochs]
        if got == expected - 1:
            hint = msg("epochs are numbered from 1 (the 'epoch' key), not list positions from 0")
        elif isinstance(got, float):
            hint = msg("return the epoch number, not the accuracy")
        elif got == len(epochs):
            hint = msg("the last epoch is not always the best one: compare the validation accuracies")
        else:
            hint = msg("pick the largest 'test_acc' (the validation accuracy); on a tie, the earlier epoch")
        fail(msg("epoch {epoch} for validation accuracies {accs}", epoch=expected, accs=accs), repr(got), hint)
    return correct(msg("the best epoch on {n} histories.", n=len(cases)), points)


def _best_growth_rate(points: list[dict[str, Any]]) -> int:
    best = max(p["test_acc"] for p in points)
    return min(p["growth_rate"] for p in points if p["test_acc"] == best)


def check_best_growth_rate(best_growth_rate: Callable[[Any], Any], points: Any = None,
                           score: float = 1) -> float:
    """``best_growth_rate(points)``: the growth rate with the best validation accuracy.

    ``points`` are sweep points (dicts with ``growth_rate``, ``test_acc``, ``params``, ...);
    on a tie the smaller growth rate wins (fewer parameters). ``points``, when given (the
    chapter's sweep), is checked too.
    """
    require_answer(best_growth_rate, "best_growth_rate(points)")

    def sweep(runs):  # (k, validation accuracy, training accuracy)
        return [{"growth_rate": k, "test_acc": a, "train_acc": t, "params": 1000 * k * k,
                 "seconds": float(k)} for k, a, t in runs]

    cases = [sweep([(4, 0.81, 0.90), (8, 0.86, 0.93), (12, 0.84, 0.92), (6, 0.83, 0.99)]),
             sweep([(4, 0.7, 0.8), (8, 0.75, 0.85), (12, 0.9, 0.95)]),
             sweep([(24, 0.80, 0.99), (4, 0.88, 0.90), (12, 0.85, 0.97)]),
             sweep([(4, 0.8, 0.85), (8, 0.9, 0.93), (12, 0.9, 0.96)]), sweep([(16, 0.5, 0.6)])]
    if points is not None:
        cases.append([dict(p) for p in points])
    for case in cases:
        expected = _best_growth_rate(case)
        got = call(best_growth_rate, copy.deepcopy(case), what="best_growth_rate")
        if got == expected:
            continue
        pairs = [(p["growth_rate"], p["test_acc"]) for p in case]
        if isinstance(got, dict):
            hint = msg("return the point's 'growth_rate', not the whole point")
        elif got == max(p["growth_rate"] for p in case):
            hint = msg("a larger k is not always better: compare the validation accuracy ('test_acc')")
        elif got == _best_growth_rate([{**p, "test_acc": p["train_acc"]} for p in case]):
            hint = msg("choose on the validation accuracy ('test_acc'), not the training accuracy")
        else:
            hint = msg("take the point with the largest 'test_acc'; on a tie, the smaller k")
        fail(msg("k = {k} for (k, validation accuracy) {pairs}", k=expected, pairs=pairs), repr(got), hint)
    return correct(msg("the best growth rate in {n} sweeps.", n=len(cases)), score)


# --- a dense MLP for tabular data -------------------------------------------------------------------


class _DenseMLP(nn.Module):
    """The reference: layer i is Linear(in + i*growth, growth) + ReLU on the concatenation."""

    def __init__(self, in_features: int, growth: int, num_layers: int, out_features: int):
        super().__init__()
        self.layers = nn.ModuleList(
            nn.Sequential(nn.Linear(in_features + i * growth, growth), nn.ReLU())
            for i in range(num_layers))
        self.head = nn.Linear(in_features + num_layers * growth, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = [x]
        for layer in self.layers:
            features.append(layer(torch.cat(features, dim=1)))
        return self.head(torch.cat(features, dim=1))


def dense_mlp_parameters(in_features: int, growth: int, num_layers: int, out_features: int) -> int:
    """Weights and biases of the dense MLP: layer i has (in + i*g)*g + g, the head (in + L*g)*out + out."""
    layers = sum((in_features + i * growth) * growth + growth for i in range(num_layers))
    return layers + (in_features + num_layers * growth) * out_features + out_features


def check_dense_mlp(DenseMLP: Any, points: float = 3) -> float:
    """``DenseMLP(in_features, growth, num_layers, out_features)``: shapes, parameters, outputs."""
    require_answer(DenseMLP, msg("the class {name}", name="DenseMLP(nn.Module)"))
    configs = [(10, 8, 3, 1), (5, 4, 1, 2), (7, 16, 4, 3), (3, 2, 6, 1)]
    for config in configs:
        in_features, growth, num_layers, out_features = config
        torch.manual_seed(0)
        model = call(DenseMLP, *config, what="DenseMLP")
        x = torch.randn(6, in_features)
        out = run_module(model, x, what=f"DenseMLP{config}")
        if not isinstance(out, torch.Tensor) or out.shape != (6, out_features):
            got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            fail(msg("{what} to map {x} to {y}", what=f"DenseMLP{config}", x=(6, in_features), y=(6, out_features)),
                 str(got), msg("the head reads the concatenation of the input and every layer's output, "
                               "and has out_features outputs"))
        expected = dense_mlp_parameters(*config)
        got = count_parameters(model)
        if got != expected:
            plain = (in_features * growth + growth + (num_layers - 1) * (growth * growth + growth)
                     + growth * out_features + out_features)
            hint = msg("layer i reads the input and all i earlier outputs: in_features + i*growth "
                       "features" if got == plain else
                       "layer i is nn.Linear(in_features + i*growth, growth) with a bias, and the head "
                       "nn.Linear(in_features + num_layers*growth, out_features)")
            fail(msg("{what} with {n:,} parameters", what=f"DenseMLP{config}", n=expected), f"{got:,}", hint)
        same_function(model, _DenseMLP(*config), x, what=f"DenseMLP{config}",
                      hint=msg("each layer is Linear then ReLU on torch.cat([x, out_1, ..., out_i-1], "
                               "dim=1) in that order; create the layers first, then the head; "
                               "no activation after the head"))
    return correct(msg("shapes, parameter counts and outputs agree on {n} configurations.", n=len(configs)),
                   points)


class Tabular(NamedTuple):
    """A regression data set as float tensors, standardised with the training split's statistics."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor


def diabetes_split(test_fraction: float = 0.2, seed: int = 0) -> Tabular:
    """scikit-learn's diabetes data (442 patients, 10 features; it ships with scikit-learn).

    A random ``test_fraction`` is held out (fixed by ``seed``); features and targets are
    standardised with the mean and standard deviation of the training split.
    """
    from sklearn.datasets import load_diabetes

    x, y = load_diabetes(return_X_y=True)
    x, y = torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    n_test = round(test_fraction * len(x))
    test, train = order[:n_test], order[n_test:]
    x_mean, x_std = x[train].mean(0), x[train].std(0)
    y_mean, y_std = y[train].mean(), y[train].std()
    return Tabular((x[train] - x_mean) / x_std, (y[train] - y_mean) / y_std,
                   (x[test] - x_mean) / x_std, (y[test] - y_mean) / y_std)


MSE_MARGIN = 0.75  # a test MSE below 0.75 x the variance: a quarter of it explained at least


def check_diabetes_training(train_regressor: Callable[..., Any], points: float = 2) -> float:
    """``train_regressor(model, x, y)`` trains ``model`` on (x, y) with the squared error.

    The check gives it a fresh ``DenseMLP(10, 8, 3, 1)`` (the reference) and the diabetes
    training split; the trained model's test MSE must be below ``MSE_MARGIN`` times the
    variance of the test targets (the mean predictor's MSE is about that variance).
    """
    require_answer(train_regressor, "train_regressor(model, x, y)")
    data = diabetes_split()
    torch.manual_seed(0)
    model = _DenseMLP(10, 8, 3, 1)
    before = [p.detach().clone() for p in model.parameters()]
    returned = call(train_regressor, model, data.x_train.clone(), data.y_train.clone(),
                    what="train_regressor")
    trained = returned if isinstance(returned, nn.Module) else model
    if all(torch.equal(p, q) for p, q in zip(before, trained.parameters())):
        fail(msg("the model's weights to change"), msg("the same weights as before training"),
             msg("train in place: an optimizer over model.parameters(), loss.backward(), step()"))
    out = run_module(trained, data.x_test, what=msg("the trained model"))
    if out.shape != (len(data.x_test), 1):
        fail(msg("predictions of shape {shape}", shape=(len(data.x_test), 1)), str(tuple(out.shape)),
             msg("return the model you trained (or None)"))
    mse = F.mse_loss(out.squeeze(1), data.y_test).item()
    variance = data.y_test.var().item()
    if not math.isfinite(mse) or mse >= MSE_MARGIN * variance:
        fail(msg("a test MSE below {margin} x the targets' variance ({variance:.3f})", margin=MSE_MARGIN,
                 variance=variance),
             f"{mse:.3f}", msg("compare the loss with y of shape (N,): squeeze the model's (N, 1) "
                               "output; try Adam with lr 1e-3, batches of 32 and a few dozen epochs"))
    return correct(msg("test MSE {mse:.3f}, against a variance of {variance:.3f} for the test targets "
                       "(R^2 = {r2:.2f}).", mse=mse, variance=variance, r2=1 - mse / variance), points)
