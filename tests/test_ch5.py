"""Chapter 5: the data helpers behind its settings cell and its model selection
(``data.limit``, ``data.split_validation``), and a sweep that selects on validation."""

import pytest
import torch

from densenet_lab import data
from densenet_lab.data import Dataset, Split, limit, split_validation
from densenet_lab.experiments import Sweep, growth_rate_sweep
from densenet_lab.train import fit
from densenet_lab.widgets import AccuracyExplorer


def numbered(n_train: int = 50, n_test: int = 20) -> Dataset:
    """A data set whose labels number its images, so that every image can be traced."""
    train = Split(torch.arange(n_train, dtype=torch.uint8).view(-1, 1, 1, 1).expand(-1, 1, 4, 4).clone(),
                  torch.arange(n_train))
    test = Split(torch.zeros(n_test, 1, 4, 4, dtype=torch.uint8), torch.arange(n_test))
    return Dataset(train, test, data.INFO["digits"])


def test_limit_keeps_the_first_training_images_and_the_whole_test_split():
    ds = numbered()
    small = limit(ds, 10)
    assert small.train.labels.tolist() == list(range(10))
    assert torch.equal(small.train.images, ds.train.images[:10])
    assert small.test is ds.test and small.info == ds.info
    assert len(ds.train) == 50  # the data set given is not changed


def test_limit_none_or_more_than_there_are_keeps_all():
    ds = numbered()
    assert limit(ds, None) is ds
    assert len(limit(ds, 1000).train) == 50


@pytest.mark.parametrize("bad", [0, -3, 2.5, "10", True])
def test_limit_refuses_a_bad_count_naming_it(bad):
    with pytest.raises(ValueError, match="n_train"):
        limit(numbered(), bad)


def test_split_validation_sizes_and_disjoint_cover():
    ds = numbered(50)
    sel = split_validation(ds, 0.2, seed=0)
    train, val = sel.train.labels.tolist(), sel.test.labels.tolist()
    assert (len(train), len(val)) == (40, 10)
    assert set(train).isdisjoint(val)
    assert sorted(train + val) == list(range(50))
    assert train == sorted(train) and val == sorted(val)  # the original order is kept
    assert torch.equal(sel.test.images[:, 0, 0, 0].long(), sel.test.labels)  # images travel with their labels


def test_split_validation_is_deterministic_per_seed():
    ds = numbered(200)
    a, b = split_validation(ds, 0.1, seed=3), split_validation(ds, 0.1, seed=3)
    assert torch.equal(a.test.labels, b.test.labels) and torch.equal(a.train.labels, b.train.labels)
    assert not torch.equal(split_validation(ds, 0.1, seed=4).test.labels, a.test.labels)


def test_split_validation_marks_the_held_out_split_and_keeps_the_test_split_apart():
    ds = numbered()
    sel = split_validation(ds, 0.2)
    assert sel.info.held_out == "validation" and ds.info.held_out == "test"
    assert sel.info.num_classes == ds.info.num_classes and sel.info.name == ds.info.name
    assert len(ds.train) == 50 and len(ds.test) == 20  # the data set given is not changed


@pytest.mark.parametrize("bad", [0, 0.0, 1, 1.0, -0.1, 1.5, "0.1", True, None])
def test_split_validation_refuses_a_bad_fraction_naming_it(bad):
    with pytest.raises(ValueError, match="fraction"):
        split_validation(numbered(), bad)


@pytest.mark.parametrize("fraction", [0.001, 0.999])
def test_split_validation_refuses_a_fraction_that_leaves_a_split_empty(fraction):
    with pytest.raises(ValueError, match=r"fraction .* of 50 training images leaves no"):
        split_validation(numbered(50), fraction)


def test_split_validation_refuses_a_bad_seed():
    with pytest.raises(ValueError, match="seed"):
        split_validation(numbered(), 0.2, seed=-1)


def test_fit_on_a_validation_split_evaluates_the_validation_images():
    ds = data.load_data("digits")
    sel = split_validation(limit(ds, 300), 0.2, seed=0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16 * 16, 10))
    history = fit(model, sel, "quick", epochs=1, progress=False)
    assert history.last["test_count"] == 60  # the validation images, not the 360 of the test split


def test_a_sweep_on_a_validation_split_says_so():
    sel = split_validation(limit(data.load_data("digits", image_size=8), 64), 0.25, seed=0)
    sweep = growth_rate_sweep(sel, [2], epochs=1, block_config=(1, 1), verbose=False)
    assert sweep.held_out == "validation"
    explorer = AccuracyExplorer(sweep)
    assert explorer.frame(metric="test_acc").figure.ylabel == "validation accuracy"
    assert "validation split" in explorer.note


def test_a_sweep_without_held_out_reads_as_a_test_sweep():
    sweep = Sweep("digits", 1, (2, 2), points=[{"growth_rate": 4, "params": 1, "test_acc": 0.5, "seconds": 1.0}])
    assert sweep.held_out == "test"
    assert AccuracyExplorer(sweep).frame(metric="test_acc").figure.ylabel == "test accuracy"


def test_a_saved_sweep_keeps_what_it_was_measured_on(tmp_path):
    sweep = Sweep("digits", 1, (2, 2), held_out="validation")
    assert Sweep.load(sweep.save(tmp_path / "sweep.json")).held_out == "validation"
