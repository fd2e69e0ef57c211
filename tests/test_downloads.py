"""A failed download falls back to the digits only for network errors; anything else (a
corrupt cache, a folder that cannot be written) is an error naming the folder and the fix."""

import re
import urllib.error
import urllib.request

import pytest

from densenet_lab import data
from densenet_lab.cli import main


@pytest.fixture
def offline(monkeypatch):
    def no_network(*args, **kwargs):
        raise urllib.error.URLError("no network in this test")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)


def test_mnist_network_errors_fall_back_to_the_digits(tmp_path, offline):
    # torchvision's MNIST wraps its mirrors' URLErrors in RuntimeError("Error downloading ...")
    with pytest.warns(data.DataFallbackWarning, match=r"could not load MNIST .*Error downloading"):
        ds = data.load_data("mnist", root=tmp_path)
    assert ds.info.fallback_for == "mnist"


def test_a_corrupt_cache_is_an_error_not_the_digits(tmp_path, capsys, monkeypatch, offline):
    folder = tmp_path / "mnist"
    raw = folder / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for split in ("train", "t10k"):
        for kind in ("images-idx3", "labels-idx1"):
            (raw / f"{split}-{kind}-ubyte").write_bytes(b"\x00\x00\x08")  # truncated
    with pytest.raises(data.DataError, match=f"could not load MNIST from {re.escape(str(folder))} "
                       f".*delete {re.escape(str(folder))} and run again"):
        data.load_data("mnist", root=tmp_path)
    monkeypatch.setenv("DENSENET_LAB_DATA", str(tmp_path))
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--model", "densenet_bc40_k12", "--data", "mnist", "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert err.startswith(f"densenet-lab: error: could not load MNIST from {folder}") and "and run again" in err
