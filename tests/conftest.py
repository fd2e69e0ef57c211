import pytest
import torch

from densenet_lab.threads import use_default_threads

use_default_threads()  # DENSENET_LAB_THREADS=1, set by the root conftest.py


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def assert_close_state(a: dict, b: dict, atol: float = 0.0) -> None:
    """Two state dicts hold the same keys and (to ``atol``) the same values."""
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(a[key], b[key], atol=atol, rtol=0, msg=lambda m, key=key: f"{key}: {m}")
