"""What every explorer shares: controls, frames, and the two ways to show them.

An explorer is a function from settings to a ``Frame`` (numbers, figures, a warning),
plus the controls that choose the settings. It is shown in two ways from that one function:

* live, with a kernel (Jupyter, JupyterLab, Colab, Thebe): ipywidgets controls; each
  change (a slider's, when it is let go) recomputes the frame and redraws the figures in place as PNGs;
* static, with no kernel (the rendered book): the frames for a grid of settings are
  computed in advance and shipped as JSON in the page with a few lines of JavaScript
  that redraw them with plotly.js when a control moves.

Displaying an explorer in a notebook sends both; a live frontend shows the widget, the
book (which drops the widget view, see ``_config.yml``) shows the static version.
"""

from __future__ import annotations

import dataclasses
import html
import io
import itertools
import json
import math
import numbers
import sys
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_STATIC_FRAMES = 5000
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


@dataclass(frozen=True)
class Control:
    """One setting of an explorer.

    Args:
        name: the keyword ``compute`` receives.
        label: what the reader sees.
        values: every value the live widget offers, in order (a slider's ascending).
        default: the value shown first.
        static: the values precomputed for the static page (default: all of ``values``).
        names: display names for the values (default ``str(value)``).
    """

    name: str
    label: str
    values: tuple[Any, ...]
    default: Any
    static: tuple[Any, ...] | None = None
    names: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.default not in self.values:
            raise ValueError(f"{self.name}: the default {self.default!r} is not one of its values")
        if self.static is not None and (self.default not in self.static or not set(self.static) <= set(self.values)):
            raise ValueError(f"{self.name}: static values must be a subset of the values and contain the default")
        if self.names is not None and len(self.names) != len(self.values):
            raise ValueError(f"{self.name}: names must have one entry per value")
        if any(isinstance(v, bool) for v in self.values) and tuple(self.static_values) != (False, True):
            raise ValueError(f"{self.name}: a toggle offers (False, True), in that order, live and static")

    @property
    def kind(self) -> str:
        """``"toggle"`` for booleans, ``"slider"`` for numbers, ``"dropdown"`` otherwise."""
        if all(isinstance(v, bool) for v in self.values):
            return "toggle"
        if all(isinstance(v, (int, float)) for v in self.values):
            return "slider"
        return "dropdown"

    def name_of(self, value: Any) -> str:
        return self.names[self.values.index(value)] if self.names else str(value)

    @property
    def static_values(self) -> tuple[Any, ...]:
        return self.values if self.static is None else self.static

    def check(self, value: Any) -> Any:
        """``value`` if the control accepts it, else a ``ValueError`` naming the setting.

        A toggle accepts ``False`` and ``True``, a dropdown its values; a slider also any number
        of its kind (integers for a slider of integers) between its first and last value.
        """
        if isinstance(value, bool) == (self.kind == "toggle") and value in self.values:
            return self.values[self.values.index(value)]  # e.g. 12 for 12.0
        if self.kind != "slider":
            shown = ", ".join(map(repr, self.values)) if len(self.values) <= 12 else (
                f"{self.values[0]!r} to {self.values[-1]!r} ({len(self.values)} values)")
            raise ValueError(f"{self.name} must be one of {shown}, got {value!r}")
        integers = all(isinstance(v, int) for v in self.values)
        low, high = min(self.values), max(self.values)
        kind_ok = isinstance(value, numbers.Integral if integers else numbers.Real) and not isinstance(value, bool)
        if not kind_ok or not low <= value <= high:
            every_integer = integers and self.values == tuple(range(low, high + 1))
            steps = "" if every_integer or len(self.values) > 12 else (
                f" (the slider's steps: {', '.join(map(str, self.values))})")
            raise ValueError(f"{self.name} must be {'an integer' if integers else 'a number'} from {low} to {high}"
                             f"{steps}, got {value!r}")
        return int(value) if integers else float(value)

    def including(self, value: Any) -> Control:
        """This control with ``value`` among its values, live and static: an explorer started at a
        value between a slider's steps, or outside the precomputed grid, shows it in both views."""
        value = self.check(value)
        values = self.values if value in self.values else tuple(sorted((*self.values, value)))
        static = None if self.static is None else tuple(v for v in values if v in self.static or v == value)
        names = None if self.names is None else tuple(self.name_of(v) if v in self.values else str(v) for v in values)
        return dataclasses.replace(self, values=values, static=static, names=names)


