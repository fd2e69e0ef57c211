"""Run folders: resume with the run's own settings, repeatable seeds, resume after Ctrl-C or a
kill, one writer per folder, safe temporary files, and every user mistake in one line."""

import errno
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from densenet_lab import checkpoint, data, runs, train
from densenet_lab.cli import main
from densenet_lab.models import DenseNet

ROOT = Path(__file__).parents[1]
# a small registered model on 8x8 digits: about a second an epoch
TRAIN = ["train", "--model", "densenet_bc40_k12", "--data", "digits", "--image-size", "8", "--quiet"]


def tiny() -> DenseNet:
    return DenseNet(growth_rate=8, block_config=(2, 2), num_init_features=16, num_classes=10, image_channels=1,
                    stem="cifar")


@pytest.fixture(scope="module")
def digits8():
    return data.load_data("digits", image_size=8)


@pytest.fixture
def one_thread():
    """One thread and the global determinism flag as they were: in-process runs compute
    exactly what a subprocess with OMP_NUM_THREADS=1 computes."""
    threads, deterministic = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(deterministic)


def cli(capsys, *argv) -> tuple[int, str, str]:
    """Run the command in this process: (exit code, stdout, stderr)."""
    try:
        code = main(list(map(str, argv)))
    except SystemExit as exit_info:
        code = exit_info.code
    out = capsys.readouterr()
    return code, out.out, out.err


def assert_one_line_error(code, err, *fragments, exit_code=2):
    assert code == exit_code, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err, err


@pytest.fixture(scope="module")
def cpu_run(tmp_path_factory):
    """A 2-epoch run of the cpu recipe with batch 32 at 8x8 (module-wide: copy it to change it)."""
    out = tmp_path_factory.mktemp("runs") / "cpu"
    assert main(TRAIN + ["--recipe", "cpu", "--batch", "32", "--epochs", "2", "--out", str(out)]) == 0
    return out


def copy_of(run: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(run, tmp_path / run.name))


def weights(run: Path) -> dict:
    return checkpoint.load_checkpoint(run)["model"]


def assert_same_checkpoints(a: Path, b: Path) -> None:
    sa, sb = checkpoint.load_checkpoint(a), checkpoint.load_checkpoint(b)
    for key, value in sa["model"].items():
        assert torch.equal(value, sb["model"][key]), key  # bitwise
    for key, value in sa["optimizer"]["state"].items():
        assert torch.equal(value["momentum_buffer"], sb["optimizer"]["state"][key]["momentum_buffer"]), key
    timing = ("seconds", "examples_per_s")
    strip = lambda h: [{k: v for k, v in e.items() if k not in timing} for e in h]  # noqa: E731
    assert strip(sa["history"]) == strip(sb["history"])


# ---- 5. --resume continues the run with its own settings -------------------------------------

def test_resume_takes_every_setting_from_the_run_and_evaluate_agrees(cpu_run, tmp_path, capsys):
    run = copy_of(cpu_run, tmp_path)
    # the README's example: --model and --data again, no recipe, batch or image size
    code, out, err = cli(capsys, "train", "--model", "densenet_bc40_k12", "--data", "digits", "--resume", run,
                         "--epochs", "3", "--quiet")
    assert code == 0, err
    assert "recipe cpu" in out
    record = json.loads((run / "run.json").read_text())
    assert (record["recipe"]["name"], record["image_size"], record["batch_size"], record["lr"]) == ("cpu", 8, 32, 0.1)
    assert record["epochs"] == record["recipe"]["epochs"] == 3
    assert record["resumed_with"][-1].endswith("--resume " + str(run) + " --epochs 3 --quiet")
    history = json.loads((run / "history.json").read_text())
    assert [e["epoch"] for e in history] == [1, 2, 3]
    # the schedule is recomputed over the 3 epochs: cosine, so back up, then down to 0 at the end
    assert history[1]["lr"] == 0.0 and history[2]["lr"] == 0.0
    assert checkpoint.load_checkpoint(run)["optimizer"]["param_groups"][0]["lr"] == 0.0
    code, out, err = cli(capsys, "evaluate", run)
    assert code == 0, err
    assert f"(epoch 3): test accuracy {history[-1]['test_acc']:.4f}, loss {history[-1]['test_loss']:.4f}" in out


