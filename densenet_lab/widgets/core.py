"""What every explorer shares: controls, frames, and the two ways to show them.

An explorer is a function from settings to a ``Frame`` (numbers, figures, a warning),
plus the controls that choose the settings. It is shown in two ways:

* live, with a kernel (JupyterLab, Notebook, Colab): ipywidgets controls; each change (a
  slider's, when it is let go) recomputes the frame and redraws it in place (``live``);
* static, with no kernel (the rendered book): the frames for a grid of settings, computed
  in advance, ship in the page with ``static/explorer.js``, which redraws them with
  plotly.js when a control moves (``static``).

Why two figure backends (``figure.figure_png`` for live, ``figure.figure_plotly`` for
static) and not plotly for both: the live figure must render on Colab's widget stack
(ipywidgets 7.7.1, classic Notebook 6.5) and in JupyterLab. plotly's ``FigureWidget`` is a
third-party widget model, which Colab shows only after
``google.colab.output.enable_custom_widget_manager()`` and even then not reliably
(plotly/plotly.py#2202, googlecolab/colab-cdn-widget-manager#51, open). A plotly figure
shown inside an ``ipywidgets.Output`` fails to appear on Colab ("Plotly is not defined",
googlecolab/colabtools#5889, open in 2026; #1458) and in classic Notebook
(plotly/plotly.py#3541), and plotly's notebook renderers load plotly.js from a CDN or
through require.js, which an offline test cannot exercise. A PNG in an ``ipywidgets.Image``
renders wherever ipywidgets do and a test can check its bytes. The static page cannot run
Python, so it draws with plotly.js. The one description is ``Figure``; every choice of
style is made once in it (``Figure.styled``), and each backend only translates.

The static page keeps its settings in the page's link: ``chapter.html#arch:k=24,b=1`` opens
the explorer whose ``Explorer.key`` is ``arch`` with the controls whose ``Control.key`` are
``k`` and ``b`` at 24 and on, and moving a control writes the link back (``static/explorer.js``
describes the format). ``Explorer(controls=[...])`` shows fewer controls, live and static.

Displaying an explorer sends both views: a frontend with a widget manager shows the
widget, the book (which drops the widget view, see ``_config.yml``) the static one. The
whole static grid is computed and embedded only where a page needs it: when the book is
built (``tools/book_html.py`` sets ``BOOK_ENV``) or when ipywidgets is missing. Elsewhere
the notebook keeps a preview at the explorer's settings, so a saved notebook stays small
and a live display does not wait for thousands of frames; Colab gets the widget alone.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import numbers
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..i18n import figure_text, resolve, t
from .figure import Figure, Trace
from .live import LiveView
from .static import static_html

__all__ = ["BOOK_ENV", "Control", "Explorer", "Figure", "Frame", "LiveView", "Trace"]

BOOK_ENV = "DENSENET_LAB_BOOK"  # set (to "1") while the book is built: embed every precomputed frame
MAX_STATIC_FRAMES = 5000
# a key in a page's link (#arch:k=24,b=1): a letter, then letters, digits or "_"
URL_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


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
        key: the setting's short name in a page's link, e.g. ``"k"`` in ``#arch:k=24``
            (default: ``name``); a letter, then letters, digits or ``_``.
    """

    name: str
    label: str
    values: tuple[Any, ...]
    default: Any
    static: tuple[Any, ...] | None = None
    names: tuple[str, ...] | None = None
    key: str | None = None

    def __post_init__(self) -> None:
        if self.key is None:
            object.__setattr__(self, "key", self.name)  # frozen: set once, here
        if not isinstance(self.key, str) or not URL_KEY.fullmatch(self.key):
            raise ValueError(f"{self.name}: key must be a letter, then letters, digits or '_', got {self.key!r}")
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

    def url_value(self, value: Any) -> str:
        """``value`` as a page's link writes it: ``1``/``0`` for a toggle, a number in its
        shortest form (``0.5``, ``1`` for ``1.0``), otherwise the value itself (``"cifar100"``)."""
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, float):
            return repr(value).removesuffix(".0")
        return str(value)

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
class Frame:
    """The result for one setting: named numbers, figures and a warning (or ``""``).

    ``values`` holds the raw numbers (what the tests compare with ``densenet_lab.analysis``),
    keyed by the row's English label, whatever the reader's language, so code and tests read
    ``frame.values["parameters"]`` in every edition; ``shown`` holds the same numbers formatted
    for the reader, in display order, keyed by the label in ``lang`` (``densenet_lab.i18n``).
    """

    figures: list[Figure] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    shown: dict[str, str] = field(default_factory=dict)
    warning: str = ""
    lang: str = "en"

    @property
    def figure(self) -> Figure | None:
        """The first figure (most explorers draw one)."""
        return self.figures[0] if self.figures else None

    def add(self, label: str, value: Any, text: str | None = None, **fields: Any) -> None:
        """Record ``value`` under ``label`` (English, a key of ``i18n.LABELS``, with ``fields`` filled
        in), shown as ``text`` (default: ints with thousands separators) under the label in ``lang``."""
        if text is None:
            text = f"{value:,}" if isinstance(value, int) else str(value)
        english = label.format(**fields) if fields else label
        self.values[english], self.shown[t(label, self.lang, **fields)] = value, text


