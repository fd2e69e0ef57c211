"""Root pytest configuration: notebooks collected by nbval run in the fast ``ci`` profile."""

import os

os.environ.setdefault("DENSENET_LAB_PROFILE", "ci")
# One torch thread per process: pytest-xdist workers, and the notebook kernels nbval and the
# book build start, run side by side (densenet_lab.threads explains why more would stall).
os.environ.setdefault("DENSENET_LAB_THREADS", "1")


def pytest_collection_modifyitems(items):
    """Notebook cells (nbval) are slow tests: ``-m "not slow"`` leaves the book out."""
    import pytest

    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.slow)