def test_resume_without_model_and_data_and_a_finished_run(cpu_run, capsys):
    code, out, err = cli(capsys, "train", "--resume", cpu_run, "--quiet")  # nothing left: no training
    assert code == 0 and "has trained all its 2 epochs: pass --epochs N" in out, err


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--batch", "64"], "with --batch 64: the run trains with --batch 32; leave --batch out"),
        (["--image-size", "16"], "with --image-size 16: the run trains with --image-size 8"),
        (["--recipe", "quick"], "with --recipe quick: the run trains with --recipe cpu"),
        (["--lr", "0.05"], "with --lr 0.05: the run trains with --lr 0.1"),
        (["--seed", "1"], "with --seed 1: the run trains with --seed 0"),
        (["--amp", "bf16"], "with --amp bf16: the run trains without --amp"),
        (["--channels-last"], "with --channels-last: the run trains without --channels-last"),
        (["--deterministic"], "with --deterministic: the run trains without --deterministic"),
        (["--model", "densenet_bc100_k12"], "with --model densenet_bc100_k12: the run trains with --model dense"),
        (["--epochs", "1"], "--epochs 1 is fewer than the 2 epochs"),
    ],
)
def test_resume_refuses_a_flag_that_contradicts_the_run(cpu_run, capsys, flags, message):
    before = (cpu_run / "checkpoint.pt").read_bytes()
    code, _, err = cli(capsys, "train", "--resume", cpu_run, "--quiet", *flags)
    assert_one_line_error(code, err, message)
    assert (cpu_run / "checkpoint.pt").read_bytes() == before


def test_fit_refuses_to_resume_with_other_settings(tmp_path, digits8):
    train.fit(tiny(), digits8, "quick", epochs=1, batch_size=128, out_dir=tmp_path, progress=False)
    with pytest.raises(runs.RunDirError, match=r"recipe batch_size 64: the run trains with recipe batch_size 128"):
        train.fit(tiny(), digits8, "quick", epochs=2, batch_size=64, out_dir=tmp_path, resume=True, progress=False)
    with pytest.raises(runs.RunDirError, match=r"with recipe 'cpu': the run trains with recipe 'quick'"):
        train.fit(tiny(), digits8, "cpu", epochs=2, out_dir=tmp_path, resume=True, progress=False)
    # left unset, the batch size is the run's
    history = train.fit(tiny(), digits8, "quick", epochs=2, out_dir=tmp_path, resume=True, progress=False)
    assert len(history) == 2 and json.loads((tmp_path / "run.json").read_text())["batch_size"] == 128



def test_fit_refuses_to_resume_another_model_or_data(tmp_path, digits8):
    """The one resume check (RunDir.check_resume) covers the model and data that ``run`` records."""
    record = {"model": "tiny", "data": "digits"}
    train.fit(tiny(), digits8, "quick", epochs=1, batch_size=128, out_dir=tmp_path, progress=False, run=record)
    with pytest.raises(runs.RunDirError, match=r"with data 'mnist': the run trains with data 'digits'"):
        train.fit(tiny(), digits8, "quick", epochs=2, out_dir=tmp_path, resume=True, progress=False,
                  run={**record, "data": "mnist"})
    assert len(json.loads((tmp_path / "history.json").read_text())) == 1


def test_run_json_is_read_once_and_again_under_the_lock(cpu_run, tmp_path, capsys, monkeypatch):
    run = copy_of(cpu_run, tmp_path)
    folder = runs.RunDir(run)
    assert folder.record()["data"] == "digits"
    (run / "run.json").write_text(json.dumps({**folder.record(), "data": "mnist"}))
    assert folder.record()["data"] == "digits"  # read once
    with folder.lock():
        assert folder.record()["data"] == "mnist"  # read again: another run may have changed it
    (run / "run.json").write_text(json.dumps({**folder.record(), "data": "digits"}))
    reads = []
    real_read = runs.RunDir._read
    monkeypatch.setattr(runs.RunDir, "_read", lambda self: reads.append(self.path) or real_read(self))
    code, _, err = cli(capsys, "train", "--resume", run, "--epochs", "3", "--quiet")
    assert code == 0, err
    assert reads == [run, run]  # once to check the flags before any data loads, once under the lock


# ---- 6. seeds, and resume after Ctrl-C or a kill ------------------------------------------------

def test_the_same_seed_gives_the_same_run(tmp_path, capsys, one_thread):
    args = TRAIN + ["--epochs", "1", "--batch", "256", "--seed", "7", "--deterministic"]
    for name in ("a", "b"):  # one process: the global random state differs between the two
        assert main(args + ["--out", str(tmp_path / name)]) == 0
    assert_same_checkpoints(tmp_path / "a", tmp_path / "b")  # the model is built after seeding