@dataclass
class Trace:
    """One series of a figure: ``kind`` is ``"line"``, ``"markers"``, ``"lines+markers"`` or ``"bar"``."""

    name: str
    x: Sequence[Any]
    y: Sequence[float]
    kind: str = "line"
    color: str | None = None
    dash: bool = False


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


@dataclass
class Frame:
    """The result for one setting: named numbers, figures and a warning (or ``""``).

    ``values`` holds the raw numbers (what the tests compare with ``densenet_lab.analysis``),
    ``shown`` the same numbers formatted for the reader, in display order.
    """

    figures: list[Figure] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    shown: dict[str, str] = field(default_factory=dict)
    warning: str = ""

    @property
    def figure(self) -> Figure | None:
        """The first figure (most explorers draw one)."""
        return self.figures[0] if self.figures else None

    def add(self, label: str, value: Any, text: str | None = None) -> None:
        """Record ``value`` under ``label``, shown as ``text`` (default: ints with thousands separators)."""
        if text is None:
            text = f"{value:,}" if isinstance(value, int) else str(value)
        self.values[label], self.shown[label] = value, text


class Explorer:
    """Base class: subclasses set ``controls`` and implement ``compute(**settings) -> Frame``.

    ``Explorer(**defaults)`` starts the controls at other values (each one checked); a value
    between a slider's steps, or outside the static grid, joins them for this explorer, so both
    the live and the static view can show it.
    """

    controls: tuple[Control, ...] = ()
    title: str = ""
    note: str = ""  # one sentence under the title, e.g. where the numbers come from
    live_note = "Run this page in Colab, Binder or with Live Code (rocket icon above) for the live explorer with every value."

    def __init__(self, **defaults: Any) -> None:
        known = {c.name: c for c in self.controls}
        for name, value in defaults.items():
            if name not in known:
                raise ValueError(f"unknown setting {name!r}; this explorer has {', '.join(known)}")
        self.controls = tuple(c.including(defaults[c.name]) if c.name in defaults else c for c in self.controls)
        self.defaults = {c.name: c.check(defaults[c.name]) if c.name in defaults else c.default for c in self.controls}

    def compute(self, **settings: Any) -> Frame:  # pragma: no cover - abstract
        raise NotImplementedError

    def live_extras(self, view: LiveView) -> list:
        """Widgets a subclass adds under the live explorer (e.g. a train button)."""
        return []

    def frame(self, **settings: Any) -> Frame:
        """The frame for ``settings`` (missing ones take the defaults), each value checked."""
        merged = {**self.defaults, **settings}
        checked = {c.name: c.check(merged[c.name]) for c in self.controls}
        unknown = set(merged) - set(checked)
        if unknown:
            raise ValueError(f"unknown setting {sorted(unknown)[0]!r}")
        return self.compute(**checked)

    # ----- live: ipywidgets -----------------------------------------------------------
    def widget(self):
        """The live explorer: controls, the figures (redrawn in place) and the numbers."""
        return LiveView(self).box

    # ----- static: precomputed frames + plotly.js --------------------------------------
    def static_frames(self) -> dict[tuple, Frame]:
        """Every frame of the static grid, keyed by the tuple of setting values."""
        grid = [c.static_values for c in self.controls]
        size = math.prod(len(values) for values in grid)
        if size > MAX_STATIC_FRAMES:
            raise ValueError(f"the static grid has {size} frames, more than {MAX_STATIC_FRAMES}: give fewer static values")
        return {combo: self.frame(**dict(zip((c.name for c in self.controls), combo))) for combo in itertools.product(*grid)}

    def static_html(self) -> str:
        """A self-contained HTML fragment that works with no kernel (see the module docstring)."""
        return static_html(self)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        """The live widget's view and the static HTML: a frontend with a kernel shows the
        first, the rendered book the second. (Written out by hand: ipywidgets 7, which
        Colab may have, has no ``_repr_mimebundle_``.) Colab gets the widget alone: it has
        a widget manager, and nobody builds a book from it."""
        bundle = {"text/plain": f"<{type(self).__name__}: run in Jupyter or Colab to explore>"}
        try:
            widget = self.widget()
        except ImportError:  # no ipywidgets: the static version still works
            widget = None
        if widget is not None:
            bundle["application/vnd.jupyter.widget-view+json"] = {"version_major": 2, "version_minor": 0,
                                                                  "model_id": widget.model_id}
        if widget is None or "google.colab" not in sys.modules:
            bundle["text/html"] = self.static_html()
        return bundle


