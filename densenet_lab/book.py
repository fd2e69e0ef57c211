"""What every chapter notebook does first: pick the execution profile and report the setup.

Profiles (``DENSENET_LAB_PROFILE`` overrides the choice):

    ci   tiny runs, seconds per notebook (chosen when the ``CI`` variable is set)
    cpu  small but real runs, minutes (chosen on a machine without a GPU)
    gpu  the full textbook and paper runs (chosen when CUDA is available)

Languages: the book has an English edition and (in ``book/ko`` and ``book/zh``) Korean and
Simplified Chinese ones. Each notebook's second code cell, tagged ``lang``, is
``P = setup(lang="en")`` (``"ko"``, ``"zh"`` in the translations); :func:`current_language`
tells the rest of the package which language the reader reads, and figures, explorers and
messages take their texts from ``densenet_lab.i18n`` in it (the language state lives there;
this module re-exports it). For Korean and Chinese, ``setup`` also registers a CJK font for
matplotlib (``densenet_lab.fonts``) and prints which.
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from typing import TypeVar

import torch

from ._checks import check_choice
from .fonts import use_cjk_font
from .i18n import LANGUAGES, current_language, set_language, t
from .threads import use_default_threads

__all__ = ["LANGUAGES", "PROFILES", "Profile", "current_language", "current_profile", "set_language", "setup"]

PROFILES = ("ci", "cpu", "gpu")
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
        print(t("Runs are scaled down for this profile; on a GPU runtime they run at full size."))
    if current_language() != "en":
        font = use_cjk_font(current_language())  # prints a note itself when there is none
        if font:
            print(t("font for figures: {font}", font=font))
    return profile