# Runs the command in a fresh process that stops itself, as Ctrl-C or `kill -9` would, right
# after epoch 1's checkpoint and history are written.
STOP_AFTER_EPOCH_1 = textwrap.dedent("""
    import os, runpy, signal, sys, time
    from densenet_lab import runs

    save, stop = runs.History.save, getattr(signal, sys.argv[1])
    # a terminal's Ctrl-C raises KeyboardInterrupt; a shell that started us in the background
    # may have set SIGINT to be ignored, so say it again
    signal.signal(signal.SIGINT, signal.default_int_handler)

    def save_then_stop(self, out):
        save(self, out)
        if len(self) == 1:
            os.kill(os.getpid(), stop)
            time.sleep(60)

    runs.History.save = save_then_stop
    sys.argv = ["densenet-lab", *sys.argv[2:]]
    runpy.run_module("densenet_lab.cli", run_name="__main__")
""")
RESUMABLE = TRAIN + ["--epochs", "2", "--batch", "128", "--seed", "3", "--deterministic"]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "full"
    threads, deterministic = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(1)
    try:
        assert main(RESUMABLE + ["--out", str(out)]) == 0
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(deterministic)
    return out


@pytest.mark.slow  # a fresh process that imports torch: 5 to 20 s on two busy cores
@pytest.mark.parametrize("sig", ["SIGINT", "SIGKILL"])
def test_resume_after_ctrl_c_or_a_kill_equals_the_uninterrupted_run(tmp_path, capsys, one_thread, uninterrupted, sig):
    out = tmp_path / "run"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", STOP_AFTER_EPOCH_1, sig, *RESUMABLE, "--out", str(out)],
                            capture_output=True, text=True, timeout=120, env=env)
    assert checkpoint.load_checkpoint(out)["epoch"] == 1
    if sig == "SIGINT":
        assert result.returncode == 130, result.stderr[-2000:]
        assert result.stderr.strip().splitlines()[-1] == (
            f"densenet-lab: interrupted: kept the checkpoint of epoch 1 in {out}; "
            f"continue with: densenet-lab train --resume {out}")
        assert "Traceback" not in result.stderr and not (out / ".lock").exists()
    else:
        assert result.returncode == -signal.SIGKILL
        assert (out / ".lock").exists()  # left by the dead process: resume takes it over
    code, _, err = cli(capsys, "train", "--resume", out, "--quiet")
    assert code == 0, err
    assert_same_checkpoints(out, uninterrupted)
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint.pt", "history.csv", "history.json", "run.json"]


def test_resume_under_another_number_of_processes_is_refused(tmp_path, digits8, cpu_run, capsys):
    run = copy_of(cpu_run, tmp_path)
    record = json.loads((run / "run.json").read_text())
    (run / "run.json").write_text(json.dumps({**record, "world_size": 2}))
    code, _, err = cli(capsys, "train", "--resume", run, "--epochs", "3")
    assert_one_line_error(code, err, "was trained by 2 process(es), so 1 cannot continue it",
                          "resume it with torchrun --nproc_per_node 2")
    fitted = tmp_path / "fit"  # the same check in fit, from the checkpoint
    train.fit(tiny(), digits8, "quick", epochs=1, batch_size=128, out_dir=fitted, progress=False)
    state = checkpoint.load_checkpoint(fitted)
    state["torch_rng"] = state["torch_rng"] * 2  # as two processes would have saved it
    del state["format"], state["version"]
    checkpoint.save_checkpoint(fitted / "checkpoint.pt", state)
    with pytest.raises(runs.RunDirError, match=r"by 2 process\(es\), so 1 cannot continue it.*--nproc_per_node 2"):
        train.fit(tiny(), digits8, "quick", epochs=2, out_dir=fitted, resume=True, progress=False)


# ---- 7. one run folder, one writer; fresh temporary files ---------------------------------------

def test_a_folder_that_a_live_run_holds_is_refused(tmp_path, capsys, cpu_run, digits8):
    owner = os.getppid()  # a live process that is not this one
    out = tmp_path / "new"
    out.mkdir()
    (out / ".lock").write_text(f"{owner} {socket.gethostname()}\n")
    code, _, err = cli(capsys, *TRAIN, "--out", out)
    assert_one_line_error(code, err, f"{out} is in use by another densenet-lab run (process {owner})")
    with pytest.raises(runs.RunDirError, match="in use by another densenet-lab run"):
        train.fit(tiny(), digits8, "quick", epochs=1, out_dir=out, progress=False)
    run = copy_of(cpu_run, tmp_path)
    (run / ".lock").write_text(f"{owner} {socket.gethostname()}\n")
    code, _, err = cli(capsys, "train", "--resume", run, "--epochs", "3", "--quiet")
    assert_one_line_error(code, err, "is in use by another densenet-lab run")
    assert len(json.loads((run / "history.json").read_text())) == 2


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path, digits8):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / ".lock").write_text(f"{int(dead.stdout)} {socket.gethostname()}\n")
    held = []
    train.fit(tiny(), digits8, "quick", epochs=1, batch_size=128, out_dir=tmp_path, progress=False,
              on_epoch_end=lambda h: held.append((tmp_path / ".lock").read_text().split()[0]))
    assert held == [str(os.getpid())]  # ours while training
    assert not (tmp_path / ".lock").exists()  # and released


