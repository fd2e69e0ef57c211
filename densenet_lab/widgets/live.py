"""The live explorer: ipywidgets controls over ``Explorer.frame``, figures as PNG images.

Only ipywidgets' own controls (sliders, menus, ``Image``, ``HTML``) are used, so it works
wherever ipywidgets do: JupyterLab, Notebook 6 and 7, and Colab's ipywidgets 7.7.1, which
renders no third-party widget model (see ``core`` for why the figures are PNGs).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from .figure import Figure, figure_png

if TYPE_CHECKING:
    from .core import Control, Explorer, Frame


class LiveView:
    """The ipywidgets form of an explorer (one per display)."""

    def __init__(self, explorer: Explorer) -> None:
        import ipywidgets as w

        self.explorer = explorer
        self.inputs = {c.name: _input_widget(w, c, explorer.defaults[c.name]) for c in explorer.visible_controls}
        self.images = w.VBox()  # one PNG per figure, each replaced in place
        self.numbers = w.HTML(layout=w.Layout(min_width="260px"))
        self.warning = w.HTML()
        for widget in self.inputs.values():
            widget.observe(self._changed, names="value")
        header = w.HTML(f"<b>{html.escape(explorer.title)}</b>"
                        + (f"<br><small>{html.escape(explorer.note)}</small>" if explorer.note else ""))
        controls = w.GridBox(list(self.inputs.values()),
                             layout=w.Layout(grid_template_columns="repeat(2, minmax(260px, 1fr))"))
        self.box = w.VBox([header, controls, self.warning, w.HBox([self.images, self.numbers])])
        self.render()
        self.box.children += tuple(explorer.live_extras(self))

    def settings(self) -> dict[str, Any]:
        return {**self.explorer.defaults, **{name: widget.value for name, widget in self.inputs.items()}}

    def _changed(self, _change=None) -> None:
        # no debounce timer: a slider reports its value when the user lets go
        # (continuous_update=False), so a drag redraws once, here, in the kernel's thread
        self.render()

    def render(self) -> Frame | None:
        """Recompute and redraw now; a failing setting shows its error instead of raising.

        Called in the kernel's own thread only (a change of a control, the end of a training
        task): renders never overlap, and each shows the settings of its moment."""
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