class Explorer:
    """Base class: subclasses set ``controls`` and ``key`` and implement ``compute(**settings) -> Frame``.

    ``Explorer(**defaults)`` starts the controls at other values (each one checked); a value
    between a slider's steps, or outside the static grid, joins them for this explorer, so both
    the live and the static view can show it.

    ``Explorer(controls=["growth_rate", "bottleneck"])`` shows only the controls named (in the
    class's order), for a simpler assignment: the others stay at their defaults, or at a value
    given in the same call, and appear neither in the live widget nor in the static page (whose
    grid then holds their one value). ``visible`` holds the names shown.

    ``key`` names the explorer in a page's link, with each control's ``Control.key``: the static
    page opened at ``chapter.html#arch:k=24,b=1`` starts there (``static/explorer.js``).

    ``lang`` (``"en"``, ``"ko"``, ``"zh"``; ``None``: the current language, ``i18n.current_language``)
    is the reader's language: title, notes, control labels, value names, row labels and warnings
    come from ``i18n.LABELS`` in it, figure texts too where a CJK font is installed
    (``i18n.figure_language``). Keys in links and ``Frame.values`` stay English.
    """

    controls: tuple[Control, ...] = ()
    key: str = ""  # the explorer in a page's link (default: the class's name, less "Explorer", lower case)
    title: str = ""
    note: str = ""  # one sentence under the title, e.g. where the numbers come from
    live_note = "Run this page in Colab, Binder or with Live Code (rocket icon above) for the live explorer with every value."

    def __init__(self, *, controls: Iterable[str] | None = None, lang: str | None = None, **defaults: Any) -> None:
        self.lang = resolve(lang)
        self.title, self.note, self.live_note = (self.t(text) if text else "" for text in (self.title, self.note, self.live_note))
        known = {c.name: c for c in self.controls}
        for name in defaults:
            if name not in known:
                raise ValueError(f"unknown setting {name!r}; this explorer has {', '.join(known)}")
        self.controls = tuple(self.translated(c.including(defaults[c.name]) if c.name in defaults else c)
                              for c in self.controls)
        self.defaults = {c.name: c.check(defaults[c.name]) if c.name in defaults else c.default for c in self.controls}
        self.visible = _visible(controls, tuple(known))
        self.key = self.key or type(self).__name__.removesuffix("Explorer").lower() or "explorer"
        check_keys(self.key, self.controls)

    def t(self, text: str, **fields: Any) -> str:
        """``text`` in the explorer's language (``i18n.t``)."""
        return t(text, self.lang, **fields)

    def figure_text(self, text: str, **fields: Any) -> str:
        """A figure's ``text`` in the explorer's language, or English with no CJK font (``i18n.figure_text``)."""
        return figure_text(text, self.lang, **fields)

    def new_frame(self, figures: list[Figure] | None = None) -> Frame:
        """An empty frame in the explorer's language."""
        return Frame(figures or [], lang=self.lang)

    def translated(self, c: Control) -> Control:
        """``c`` with its label and value names in the explorer's language (its key and values unchanged)."""
        names = None if c.names is None else tuple(self.t(n) for n in c.names)
        return dataclasses.replace(c, label=self.t(c.label), names=names)

    @property
    def visible_controls(self) -> tuple[Control, ...]:
        """The controls shown, live and static (all of them unless ``controls=`` chose some)."""
        return tuple(c for c in self.controls if c.name in self.visible)

    def static_grid(self) -> list[tuple]:
        """The values the static page precomputes, one tuple per control: a hidden control's
        value alone, every other control's ``static_values``."""
        return [c.static_values if c.name in self.visible else (self.defaults[c.name],) for c in self.controls]

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
    def static_frames(self, grid: list[tuple] | None = None) -> dict[tuple, Frame]:
        """Every frame of ``grid`` (one tuple of values per control; default: ``static_grid()``),
        keyed by the tuple of setting values."""
        grid = self.static_grid() if grid is None else grid
        size = math.prod(len(values) for values in grid)
        if size > MAX_STATIC_FRAMES:
            raise ValueError(f"the static grid has {size} frames, more than {MAX_STATIC_FRAMES}: give fewer static values")
        return {combo: self.frame(**dict(zip((c.name for c in self.controls), combo))) for combo in itertools.product(*grid)}

    def static_html(self, preview: bool = False) -> str:
        """A self-contained HTML fragment that works with no kernel: every precomputed
        setting, or with ``preview`` the explorer's own settings (see ``static``)."""
        return static_html(self, preview)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        """The live widget's view and the static HTML: a frontend with a kernel shows the
        first, the rendered book the second. (Written out by hand: ipywidgets 7, which
        Colab may have, has no ``_repr_mimebundle_``.) Colab gets the widget alone: it has
        a widget manager, and nobody builds a book from it. The static HTML holds the
        whole grid only when the book is built or there is no widget (module docstring)."""
        bundle = {"text/plain": f"<{type(self).__name__}: run in Jupyter or Colab to explore>"}
        try:
            widget = self.widget()
        except ImportError:  # no ipywidgets: the static version still works
            widget = None
        if widget is not None:
            bundle["application/vnd.jupyter.widget-view+json"] = {"version_major": 2, "version_minor": 0,
                                                                  "model_id": widget.model_id}
        if widget is None or "google.colab" not in sys.modules:
            full = widget is None or os.environ.get(BOOK_ENV) == "1"
            bundle["text/html"] = self.static_html(preview=not full)
        return bundle