class LiveView:
    """The ipywidgets form of an explorer (one per display)."""

    def __init__(self, explorer: Explorer) -> None:
        import ipywidgets as w

        self.explorer = explorer
        self.inputs = {c.name: _input_widget(w, c, explorer.defaults[c.name]) for c in explorer.controls}
        self.images = w.VBox()  # one PNG per figure, each replaced in place
        self.numbers = w.HTML(layout=w.Layout(min_width="260px"))
        self.warning = w.HTML()
        self._render_lock = threading.Lock()
        for widget in self.inputs.values():
            widget.observe(self._changed, names="value")
        header = w.HTML(f"<b>{html.escape(explorer.title)}</b>" + (f"<br><small>{html.escape(explorer.note)}</small>" if explorer.note else ""))
        controls = w.GridBox(list(self.inputs.values()), layout=w.Layout(grid_template_columns="repeat(2, minmax(260px, 1fr))"))
        self.box = w.VBox([header, controls, self.warning, w.HBox([self.images, self.numbers])])
        self.render()
        self.box.children += tuple(explorer.live_extras(self))

    def settings(self) -> dict[str, Any]:
        return {name: widget.value for name, widget in self.inputs.items()}

    def _changed(self, _change=None) -> None:
        # no debounce timer: a slider reports its value when the user lets go
        # (continuous_update=False), so a drag redraws once, here, in the kernel's thread
        self.render()

    def render(self) -> Frame | None:
        """Recompute and redraw now; a failing setting shows its error instead of raising.

        One render at a time, each reading the settings when it starts: the last one to
        finish always shows the latest settings."""
        with self._render_lock:
            try:
                frame = self.explorer.frame(**self.settings())
            except ValueError as error:
                self.warning.value = _warning_html(str(error))
                return None
            self._draw(frame.figures)
            self.numbers.value = numbers_html(frame.shown)
            self.warning.value = _warning_html(frame.warning) if frame.warning else ""
            return frame

    def _draw(self, figures: list[Figure]) -> None:
        import ipywidgets as w

        images = list(self.images.children)
        while len(images) < len(figures):
            images.append(w.Image(format="png", layout=w.Layout(width="560px", min_width="360px")))
        for image, figure in zip(images, figures):
            image.value = figure_png(figure)
        self.images.children = tuple(images[: len(figures)])


def _input_widget(w, c: Control, value: Any):
    style = {"description_width": "initial"}
    layout = w.Layout(width="auto")
    if c.kind == "toggle":
        return w.Checkbox(value=value, description=c.label, indent=False, style=style, layout=layout)
    options = [(c.name_of(v), v) for v in c.values]
    if c.kind == "dropdown":
        return w.Dropdown(options=options, value=value, description=c.label, style=style, layout=layout)
    return w.SelectionSlider(options=options, value=value, description=c.label, continuous_update=False,
                             style=style, layout=layout)


def _warning_html(text: str) -> str:
    return f'<div style="color:#a94400;font-weight:bold">&#9888; {html.escape(text)}</div>'


def numbers_html(shown: dict[str, str]) -> str:
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td style='text-align:right'><b>{html.escape(v)}</b></td></tr>"
                   for k, v in shown.items())
    return f'<table class="dlab-numbers">{rows}</table>'


