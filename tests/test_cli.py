"""The densenet-lab command: output a user reads, and clear errors with exit code 2."""

import shutil
import subprocess
import sys

import pytest

from densenet_lab.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out


def test_list_shows_every_model_with_the_paper_figures(capsys):
    code, out = run(capsys, "list")
    assert code == 0
    assert "densenet_bc100_k12" in out and "769,162 (10 classes)" in out and "C10+ 4.51%" in out
    assert "d2l_densenet" in out and "resnet18" in out


def test_list_one_family(capsys):
    _, out = run(capsys, "list", "--family", "imagenet")
    assert "densenet121" in out and "densenet_bc100_k12" not in out


def test_info_prints_the_architecture_table(capsys):
    code, out = run(capsys, "info", "densenet121", "--batch", "2")
    assert code == 0
    lines = out.splitlines()
    assert "7,978,856 parameters" in lines[1]
    total = next(line for line in lines if line.startswith("total"))
    assert "7,978,856" in total and "11.34 GFLOPs" in total  # 2 x 5.67 GFLOPs
    block1 = next(line for line in lines if line.startswith("denseblock1"))
    assert block1.split()[1:4] == ["6", "64", "256"]  # 6 layers, 64 -> 64 + 6*32 channels


def test_info_memory_efficient_and_cifar_sizes(capsys):
    code, out = run(capsys, "info", "densenet_bc100_k12", "--batch", "64", "--memory-efficient", "--num-classes", "100")
    assert code == 0 and "800,032 parameters" in out and "naive would keep" in out


def test_info_on_models_without_a_closed_form(capsys):
    code, out = run(capsys, "info", "d2l_densenet")
    assert code == 0 and "758,226 parameters" in out and "(measured)" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["info", "densenet12"], "unknown model 'densenet12'. Did you mean 'densenet121'?"),
        (["info", "densenet121", "--input-size", "20"], "input_size=20 is too small"),
        (["info", "densenet121", "--batch", "0"], "--batch must be an integer >= 1, got 0"),
        (["info", "resnet18", "--memory-efficient"], "memory_efficient cannot be set for 'resnet18'"),
        (["info", "densenet121", "--num-classes", "0"], "num_classes must be an integer >= 1, got 0"),
        (["sweep", "--data", "digits", "--growth-rates", "4,x"], "--growth-rates must be comma-separated integers"),
        (["sweep", "--data", "digits", "--growth-rates", "0"], "--growth-rates must be an integer in [1, 256], got 0"),
        (["sweep", "--data", "digits", "--epochs", "0"], "--epochs must be an integer in [1, 100000], got 0"),
        # models without a closed form: the smallest size found by trying, and memory checked before running
        (["info", "d2l_densenet", "--input-size", "28"], "input_size=28 is too small for d2l_densenet: the minimum is 29"),
        (["train", "--model", "d2l_densenet", "--data", "digits"],
         "model d2l_densenet needs images of at least 29x29, but --data digits gives 16x16: pass --image-size 29"),
        (["info", "resnet18", "--input-size", "8192", "--batch", "4096"], "GiB (weights and activations), more than"),
        (["info", "densenet121", "--num-classes", str(10**12)], "GiB (weights and activations), more than this machine's"),
    ],
)
def test_bad_input_exits_2_with_a_message(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.slow
def test_console_script_is_installed():
    exe = shutil.which("densenet-lab") or shutil.which("densenet-lab", path=str(__import__("pathlib").Path(sys.executable).parent))
    assert exe, "the densenet-lab command is not on PATH: install the package with pip install -e ."
    result = subprocess.run([exe, "info", "nope"], capture_output=True, text=True)
    assert result.returncode == 2 and "unknown model 'nope'" in result.stderr
    result = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "densenet-lab 0.1.0" in result.stdout


@pytest.mark.slow
def test_sweep_records_a_file_the_accuracy_explorer_reads(capsys, tmp_path):
    from densenet_lab.experiments import Sweep
    from densenet_lab.widgets import AccuracyExplorer

    out = tmp_path / "sweep.json"
    code, text = run(capsys, "sweep", "--data", "digits", "--growth-rates", "4,12", "--epochs", "2", "--out", str(out))
    assert code == 0 and f"results written to {out}" in text
    sweep = Sweep.load(out)
    assert [p["growth_rate"] for p in sweep.points] == [4, 12]
    assert sweep.environment["command"].startswith("densenet-lab sweep --data digits")
    assert sweep.points[1]["test_acc"] > 0.8  # two epochs of k = 12 on the digits learn (0.95 here)
    frame = AccuracyExplorer(sweep).frame(metric="test_acc")
    assert frame.figure.traces[0].y == [p["test_acc"] for p in sweep.points]
