"""How many CPU threads torch uses, chosen on purpose.

The course's models are small: a convolution on a 16x16 digit is over in microseconds,
so each of the thousands of operations in a training step is a short parallel region
that waits for *all* of torch's intra-op threads. When another process takes one of the
cores (a second notebook kernel, a pytest worker, a browser), one of those threads waits
for the scheduler at every operation and a notebook that took 30 s takes 15 minutes.
One thread fewer than the cores leaves room for everything else, so a busy machine slows
us by about the share of CPU it took, not by 25x:

    ci        1 thread: the tests run notebooks and workers side by side, one per core
    cpu, gpu  the usable cores minus one (at least 1): 1 on Colab's or CI's 2 cores

``DENSENET_LAB_THREADS=N`` chooses N; a user who set ``OMP_NUM_THREADS`` keeps it.
"""

from __future__ import annotations

import os

import torch

from ._checks import check_int

ENV = "DENSENET_LAB_THREADS"


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def default_threads(profile: str | None = None) -> int | None:
    """The intra-op thread count for ``profile`` (see the module docstring); ``None``
    when the user chose one with ``OMP_NUM_THREADS``, which torch already follows."""
    if os.environ.get(ENV):
        try:
            value: object = int(os.environ[ENV])
        except ValueError:
            value = os.environ[ENV]
        return check_int(ENV, value, maximum=1024)
    if os.environ.get("OMP_NUM_THREADS"):
        return None
    if profile == "ci":
        return 1
    return max(1, usable_cores() - 1)


def use_default_threads(profile: str | None = None) -> int:
    """Set torch's intra-op threads to ``default_threads(profile)``; returns the count in use."""
    n = default_threads(profile)
    if n is not None and n != torch.get_num_threads():
        torch.set_num_threads(n)
    return torch.get_num_threads()
