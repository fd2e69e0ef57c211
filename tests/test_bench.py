"""densenet-lab bench --quick runs on a CPU and records where its figures come from; bad requests
are refused before any model runs, and no result file is ever overwritten."""

import json
import os
import re
from pathlib import Path

import pytest
import torch

from densenet_lab import bench, results
from densenet_lab.cli import main
from densenet_lab.experiments import Sweep


@pytest.mark.slow
def test_quick_bench_writes_a_report(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert main(["bench", "--quick", "--models", "densenet_bc100_k12,densenet121", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    env = report["environment"]
    assert {"device", "torch", "date", "command", "python"} <= set(env)
    assert "bench --quick" in env["command"]
    rows = {(r["model"], r["mode"]): r for r in report["results"]}
    assert ("densenet121", "tv:fp32") in rows and ("densenet_bc100_k12", "tv:fp32") not in rows
    for r in rows.values():
        assert "error" not in r, r
        assert r["train_img_s"] > 0 and r["infer_img_s"] > 0
    # checkpointing keeps well under half the activations of the plain model
    assert rows[("densenet_bc100_k12", "fp32+mem")]["peak_train_mb"] < 0.5 * rows[("densenet_bc100_k12", "fp32")]["peak_train_mb"]
    printed = capsys.readouterr().out
    assert "speed vs fp32" in printed and str(out) in printed


def test_bench_rejects_unknown_names(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "--quick", "--models", "resnet50"])
    assert exit_info.value.code == 2
    assert "models must be among d2l_densenet, densenet_bc100_k12, densenet121, got resnet50" in capsys.readouterr().err
    with pytest.raises(ValueError, match="modes must be among"):
        bench.run_bench(["densenet121"], ["fp64"], quick=True)


def test_every_mode_builds_where_it_applies():
    for workload in bench.QUICK_WORKLOADS.values():
        for mode in bench.MODES.values():
            model = bench.build(workload, mode)
            if mode.torchvision and workload.model != "densenet121":
                assert model is None


# ----- bad requests are refused before any model runs ---------------------------------
@pytest.fixture
def no_model_may_run(monkeypatch, tmp_path):
    """Run in an empty folder; building a model fails the test."""
    monkeypatch.chdir(tmp_path)

    def build(*_args):
        raise AssertionError("a model was built before the request was checked")

    monkeypatch.setattr(bench, "build", build)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--iters", "0"], "--iters must be an integer >= 1, got 0"),
        (["--warmup", "0"], "--warmup must be an integer >= 1, got 0"),
        (["--warmup", "-2"], "--warmup must be an integer >= 1, got -2"),
        (["--batch", "0"], "--batch must be an integer in [1, 65536], got 0"),
        (["--modes", "fp32,,bf16"], "--modes must be comma-separated names, none empty (e.g. fp32,fp32+shared), got 'fp32,,bf16'"),
        (["--modes", ""], "--modes must be comma-separated names, none empty"),
        (["--modes", "fp32,"], "--modes must be comma-separated names, none empty"),
        (["--models", ""], "--models must be comma-separated names, none empty"),
    ],
)
def test_bench_refuses_bad_counts_and_empty_names(no_model_may_run, capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "--quick", *argv])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_run_bench_checks_its_arguments_before_running(no_model_may_run):
    for kwargs, message in [
        ({"warmup": 0}, "warmup must be an integer >= 1, got 0"),
        ({"iters": 0}, "iters must be an integer >= 1, got 0"),
        ({"batch": 0}, "batch must be an integer in"),
        ({"models": []}, "models must be a non-empty list of names"),
        ({"modes": ["fp32", ""]}, "modes must be a non-empty list of names"),
        ({"modes": "fp32"}, "modes must be a non-empty list of names"),
    ]:
        call = {"models": ["densenet_bc100_k12"], "modes": ["fp32"], "quick": True, **kwargs}
        with pytest.raises(ValueError, match=re.escape(message)):
            bench.run_bench(**call)


def test_bench_batch_sets_every_workloads_batch(monkeypatch):
    seen = []
    monkeypatch.setattr(bench, "time_steps", lambda model, workload, *a, **k: seen.append(workload.batch) or 1.0)
    monkeypatch.setattr(bench, "peak_memory_mb", lambda *a: 1.0)
    report = bench.run_bench(["d2l_densenet", "densenet_bc100_k12"], ["fp32"], quick=True, batch=3, device="cpu", log=lambda _: None)
    assert seen == [3, 3, 3, 3] and [r["batch"] for r in report["results"]] == [3, 3]