def figure_png(figure: Figure, dpi: int = 96) -> bytes:
    """Draw ``figure`` with matplotlib (no pyplot state, safe from any thread)."""
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=(5.8, 3.6), dpi=dpi, layout="constrained")
    ax = fig.add_subplot()
    bars = [t for t in figure.traces if t.kind == "bar"]
    # bars sit on categories: stacked on one another, or side by side in groups
    categories = list(dict.fromkeys(str(x) for t in bars for x in t.x))
    where = {c: i for i, c in enumerate(categories)}
    width = 0.8 if figure.stacked or not bars else 0.8 / len(bars)
    bottoms = [0.0] * len(categories)
    for i, t in enumerate(figure.traces):
        color = t.color or PALETTE[i % len(PALETTE)]
        if t.kind == "bar":
            shift = 0.0 if figure.stacked else (bars.index(t) - (len(bars) - 1) / 2) * width
            pos = [where[str(x)] for x in t.x]
            base = [bottoms[p] for p in pos] if figure.stacked else None
            ax.bar([p + shift for p in pos], t.y, width=width, bottom=base, color=color, label=t.name)
            if figure.stacked:
                for p, y in zip(pos, t.y):
                    bottoms[p] += y
        else:
            x = [where[str(v)] for v in t.x] if categories else t.x
            line = "none" if t.kind == "markers" else ("--" if t.dash else "-")
            ax.plot(x, t.y, color=color, label=t.name, linestyle=line, marker=None if t.kind == "line" else "o")
    if categories:
        ax.set_xticks(range(len(categories)), categories, rotation=45 if len(categories) > 8 and max(map(len, categories)) > 3 else 0)
    if figure.ylim:
        ax.set_ylim(*figure.ylim)
    if figure.log_y:
        ax.set_yscale("log")
    ax.set(title=figure.title, xlabel=figure.xlabel, ylabel=figure.ylabel)
    ax.grid(True, alpha=0.3)
    if len(figure.traces) > 1:
        ax.legend(fontsize="small")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def figure_plotly(figure: Figure) -> dict[str, Any]:
    """The same figure as plotly.js ``{data, layout}`` JSON."""
    data = []
    for i, t in enumerate(figure.traces):
        color = t.color or PALETTE[i % len(PALETTE)]
        trace: dict[str, Any] = {"name": t.name, "x": list(t.x), "y": [_round(v) for v in t.y]}
        if t.kind == "bar":
            trace.update(type="bar", marker={"color": color})
        else:
            trace.update(type="scatter", mode=t.kind if t.kind != "line" else "lines",
                         line={"color": color, "dash": "dash" if t.dash else "solid"})
        data.append(trace)
    yaxis: dict[str, Any] = {"title": {"text": figure.ylabel}, "type": "log" if figure.log_y else "linear"}
    if figure.ylim:
        yaxis["range"] = list(figure.ylim)
    layout = {
        "title": {"text": figure.title, "font": {"size": 14}},
        "xaxis": {"title": {"text": figure.xlabel}, "type": "category" if any(t.kind == "bar" for t in figure.traces) else "-"},
        "yaxis": yaxis,
        "barmode": "stack" if figure.stacked else "group",
        "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
        "height": 360,
        "showlegend": len(figure.traces) > 1,
        "legend": {"orientation": "h", "y": -0.25},
    }
    return {"data": data, "layout": layout}


def _round(v: Any) -> Any:
    return float(f"{v:.5g}") if isinstance(v, float) else v


PLOTLY_CDN = "https://cdn.plot.ly/plotly-2.35.2.min.js"

# Runs once per explorer on the page: find the data, wire the controls, draw the frame.
_SCRIPT = """
(function () {
  var root = document.getElementById("%(id)s");
  var spec = JSON.parse(root.querySelector("script.dlab-data").textContent);
  var inputs = root.querySelectorAll("[data-control]");
  var plots = root.querySelector(".dlab-plots");
  function key() {
    return Array.prototype.map.call(inputs, function (el) {
      return el.type === "checkbox" ? (el.checked ? 1 : 0) : el.value;
    }).join(",");
  }
  function esc(s) { var d = document.createElement("div"); d.textContent = s; return d.innerHTML; }
  function draw() {
    Array.prototype.forEach.call(inputs, function (el) {
      var out = root.querySelector('output[data-for="' + el.dataset.control + '"]');
      if (out) { out.textContent = spec.names[el.dataset.control][+el.value]; }
    });
    var f = spec.frames[key()];
    root.querySelector(".dlab-numbers").innerHTML = f.n.map(function (r) {
      return "<tr><td>" + esc(r[0]) + "</td><td><b>" + esc(r[1]) + "</b></td></tr>";
    }).join("");
    root.querySelector(".dlab-warning").innerHTML = f.w ? "&#9888; " + esc(f.w) : "";
    while (plots.children.length < f.p.length) {
      var div = document.createElement("div"); div.className = "dlab-plot"; plots.appendChild(div);
      if (window.ResizeObserver) { new ResizeObserver(resize).observe(div); }
    }
    Array.prototype.forEach.call(plots.children, function (div, i) {
      div.style.display = i < f.p.length ? "" : "none";
      if (i < f.p.length && window.Plotly) {
        var p = spec.plots[f.p[i]];
        window.Plotly.react(div, p.data, p.layout, {displayModeBar: false, responsive: true});
      }
    });
  }
  function resize(entries) {  // the box changed size (not only the window): refit the figure
    entries.forEach(function (e) { if (window.Plotly && e.target.data) { window.Plotly.Plots.resize(e.target); } });
  }
  Array.prototype.forEach.call(inputs, function (el) { el.addEventListener("input", draw); el.addEventListener("change", draw); });
  draw();  // the numbers work without plotly.js
  if (!window.Plotly) {  // outside the book (which serves plotly.js itself): fetch it for the figures
    var s = document.createElement("script"); s.src = "%(cdn)s"; s.onload = draw; document.head.appendChild(s);
  }
})();
"""