@pytest.mark.skipif(os.name != "posix", reason="POSIX file permissions")
def test_run_files_take_the_umask_of_the_moment_they_are_written(tmp_path):
    for umask, mode in ((0o077, 0o600), (0o022, 0o644), (0o002, 0o664)):
        before = os.umask(umask)
        try:
            checkpoint.save_checkpoint(tmp_path / "checkpoint.pt", {"epoch": 1})
            runs.History([{"epoch": 1}]).save(tmp_path)
        finally:
            os.umask(before)
        for name in ("checkpoint.pt", "history.json", "history.csv"):
            assert stat.S_IMODE((tmp_path / name).stat().st_mode) == mode, (name, oct(umask))


def test_planted_temporary_file_symlinks_are_not_followed(tmp_path, digits8):
    out = tmp_path / "run"
    train.fit(tiny(), digits8, "quick", epochs=1, batch_size=128, out_dir=out, progress=False)
    victims = []
    for name in ("checkpoint.pt", "history.json", "history.csv", "run.json"):
        victim = tmp_path / f"victim-{name}"
        victim.write_text("precious")
        (out / f"{name}.tmp").symlink_to(victim)
        victims.append(victim)
    train.fit(tiny(), digits8, "quick", epochs=2, batch_size=128, out_dir=out, resume=True, progress=False)
    assert all(v.read_text() == "precious" for v in victims)
    assert checkpoint.load_checkpoint(out)["epoch"] == 2
    leftovers = {p.name for p in out.iterdir()} - {"checkpoint.pt", "history.json", "history.csv", "run.json"}
    assert leftovers == {f"{name}.tmp" for name in ("checkpoint.pt", "history.json", "history.csv", "run.json")}


# ---- 8. every user mistake: one line, exit code 2 -------------------------------------------------

@pytest.fixture
def no_data(monkeypatch):
    """Fail the test if a command loads data: its checks must come first."""
    def load_data(*args, **kwargs):
        raise AssertionError("the data were loaded before the arguments were checked")

    monkeypatch.setattr(data, "load_data", load_data)


def test_out_that_is_a_file_or_not_writable(tmp_path, capsys, no_data):
    file = tmp_path / "file"
    file.write_text("not a folder")
    code, _, err = cli(capsys, *TRAIN, "--out", file)
    assert_one_line_error(code, err, f"{file} is a file, not a run folder: choose a folder for --out")
    code, _, err = cli(capsys, *TRAIN, "--out", file / "run")
    assert_one_line_error(code, err, f"cannot write to the run folder {file / 'run'} (Not a directory)")
    assert file.read_text() == "not a folder"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a POSIX user who is not root")
def test_out_in_a_read_only_folder(tmp_path, capsys, no_data):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    code, _, err = cli(capsys, *TRAIN, "--out", locked / "run")
    assert_one_line_error(code, err, "cannot write to the run folder", "Permission denied")


def test_unknown_or_absent_device(tmp_path, capsys, monkeypatch, no_data):
    code, _, err = cli(capsys, *TRAIN, "--device", "gpu", "--out", tmp_path / "a")
    assert_one_line_error(code, err, "--device must be cpu, cuda, cuda:N or mps, got 'gpu'")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    code, _, err = cli(capsys, *TRAIN, "--device", "cuda", "--out", tmp_path / "b")
    assert_one_line_error(code, err, "--device cuda: this machine has no CUDA GPU")
    code, _, err = cli(capsys, "evaluate", tmp_path, "--device", "cuda")
    assert_one_line_error(code, err, "--device cuda: this machine has no CUDA GPU")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


