"""What every chapter notebook does first: pick the execution profile and report the setup.

Profiles (``DENSENET_LAB_PROFILE`` overrides the choice):

    ci   tiny runs, seconds per notebook (chosen when the ``CI`` variable is set)
    cpu  small but real runs, minutes (chosen on a machine without a GPU)
    gpu  the full textbook and paper runs (chosen when CUDA is available)

Languages: the book has an English edition and (in ``book/ko`` and ``book/zh``) Korean and
Simplified Chinese ones. Each notebook's second code cell, tagged ``lang``, is
``P = setup(lang="en")`` (``"ko"``, ``"zh"`` in the translations); :func:`current_language`
tells the rest of the package which language the reader reads. Plot labels and messages will
follow it (issue 16); until they do, everything is still written in English.
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from typing import TypeVar

import torch

from ._checks import check_choice
from .threads import use_default_threads

PROFILES = ("ci", "cpu", "gpu")
LANGUAGES = ("en", "ko", "zh")  # English, Korean, Simplified Chinese
_language = "en"  # set by setup(lang=...); read with current_language()
T = TypeVar("T")


@dataclass(frozen=True)
class Profile:
    """The execution profile of a notebook run; ``pick`` chooses a value for it."""

    name: str
    device: torch.device

    def pick(self, *, ci: T, cpu: T, gpu: T) -> T:
        """``P.pick(ci=1, cpu=5, gpu=30)``: the value for this profile."""
        return {"ci": ci, "cpu": cpu, "gpu": gpu}[self.name]

    @property
    def full(self) -> bool:
        """Whether this profile runs the full-size experiments."""
        return self.name == "gpu"


def current_profile() -> Profile:
    """``$DENSENET_LAB_PROFILE`` if set, else ``ci`` under CI, ``gpu`` with CUDA, else ``cpu``."""
    from .device import pick_device

    name = os.environ.get("DENSENET_LAB_PROFILE")
    if name:
        name = check_choice("DENSENET_LAB_PROFILE", name, PROFILES)
    elif os.environ.get("CI"):
        name = "ci"
    else:
        name = "gpu" if torch.cuda.is_available() else "cpu"
    return Profile(name, pick_device())


def current_language() -> str:
    """The reader's language, one of :data:`LANGUAGES`: the last ``setup(lang=...)``, else ``"en"``.

    Plot labels and messages will follow it (the label table of issue 16)."""
    return _language


def set_language(lang: str) -> str:
    """Make ``lang`` (one of :data:`LANGUAGES`) the current language; returns it.

    Anything else is a ValueError naming ``lang`` and the allowed values."""
    global _language
    _language = check_choice("lang", lang, LANGUAGES)
    return _language


def setup(seed: int = 0, *, lang: str | None = None) -> Profile:
    """Seed torch, set plot defaults and the CPU thread count (``densenet_lab.threads``),
    set the reader's language (``lang``: ``"en"``, ``"ko"`` or ``"zh"``, see
    :func:`current_language`; ``None`` keeps the current one, so a later ``setup()`` in a
    Korean notebook stays Korean), print the environment; returns the profile."""
    from . import __version__

    if lang is not None:
        set_language(lang)  # first: a bad lang changes nothing else
    torch.manual_seed(seed)
    try:
        import matplotlib

        matplotlib.rcParams.update({"figure.figsize": (6.4, 3.6), "figure.dpi": 100, "axes.grid": True})
    except ImportError:  # plots are optional outside the book
        pass
    profile = current_profile()
    threads = use_default_threads(profile.name)
    gpu = torch.cuda.get_device_name(profile.device) if profile.device.type == "cuda" else "none"
    print(f"densenet_lab {__version__}, torch {torch.__version__}, Python {platform.python_version()}")
    print(f"device: {profile.device} (GPU: {gpu}); profile: {profile.name}; CPU threads: {threads}")
    if profile.name != "gpu":
        print("Runs are scaled down for this profile; on a GPU runtime they run at full size.")
    return profile
