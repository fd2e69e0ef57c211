"""The data loaders and the training loop: offline fallback, learning, resume, safety, DDP."""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import torch
from torch import nn

from densenet_lab import checkpoint, data, device, train
from densenet_lab.cli import main
from densenet_lab.models import DenseNet


def tiny(**kwargs) -> DenseNet:
    return DenseNet(growth_rate=8, block_config=(2, 2), num_init_features=16, num_classes=10,
                    image_channels=1, stem="cifar", **kwargs)


@pytest.fixture(scope="module")
def digits8():
    return data.load_data("digits", image_size=8)


def test_digits_are_real_and_split():
    ds = data.load_data("digits")
    assert (len(ds.train), len(ds.test)) == (1437, 360)
    assert ds.train.images.dtype == torch.uint8 and ds.train.images.shape[1:] == (1, 8, 8)
    x, y = next(data.batches(ds.train, ds.info, 32, train=True, generator=torch.Generator().manual_seed(0)))
    assert x.shape == (32, 1, 16, 16) and x.dtype == torch.float32 and y.shape == (32,)
    assert abs(x.mean().item()) < 0.3  # normalised


def test_augmentation_shifts_and_flips_without_changing_shape():
    x = torch.arange(2 * 3 * 6 * 6, dtype=torch.float32).view(2, 3, 6, 6)
    out = data.random_crop_flip(x, padding=2, generator=torch.Generator().manual_seed(1))
    assert out.shape == x.shape
    zero = data.random_crop_flip(x, padding=0, generator=torch.Generator().manual_seed(1))
    assert all(torch.equal(z, img) or torch.equal(z, img.flip(-1)) for z, img in zip(zero, x))


def test_grey_to_colour_and_resize():
    ds = data.load_data("digits", image_size=32, channels=3)
    x, _ = next(data.batches(ds.test, ds.info, 4, train=False))
    assert x.shape == (4, 3, 32, 32)
    assert torch.equal(x[:, 0], x[:, 1])