def _visible(controls: Iterable[str] | None, names: tuple[str, ...]) -> tuple[str, ...]:
    """The names of ``controls=`` checked against the explorer's ``names``, in the explorer's order."""
    if controls is None:
        return names
    try:
        chosen = None if isinstance(controls, str) else tuple(controls)
    except TypeError:  # not a list at all
        chosen = None
    if chosen is None or not all(isinstance(name, str) for name in chosen):
        raise ValueError(f"controls must be a list of control names (from {', '.join(names)}), got {controls!r}")
    for name in chosen:
        if name not in names:
            raise ValueError(f"controls: unknown control {name!r}; this explorer has {', '.join(names)}")
    return tuple(name for name in names if name in chosen)


def check_keys(key: str, controls: tuple[Control, ...]) -> None:
    """A ``ValueError`` unless ``key`` fits a link and the controls' keys differ from each other."""
    if not isinstance(key, str) or not URL_KEY.fullmatch(key):
        raise ValueError(f"an explorer's key must be a letter, then letters, digits or '_', got {key!r}")
    seen: dict[str, str] = {}
    for c in controls:
        if c.key in seen:
            raise ValueError(f"controls {seen[c.key]!r} and {c.name!r} have the same key {c.key!r}: "
                             "give one of them another key")
        seen[c.key] = c.name