@pytest.mark.parametrize("case", ["folder", "existing file", "missing folder", "parent is a file"])
def test_out_is_checked_before_any_model_runs(no_model_may_run, tmp_path, capsys, case):
    (tmp_path / "old.json").write_text("{}")
    out, message = {
        "folder": (tmp_path, "is a folder"),
        "existing file": (tmp_path / "old.json", "already exists and results are never overwritten"),
        "missing folder": (tmp_path / "nope" / "b.json", "does not exist"),
        "parent is a file": (tmp_path / "old.json" / "b.json", "is not a folder"),
    }[case]
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "--quick", "--out", str(out)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"--out {out}" in err or str(out) in err
    assert message in err
    assert (tmp_path / "old.json").read_text() == "{}"


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root may write anywhere")
def test_out_in_an_unwritable_folder_is_refused(no_model_may_run, tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(SystemExit):
        main(["bench", "--quick", "--out", str(locked / "b.json")])
    assert "cannot write in" in capsys.readouterr().err


def test_default_results_folder_that_is_a_file_is_refused(no_model_may_run, tmp_path, capsys):
    (tmp_path / "results").write_text("")
    with pytest.raises(SystemExit):
        main(["bench", "--quick"])
    assert "default results folder results/ is a file" in capsys.readouterr().err


# ----- results are never overwritten --------------------------------------------------
def test_a_second_run_the_same_day_gets_a_new_name(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    report = {"environment": bench.environment(torch.device("cpu"), "test"), "quick": True, "warmup": 1, "iters": 1,
              "results": []}
    monkeypatch.setattr(bench, "run_bench", lambda *a, **k: {**report, "run": len(list(tmp_path.glob("results/*")))})
    for _ in range(3):
        assert main(["bench", "--quick"]) == 0
    files = sorted(p.name for p in (tmp_path / "results").iterdir())
    day = report["environment"]["date"][:10]
    assert files == [f"bench-cpu-{day}-quick-2.json", f"bench-cpu-{day}-quick-3.json", f"bench-cpu-{day}-quick.json"]
    assert json.loads((tmp_path / "results" / f"bench-cpu-{day}-quick.json").read_text())["run"] == 0  # the first is kept
    assert f"results written to results/bench-cpu-{day}-quick-3.json" in capsys.readouterr().out


def test_write_new_never_replaces_a_file_that_appeared_meanwhile(tmp_path):
    target = tmp_path / "r.json"
    target.write_text("theirs")  # e.g. a run that finished between our check and our write
    assert results.write_new(target, "ours") == tmp_path / "r-2.json"
    assert target.read_text() == "theirs" and (tmp_path / "r-2.json").read_text() == "ours"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r-2.json", "r.json"]  # no temporary file left


def test_write_new_without_hard_links_still_creates_exclusively(tmp_path, monkeypatch):
    def no_links(*_args):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    (tmp_path / "r.json").write_text("theirs")
    assert results.write_new(tmp_path / "r.json", "ours") == tmp_path / "r-2.json"
    assert (tmp_path / "r.json").read_text() == "theirs" and (tmp_path / "r-2.json").read_text() == "ours"


def test_sweep_save_never_overwrites(tmp_path):
    sweep = Sweep("digits", 1, (2, 2))
    first = sweep.save(tmp_path / "sweep.json")
    sweep.epochs = 2
    second = sweep.save(tmp_path / "sweep.json")
    assert (first.name, second.name) == ("sweep.json", "sweep-2.json")
    assert Sweep.load(first).epochs == 1 and Sweep.load(second).epochs == 2


def test_sweep_out_is_checked_before_loading_data(monkeypatch, tmp_path, capsys):
    from densenet_lab import data

    monkeypatch.setattr(data, "load_data", lambda *a, **k: pytest.fail("data loaded before --out was checked"))
    (tmp_path / "sweep.json").write_text("{}")
    with pytest.raises(SystemExit) as exit_info:
        main(["sweep", "--data", "digits", "--out", str(tmp_path / "sweep.json")])
    assert exit_info.value.code == 2 and "already exists" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["bench", "sweep"])
def test_results_go_to_a_documented_place_that_git_ignores(capsys, command):
    ignored = (Path(__file__).resolve().parents[1] / ".gitignore").read_text().splitlines()
    assert "/results/" in ignored and "/runs/" in ignored
    with pytest.raises(SystemExit):
        main([command, "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "results/" in help_text and "never overwritten" in help_text and "git add -f" in help_text