def test_failed_download_warns_and_falls_back_to_digits(tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise urllib.error.URLError("no network in this test")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    with pytest.warns(data.DataFallbackWarning, match=r"could not load CIFAR-10 .*no network in this test.*digits"):
        ds = data.load_data("cifar10", root=tmp_path)
    assert ds.info.fallback_for == "cifar10" and ds.info.channels == 3 and ds.info.image_size == 32
    model = DenseNet(growth_rate=6, block_config=(2, 2), num_init_features=12, num_classes=10, stem="cifar")
    history = train.fit(model, ds, "quick", epochs=2, progress=False)
    first, last = history.epochs
    assert last["train_loss"] < first["train_loss"] and last["test_acc"] > 0.15, history.epochs  # chance: 0.1


def test_bad_data_arguments():
    with pytest.raises(ValueError, match=r"data must be one of 'fashion_mnist', .*got 'imagenet'"):
        data.load_data("imagenet")
    with pytest.raises(ValueError, match=r"image_size must be an integer in \[1, 1024\], got 0"):
        data.load_data("digits", image_size=0)


def test_data_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DENSENET_LAB_DATA", str(tmp_path))
    assert data.data_dir() == tmp_path


@pytest.mark.slow
def test_quick_recipe_learns_digits():
    torch.manual_seed(0)
    model = DenseNet(growth_rate=12, block_config=(3, 3, 3), num_init_features=24, num_classes=10,
                     image_channels=1, stem="cifar")
    history = train.fit(model, data.load_data("digits"), "quick", progress=False)
    assert history.last["test_acc"] > 0.8, history.last  # chance is 0.1; typically 0.95 to 0.99
    assert history.last["test_count"] == 360
    assert history.epochs[-1]["train_loss"] < 0.5 * history.epochs[0]["train_loss"]


def _state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_resumed_run_equals_an_uninterrupted_run(tmp_path, digits8):
    kwargs = dict(recipe="quick", epochs=4, batch_size=64, progress=False, deterministic=True, seed=3)
    torch.manual_seed(0)
    full = tiny(drop_rate=0.1)
    start = _state(full)
    h_full = train.fit(full, digits8, out_dir=tmp_path / "full", **kwargs)

    def stop_after_2(history):
        if len(history) == 2:
            raise KeyboardInterrupt  # the run is killed after epoch 2's checkpoint

    part = tiny(drop_rate=0.1)
    part.load_state_dict(start)
    with pytest.raises(KeyboardInterrupt):
        train.fit(part, digits8, out_dir=tmp_path / "part", on_epoch_end=stop_after_2, **kwargs)
    resumed = tiny(drop_rate=0.1)  # a fresh process: new model, weights from the checkpoint
    h_res = train.fit(resumed, digits8, out_dir=tmp_path / "part", resume=True, **kwargs)
    for key, value in full.state_dict().items():
        assert torch.equal(value, resumed.state_dict()[key]), key  # bitwise
    strip = lambda h: [{k: v for k, v in e.items() if k not in ("seconds", "examples_per_s")} for e in h.epochs]  # noqa: E731
    assert strip(h_full) == strip(h_res)
    saved = json.loads((tmp_path / "part" / "history.json").read_text())
    assert [e["epoch"] for e in saved] == [1, 2, 3, 4]


def test_checkpoint_write_killed_midway_keeps_the_previous_one(tmp_path, monkeypatch):
    path = tmp_path / "checkpoint.pt"
    checkpoint.save_checkpoint(path, {"epoch": 1, "model": {"w": torch.ones(3)}})
    real_save = torch.save

    def dying_save(obj, f, *args, **kwargs):
        with open(f, "wb") as fh:
            fh.write(b"PK\x03\x04 half a checkpoint")
        raise OSError("killed midway")

    monkeypatch.setattr(torch, "save", dying_save)
    with pytest.raises(OSError, match="killed midway"):
        checkpoint.save_checkpoint(path, {"epoch": 2, "model": {"w": torch.zeros(3)}})
    monkeypatch.setattr(torch, "save", real_save)
    state = checkpoint.load_checkpoint(path)
    assert state["epoch"] == 1 and torch.equal(state["model"]["w"], torch.ones(3))


def test_corrupt_foreign_and_missing_checkpoints_fail_clearly(tmp_path):
    (tmp_path / "bad.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(checkpoint.CheckpointError, match="corrupt or not a densenet-lab checkpoint"):
        checkpoint.load_checkpoint(tmp_path / "bad.pt")
    torch.save({"state_dict": {}}, tmp_path / "foreign.pt")
    with pytest.raises(checkpoint.CheckpointError, match="not a densenet-lab checkpoint"):
        checkpoint.load_checkpoint(tmp_path / "foreign.pt")
    with pytest.raises(checkpoint.CheckpointError, match="no checkpoint at"):
        checkpoint.load_checkpoint(tmp_path / "missing")


class Explodes(nn.Module):
    """Gives finite logits for ``good_steps`` training steps, then infinite ones."""

    def __init__(self, good_steps: int):
        super().__init__()
        self.net = tiny()
        self.steps = 0
        self.good_steps = good_steps

    def forward(self, x):
        if self.training:
            self.steps += 1
        out = self.net(x)
        return out * float("inf") if self.training and self.steps > self.good_steps else out


def test_nan_loss_stops_with_advice_and_keeps_the_last_good_checkpoint(tmp_path, digits8):
    model = Explodes(good_steps=25)  # 23 steps per epoch at batch 64: epoch 2 explodes
    with pytest.raises(train.TrainingDiverged, match=r"NaN or infinite in epoch 2.*last good checkpoint.*lower learning rate"):
        train.fit(model, digits8, "quick", batch_size=64, out_dir=tmp_path, progress=False)
    state = checkpoint.load_checkpoint(tmp_path)
    assert state["epoch"] == 1
    assert all(torch.isfinite(v).all() for v in state["model"].values() if v.is_floating_point())


# ---- the command line ---------------------------------------------------------------------

def cli(capsys, *argv):
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    return exit_info.value.code, capsys.readouterr().err


def test_cli_train_and_evaluate(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["train", "--model", "densenet_bc40_k12", "--data", "digits", "--epochs", "1", "--quiet", "--out", str(out)]
    assert main(args + ["--image-size", "8"]) == 0
    assert {"checkpoint.pt", "history.json", "history.csv", "run.json"} <= {p.name for p in out.iterdir()}
    assert main(["evaluate", str(out)]) == 0
    assert "test accuracy" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--model", "densenet12", "--data", "digits"], "unknown model 'densenet12'. Did you mean 'densenet121'?"),
        (["--model", "densenet121", "--data", "mnistt"], "invalid choice: 'mnistt'"),
        (["--model", "densenet121", "--data", "digits"], "needs images of at least 29x29, but --data digits gives 16x16"),
        (["--model", "densenet_bc40_k12", "--data", "digits", "--batch", "0"], "--batch must be an integer in [1, 65536], got 0"),
        (["--model", "densenet_bc40_k12", "--data", "digits", "--lr", "-1"], "--lr must be in (0, 10], got -1.0"),
        (["--model", "densenet_bc40_k12", "--data", "digits", "--resume", "/nonexistent/run"], "nothing to resume"),
    ],
)
def test_cli_train_bad_input_exits_2(capsys, argv, message):
    code, err = cli(capsys, "train", *argv)
    assert code == 2 and message in err and "Traceback" not in err


def test_cli_refuses_to_overwrite_an_earlier_run(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "run.json").write_text(json.dumps({"model": "resnet18", "data": "cifar10"}))
    (out / "checkpoint.pt").write_bytes(b"precious")
    code, err = cli(capsys, "train", "--model", "densenet_bc40_k12", "--data", "digits", "--out", str(out))
    assert code == 2 and "already holds a run (resnet18 on cifar10)" in err and "--force" in err
    code, err = cli(capsys, "train", "--model", "densenet_bc40_k12", "--data", "digits", "--resume", str(out))
    assert code == 2 and "cannot resume" in err
    assert (out / "checkpoint.pt").read_bytes() == b"precious"  # untouched
    code, err = cli(capsys, "evaluate", str(tmp_path / "nothing"))
    assert code == 2 and "no checkpoint at" in err


@pytest.mark.slow
def test_two_process_ddp_on_cpu(tmp_path, digits8):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(Path(__file__).parents[1])}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           str(Path(__file__).parent / "ddp_worker.py"), str(tmp_path)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    r0, r1 = (torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1))
    for key, value in r0["model"].items():
        if "running" not in key and "num_batches" not in key:
            assert torch.equal(value, r1["model"][key]), key  # identical replicas
    timing = ("seconds", "examples_per_s")
    same = [{k: v for k, v in e.items() if k not in timing} for e in r0["history"]]
    assert same == [{k: v for k, v in e.items() if k not in timing} for e in r1["history"]]  # reduced metrics
    assert all(e["test_count"] == 360 for e in r0["history"])  # the test set, each image once
    torch.manual_seed(0)
    single = train.fit(tiny(), digits8, "quick", epochs=3, batch_size=32, progress=False)
    ddp_losses = [e["train_loss"] for e in r0["history"]]
    one_losses = single.column("train_loss")
    assert ddp_losses[-1] < 0.8 * ddp_losses[0] and one_losses[-1] < 0.8 * one_losses[0]



