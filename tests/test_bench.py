"""densenet-lab bench --quick runs on a CPU and records where its figures come from."""

import json

import pytest

from densenet_lab import bench
from densenet_lab.cli import main


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
