"""Chapter 1's explorer: a Taylor polynomial of growing order and its error."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from .core import Control, Explorer, Figure, Frame, Trace

# name -> (f, i-th Taylor coefficient at 0, plotted interval, y-limits, formula)
FUNCTIONS = {
    "exp": (np.exp, lambda i: 1 / math.factorial(i), (-3.0, 3.0), (-2.0, 21.0), "exp(x)"),
    "sin": (np.sin, lambda i: 0.0 if i % 2 == 0 else (-1) ** (i // 2) / math.factorial(i), (-2 * math.pi, 2 * math.pi), (-2.0, 2.0), "sin(x)"),
    "cos": (np.cos, lambda i: 0.0 if i % 2 else (-1) ** (i // 2) / math.factorial(i), (-2 * math.pi, 2 * math.pi), (-2.0, 2.0), "cos(x)"),
    "log1p": (np.log1p, lambda i: 0.0 if i == 0 else (-1) ** (i + 1) / i, (-0.95, 2.0), (-3.0, 1.5), "log(1 + x)"),
}


def taylor_coefficients(function: str, order: int) -> list[float]:
    """Coefficients ``c_0 .. c_order`` of the Taylor polynomial of ``function`` at 0."""
    coefficient = FUNCTIONS[function][1]
    return [coefficient(i) for i in range(order + 1)]


def taylor_polynomial(function: str, order: int, x: np.ndarray | float) -> np.ndarray | float:
    """``sum_i c_i x**i`` for ``i <= order``: the order-``order`` approximation of ``function``."""
    return sum(c * np.asarray(x, dtype=float) ** i for i, c in enumerate(taylor_coefficients(function, order)))


def _formula(coefficients: list[float]) -> str:
    """``[1, 1, 0.5]`` -> ``"1 + x + x^2/2"``."""
    terms = []
    for i, c in enumerate(coefficients):
        if c == 0:
            continue
        power, inverse = ("x" if i == 1 else f"x^{i}"), 1 / abs(c)
        if i == 0:
            term = f"{abs(c):.3g}"
        elif math.isclose(inverse, round(inverse)):
            term = power if round(inverse) == 1 else f"{power}/{round(inverse)}"
        else:
            term = f"{abs(c):.3g} {power}"
        terms.append(("- " if c < 0 else "+ ") + term)
    return " ".join(terms).removeprefix("+ ") or "0"


class TaylorExplorer(Explorer):
    """Choose a function and the expansion order; see the approximation and its error."""

    key = "taylor"  # links: #taylor:f=sin,n=7
    title = "Taylor expansion around 0"
    note = "Each extra term corrects what the lower orders missed, inside the series' radius of convergence."
    controls = (
        Control("function", "function", tuple(FUNCTIONS), "exp", names=tuple(f[4] for f in FUNCTIONS.values()),
                key="f"),
        Control("order", "order n", tuple(range(16)), 3, static=tuple(range(13)), key="n"),
    )

    def translated(self, c: Control) -> Control:
        """The label in the reader's language; the functions' names are formulas, the same in every language."""
        return dataclasses.replace(c, label=self.t(c.label))

    def compute(self, function: str, order: int) -> Frame:
        f, _, (lo, hi), ylim, label = FUNCTIONS[function]
        text = self.figure_text
        x = np.linspace(lo, hi, 161)
        approx = taylor_polynomial(function, order, x)
        traces = [Trace(label, x.round(4).tolist(), f(x).tolist(), color="black"),
                  Trace(text("order {order}", order=order), x.round(4).tolist(), np.clip(approx, -1e6, 1e6).tolist(),
                        color="#d62728")]
        if function == "log1p":  # the series converges only for |x| < 1
            traces.append(Trace(text("radius of convergence, x = 1"), [1.0, 1.0], list(ylim), color="#7f7f7f", dash=True))
        title = text("{label} and its order-{order} Taylor polynomial", label=label, order=order)
        frame = self.new_frame([Figure(traces, title=title, xlabel="x", ylabel="y", ylim=ylim)])
        frame.add("T_n(x)", _formula(taylor_coefficients(function, order)))
        error_at_1 = abs(float(f(1.0)) - float(taylor_polynomial(function, order, 1.0)))
        frame.add("error at x = 1", error_at_1, f"{error_at_1:.2e}")
        max_error = float(np.max(np.abs(f(x) - approx)))
        frame.add("largest error on [{low}, {high}]", max_error, f"{max_error:.2e}", low=f"{lo:.3g}", high=f"{hi:.3g}")
        return frame
