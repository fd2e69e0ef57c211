"""Argument checks shared by the models, the analysis functions and the CLI.

Every check raises ``ValueError`` whose message names the argument, the value it
got and what is allowed, so a student sees at once what to change.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence


def check_int(name: str, value: object, *, minimum: int = 1, maximum: int | None = None) -> int:
    """Return ``value`` as an int, or raise if it is not an integer in ``[minimum, maximum]``."""
    allowed = f"an integer >= {minimum}" if maximum is None else f"an integer in [{minimum}, {maximum}]"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {allowed}, got {value}")
    return int(value)


def check_bool(name: str, value: object) -> bool:
    """Return ``value`` if it is ``True`` or ``False`` (also NumPy's), else raise: a string such as
    ``"no"`` or ``"False"`` is truthy and would silently mean ``True``."""
    if isinstance(value, bool):
        return value
    if type(value).__module__ == "numpy" and type(value).__name__ in ("bool", "bool_"):
        return bool(value)
    raise ValueError(f"{name} must be True or False, got {value!r}")


def check_fraction(name: str, value: object, *, include_zero: bool, include_one: bool) -> float:
    """Return ``value`` as a float, or raise if it lies outside the interval between 0 and 1.

    ``include_zero`` and ``include_one`` say whether the interval is closed at each end:
    compression is allowed in (0, 1], a dropout rate in [0, 1).
    """
    interval = ("[" if include_zero else "(") + "0, 1" + ("]" if include_one else ")")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number in {interval}, got {value!r}")
    v = float(value)
    low_ok = v >= 0 if include_zero else v > 0
    high_ok = v <= 1 if include_one else v < 1
    if not (low_ok and high_ok):
        raise ValueError(f"{name} must be a number in {interval}, got {value}")
    return v


def check_lr(name: str, value: object) -> float:
    """Return a learning rate in (0, 10] as a float, or raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value <= 10:
        raise ValueError(f"{name} must be in (0, 10], got {value!r}")
    return float(value)


def check_block_config(name: str, value: object) -> tuple[int, ...]:
    """Return the number of layers per dense block as a tuple of positive ints."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) == 0:
        raise ValueError(
            f"{name} must be a non-empty sequence of positive integers "
            f"(layers per dense block, e.g. (6, 12, 24, 16)), got {value!r}"
        )
    for i, n in enumerate(value):
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(
                f"{name} must contain positive integers (layers per dense block), "
                f"got {value!r} (entry {i} is {n!r})"
            )
    return tuple(int(n) for n in value)


def check_choice(name: str, value: object, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise listing them."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return str(value)