@pytest.mark.parametrize(
    "text, message",
    [("{oops", "run.json is corrupt (JSONDecodeError"),
     ('{"data": "digits"}', "run.json is incomplete: it has no 'model'"),
     ('{"model": "densenet_bc40_k12", "data": "digits", "recipe": {"name": "cpu"}}',
      "run.json is corrupt or incomplete: its 'recipe'"),
     ('{"model": "densenet_bc40_k12", "data": "digits", "image_size": "8"}',
      "run.json is corrupt: its 'image_size' is '8'")],
)
def test_corrupt_or_incomplete_run_json(cpu_run, tmp_path, capsys, text, message):
    run = copy_of(cpu_run, tmp_path)
    (run / "run.json").write_text(text)
    code, _, err = cli(capsys, "train", "--resume", run, "--epochs", "3")
    assert_one_line_error(code, err, str(run / "run.json"), message.split("run.json ")[1])
    if "recipe" not in text:  # evaluate does without a recipe
        code, _, err = cli(capsys, "evaluate", run)
        assert_one_line_error(code, err, str(run / "run.json"), message.split("run.json ")[1])


def test_a_checkpoint_of_another_model_or_with_missing_parts(cpu_run, tmp_path, capsys):
    run = copy_of(cpu_run, tmp_path)
    state = checkpoint.load_checkpoint(run)
    del state["format"], state["version"]
    checkpoint.save_checkpoint(run / "checkpoint.pt", {**state, "model": tiny().state_dict()})
    for argv in (["evaluate", run], ["train", "--resume", run, "--epochs", "3", "--quiet"]):
        code, _, err = cli(capsys, *argv)
        assert_one_line_error(code, err, f"{run / 'checkpoint.pt'} does not hold this model's weights: ",
                              "missing weights (e.g. ", "weights of another shape (e.g. features.conv0.weight)")
    del state["optimizer"]
    checkpoint.save_checkpoint(run / "checkpoint.pt", state)
    code, _, err = cli(capsys, "train", "--resume", run, "--epochs", "3", "--quiet")
    assert_one_line_error(code, err, f"{run / 'checkpoint.pt'} is incomplete: it has no 'optimizer'")


class NotATensor:
    """What a pickle may hold that ``weights_only=True`` refuses to load."""


def test_checkpoint_errors_never_advise_weights_only_false(tmp_path):
    torch.save({"format": checkpoint.FORMAT, "thing": NotATensor()}, tmp_path / "objects.pt")
    with pytest.raises(checkpoint.CheckpointError) as info:
        checkpoint.load_checkpoint(tmp_path / "objects.pt")
    message = str(info.value)
    assert f"holds Python objects such as {__name__}.NotATensor, not only tensors" in message
    assert "weights_only" not in message and "trust" not in message and "still be loaded" not in message


def fake_torchvision(num_classes: int, channels: int, size: int):
    """Stands in for ``data._torchvision``: random images of one shape and class count."""
    def load(name, root, download):
        gen = torch.Generator().manual_seed(0)
        splits = []
        for n in (64, 32):
            images = torch.randint(0, 256, (n, channels, size, size), generator=gen, dtype=torch.uint8)
            splits.append(data.Split(images, torch.randint(0, num_classes, (n,), generator=gen)))
        return tuple(splits)
    return load


def test_evaluate_on_data_that_does_not_fit_the_model(cpu_run, capsys, monkeypatch):
    monkeypatch.setattr(data, "_torchvision", fake_torchvision(100, 3, 32))
    code, _, err = cli(capsys, "evaluate", cpu_run, "--data", "cifar100")
    assert_one_line_error(code, err, "--data cifar100 has 100 classes, but the model in",
                          "was trained on digits with 10: evaluate it on a data set with 10 classes")
    monkeypatch.setattr(data, "_torchvision", fake_torchvision(10, 1, 28))  # MNIST's 10 classes: it fits
    code, out, err = cli(capsys, "evaluate", cpu_run, "--data", "mnist")
    assert code == 0 and "on MNIST (epoch 2): test accuracy" in out and "on 32 images" in out, err


def test_a_full_disk_keeps_the_last_good_checkpoint(tmp_path, capsys, monkeypatch):
    real_save, saves = torch.save, []

    def full_disk(obj, f, *args, **kwargs):
        saves.append(f)
        if len(saves) == 1:
            return real_save(obj, f, *args, **kwargs)
        Path(f).write_bytes(b"PK\x03\x04 half a checkpoint")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(torch, "save", full_disk)
    out = tmp_path / "run"
    code, _, err = cli(capsys, *TRAIN, "--epochs", "3", "--batch", "128", "--out", out)
    assert_one_line_error(code, err, "densenet-lab: training stopped: could not write",
                          "No space left on device: the disk is full",
                          f"kept the checkpoint of epoch 1 in {out}; free some space, then continue with: "
                          f"densenet-lab train --resume {out}", exit_code=1)
    monkeypatch.setattr(torch, "save", real_save)
    assert checkpoint.load_checkpoint(out)["epoch"] == 1
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint.pt", "history.csv", "history.json", "run.json"]
