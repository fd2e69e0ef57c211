"""The environment is Colab's: every pin of requirements.txt is the installed version, and the
package was installed without replacing any of them (a wrong environment fails, never skips)."""

import sys
from importlib.metadata import version
from pathlib import Path

import pytest

REQUIREMENTS = Path(__file__).with_name("requirements.txt")


def pins() -> dict[str, str]:
    """``{distribution: version}`` from the ``name==version`` lines of requirements.txt."""
    lines = (line.split("#")[0].strip() for line in REQUIREMENTS.read_text().splitlines())
    return dict(line.split("==") for line in lines if line)


def test_the_pins_are_colabs_widget_and_torch_stack():
    assert {"torch", "ipywidgets", "numpy", "notebook", "ipykernel"} <= pins().keys()
    assert pins()["ipywidgets"].startswith("7.")  # the point of this environment


@pytest.mark.parametrize("name", sorted(pins()))
def test_installed_version_is_the_pin(name):
    assert version(name) == pins()[name]


def test_the_imported_modules_are_the_pinned_ones():
    import ipywidgets
    import numpy
    import torch

    assert ipywidgets.__version__ == pins()["ipywidgets"]
    assert numpy.__version__ == pins()["numpy"]
    assert torch.__version__.split("+")[0] == pins()["torch"]


def test_the_package_is_this_checkout():
    import densenet_lab

    assert Path(densenet_lab.__file__).resolve().parents[1] == Path(__file__).resolve().parents[2]


def test_python_is_colabs_when_this_machine_has_it():
    """Colab runs Python 3.13; tools/test_colab.sh falls back to python3 only where there is no 3.13."""
    assert sys.version_info >= (3, 10)