# A light card in light and dark themes alike; figures above, numbers below them.
_STYLE = """<style>
.dlab-explorer {border:1px solid #ccd; border-radius:6px; padding:10px; margin:8px 0; font-size:0.9em;
  background:#fff; color:#222; color-scheme:light}
.dlab-explorer .dlab-controls {display:grid; grid-template-columns:repeat(auto-fill, minmax(250px, 1fr)); gap:4px 16px; margin:6px 0}
.dlab-explorer label {display:flex; align-items:center; gap:6px; min-width:0}
.dlab-explorer label.dlab-wide {grid-column:1 / -1}
.dlab-explorer input[type=range], .dlab-explorer select {flex:1; min-width:0; max-width:100%}
.dlab-explorer .dlab-plots {display:flex; flex-wrap:wrap; gap:8px}
.dlab-explorer .dlab-plot {flex:1 1 420px; min-width:0; min-height:360px; overflow:hidden}
.dlab-explorer .dlab-warning {color:#a94400; font-weight:bold}
.dlab-explorer table.dlab-numbers td {padding:1px 8px; vertical-align:top}
.dlab-explorer table.dlab-numbers td:first-child {white-space:nowrap}
.dlab-explorer .dlab-note {color:#444; font-size:0.85em}
</style>"""


def static_html(explorer: Explorer) -> str:
    """The static explorer: controls over the precomputed grid, numbers and a plotly figure."""
    uid = "dlab-" + uuid.uuid4().hex[:12]
    frames = explorer.static_frames()
    plots: list[dict] = []
    plot_index: dict[str, int] = {}
    table = {}
    for combo, frame in frames.items():
        p = []
        for figure in frame.figures:
            text = json.dumps(figure_plotly(figure), sort_keys=True)
            p.append(plot_index.setdefault(text, len(plot_index)))
            if p[-1] == len(plots):
                plots.append(json.loads(text))
        key = ",".join(str(_index(c, v)) for c, v in zip(explorer.controls, combo))
        table[key] = {"n": list(frame.shown.items()), "w": frame.warning, "p": p}
    spec = {
        "frames": table,
        "plots": plots,
        "names": {c.name: [c.name_of(v) for v in c.static_values] for c in explorer.controls},
    }
    controls = "".join(_static_control(c, explorer.defaults[c.name]) for c in explorer.controls)
    data = json.dumps(spec, separators=(",", ":")).replace("</", "<\\/")
    note = f"Static version: {len(frames):,} precomputed settings. {explorer.live_note}"
    return (
        f'{_STYLE}<div class="dlab-explorer" id="{uid}">'
        f"<b>{html.escape(explorer.title)}</b>"
        + (f"<div class='dlab-note'>{html.escape(explorer.note)}</div>" if explorer.note else "")
        + f'<div class="dlab-controls">{controls}</div><div class="dlab-warning"></div>'
        f'<div class="dlab-plots"></div><table class="dlab-numbers"></table>'
        f'<div class="dlab-note">{html.escape(note)}</div>'
        f'<script type="application/json" class="dlab-data">{data}</script>'
        f"<script>{_SCRIPT % {'id': uid, 'cdn': PLOTLY_CDN}}</script></div>"
    )


def _index(c: Control, value: Any) -> int:
    return c.static_values.index(value)  # a toggle's (False, True) gives the checkbox's 0/1


def _static_control(c: Control, default: Any) -> str:
    label = html.escape(c.label)
    if c.kind == "toggle":
        checked = " checked" if default else ""
        return f'<label><input type="checkbox" data-control="{c.name}"{checked}> {label}</label>'
    values = c.static_values
    if c.kind == "dropdown":
        options = "".join(f'<option value="{i}"{" selected" if v == default else ""}>{html.escape(c.name_of(v))}</option>'
                          for i, v in enumerate(values))
        return f'<label class="dlab-wide">{label} <select data-control="{c.name}">{options}</select></label>'
    return (f'<label>{label} <input type="range" data-control="{c.name}" min="0" max="{len(values) - 1}" step="1" '
            f'value="{values.index(default)}"> <output data-for="{c.name}">{html.escape(c.name_of(default))}</output></label>')