@pytest.mark.parametrize("n, world", [(1437, 2), (1437, 4), (10, 3), (3, 4), (64, 8), (7, 1)])
def test_each_process_gets_an_equal_share_of_every_example(n, world):
    """As DistributedSampler deals them: the shuffled order padded to a multiple of the process
    count, every example in some share; ``batches_per_epoch`` counts what ``batches`` gives."""
    split = data.Split(torch.zeros(n, 1, 2, 2, dtype=torch.uint8), torch.arange(n))
    shares = []
    for rank in range(world):
        gen = torch.Generator().manual_seed(5)  # every process shuffles the same way
        got = list(data.batches(split, data.INFO["digits"], 4, train=True, generator=gen, rank=rank, world_size=world))
        assert len(got) == data.batches_per_epoch(n, 4, world)
        shares.append(torch.cat([y for _, y in got]).tolist())
    assert all(len(share) == -(-n // world) for share in shares)  # ceil(n / world) each
    seen = sorted(i for share in shares for i in share)
    assert set(seen) == set(range(n)) and len(seen) - n == len(shares[0]) * world - n  # only the padding repeats


def test_bf16_autocast_and_channels_last_train(digits8):
    torch.manual_seed(0)
    history = train.fit(tiny(), digits8, "quick", epochs=2, amp="bf16", channels_last=True, progress=False)
    assert history.last["train_loss"] < history.epochs[0]["train_loss"]
    with pytest.raises(ValueError, match=r"amp must be one of 'bf16', 'fp16', got 'fp8'"):
        device.amp_dtype("fp8", torch.device("cpu"))


@pytest.mark.slow
def test_a_notebook_keeps_each_progress_bar_as_its_finished_line():
    """A static page shows a widget's saved text: it must be the finished bar, not "0%"."""
    import nbformat
    from nbclient import NotebookClient

    source = (
        "from densenet_lab import create_model\n"
        "from densenet_lab.data import limit, load_data\n"
        "from densenet_lab.train import fit\n"
        "data = limit(load_data('digits', image_size=8), 64)\n"
        "model = create_model('densenet_bc40_k12', num_classes=10, image_channels=1)\n"
        "fit(model, data, 'quick', epochs=2, batch_size=32, progress=True);"
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    shown = [o.get("data", {}) for o in nb.cells[0].outputs if o.output_type == "display_data"]
    bars = [d["text/plain"] for d in shown]
    assert len(bars) == 2, nb.cells[0].outputs
    for epoch, bar in enumerate(bars, start=1):
        assert bar.startswith(f"epoch {epoch}/2: 100%") and "2/2" in bar, bar
    assert not any("application/vnd.jupyter.widget-view+json" in d for d in shown)
