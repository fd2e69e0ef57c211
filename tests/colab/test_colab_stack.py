"""The environment is Colab's: every pin of requirements.txt is the installed version, and the
package was installed without replacing any of them (a wrong environment fails, never skips)."""

import contextlib
import subprocess
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


def python313_found() -> bool:
    """Whether tools/test_colab.sh finds a Python 3.13: ``python3.13`` that runs, or pyenv's."""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        if subprocess.run(["python3.13", "-c", ""], capture_output=True, timeout=60).returncode == 0:
            return True
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True, timeout=60).stdout.strip()
        return root != "" and any(Path(root).glob("versions/3.13*/bin/python3.13"))
    return False


def test_python_is_colabs_where_this_machine_has_it():
    """Colab runs Python 3.13; the script falls back to python3 only where it finds no 3.13."""
    if python313_found():
        assert sys.version_info[:2] == (3, 13)
    assert sys.version_info >= (3, 10)  # the package's floor
