"""What an explorer draws, and the two small backends that draw it.

A ``Figure`` says what to draw (traces, titles, axes) and settles every choice of style
once (``Figure.styled``: each trace's colour, the categories bars sit on, a legend or not).
``figure_png`` draws it with matplotlib for the live explorer, ``figure_plotly`` writes it
as plotly.js JSON for the static page; each only translates those settled choices.
``densenet_lab.widgets.core`` says why there are two.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
KINDS = ("line", "markers", "lines+markers", "bar")


@dataclass
class Trace:
    """One series of a figure: ``kind`` is ``"line"``, ``"markers"``, ``"lines+markers"`` or ``"bar"``."""

    name: str
    x: Sequence[Any]
    y: Sequence[float]
    kind: str = "line"
    color: str | None = None
    dash: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")


@dataclass
class Figure:
    """What the explorer draws, independent of matplotlib and plotly."""

    traces: list[Trace]
    title: str = ""
    xlabel: str = ""
    ylabel: str = ""
    ylim: tuple[float, float] | None = None
    log_y: bool = False
    stacked: bool = False

    def styled(self) -> list[tuple[Trace, str]]:
        """Each trace with its colour: its own, else the palette's by position."""
        return [(t, t.color or PALETTE[i % len(PALETTE)]) for i, t in enumerate(self.traces)]

    @property
    def categories(self) -> list[str]:
        """The x values as categories, in order of appearance, when bars are drawn (else ``[]``)."""
        return list(dict.fromkeys(str(x) for t in self.traces if t.kind == "bar" for x in t.x))

    @property
    def legend(self) -> bool:
        return len(self.traces) > 1


def figure_png(figure: Figure, dpi: int = 96) -> bytes:
    """``figure`` drawn by matplotlib as PNG bytes (no pyplot state, safe from any thread)."""
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=(5.8, 3.6), dpi=dpi, layout="constrained")
    ax = fig.add_subplot()
    categories = figure.categories
    where = {c: i for i, c in enumerate(categories)}
    bars = [t for t in figure.traces if t.kind == "bar"]
    width = 0.8 if figure.stacked or not bars else 0.8 / len(bars)  # side by side, unless stacked
    bottoms = [0.0] * len(categories)
    for t, color in figure.styled():
        x = [where[str(v)] for v in t.x] if categories else list(t.x)
        if t.kind == "bar":
            shift = 0.0 if figure.stacked else (bars.index(t) - (len(bars) - 1) / 2) * width
            base = [bottoms[p] for p in x] if figure.stacked else None
            ax.bar([p + shift for p in x], t.y, width=width, bottom=base, color=color, label=t.name)
            if figure.stacked:
                for p, y in zip(x, t.y):
                    bottoms[p] += y
        else:
            line = "none" if t.kind == "markers" else ("--" if t.dash else "-")
            ax.plot(x, t.y, color=color, label=t.name, linestyle=line, marker=None if t.kind == "line" else "o")
    if categories:
        tilt = 45 if len(categories) > 8 and max(map(len, categories)) > 3 else 0
        ax.set_xticks(range(len(categories)), categories, rotation=tilt)
    if figure.ylim:
        ax.set_ylim(*figure.ylim)
    ax.set(title=figure.title, xlabel=figure.xlabel, ylabel=figure.ylabel, yscale="log" if figure.log_y else "linear")
    ax.grid(True, alpha=0.3)
    if figure.legend:
        ax.legend(fontsize="small")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def figure_plotly(figure: Figure) -> dict[str, Any]:
    """``figure`` as plotly.js ``{data, layout}`` JSON; y values keep 5 significant digits."""
    data = []
    for t, color in figure.styled():
        trace: dict[str, Any] = {"name": t.name, "x": list(t.x), "y": [_round(v) for v in t.y]}
        if t.kind == "bar":
            trace.update(type="bar", marker={"color": color})
        else:
            trace.update(type="scatter", mode="lines" if t.kind == "line" else t.kind,
                         line={"color": color, "dash": "dash" if t.dash else "solid"})
        data.append(trace)
    yaxis: dict[str, Any] = {"title": {"text": figure.ylabel}, "type": "log" if figure.log_y else "linear"}
    if figure.ylim:
        yaxis["range"] = list(figure.ylim)
    layout = {
        "title": {"text": figure.title, "font": {"size": 14}},
        "xaxis": {"title": {"text": figure.xlabel}, "type": "category" if figure.categories else "-"},
        "yaxis": yaxis,
        "barmode": "stack" if figure.stacked else "group",
        "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
        "height": 360,
        "showlegend": figure.legend,
        "legend": {"orientation": "h", "y": -0.25},
    }
    return {"data": data, "layout": layout}


def _round(v: Any) -> Any:
    return float(f"{v:.5g}") if isinstance(v, float) else v
