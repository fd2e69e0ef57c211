"""The static explorer: precomputed frames in the page, redrawn by ``static/explorer.js``.

``static_html`` writes an HTML fragment: the controls shown (range inputs, menus, checkboxes
over the grid's values), the grid as JSON, ``static/explorer.css`` and ``static/explorer.js``
(read from the package when an explorer is displayed). The JSON, in
``<script type="application/json" class="dlab-data">``::

    {"controls": [name, ...], "names": [[display name of each grid value], ...],
     "labels": part, "rows": {label: part}, "warning": part, "figures": [part, ...],
     "pool": [value, ...],
     "url": {"key": explorer key, "keys": [control key, ...], "kinds": [kind, ...],
             "values": [[each grid value as a link writes it], ...], "ranges": [[low, high] or null, ...]}}

``controls`` lists every control, the hidden ones (``Explorer(controls=...)``) too, with the one
value the page keeps for them; the fragment has an input for the others only. ``url`` is what
a page's link (``#arch:k=24,b=1``, see explorer.js) needs: the explorer's and each control's
key, each control's kind (``"slider"``, ``"toggle"``, ``"dropdown"``), its grid values as
``Control.url_value`` writes them (``"24"``, ``"0.5"``, ``"1"`` for a toggle on, ``"cifar100"``),
and a slider's lowest and highest live value (what the live explorer accepts).

A *part* is one piece of a frame: the list of row labels, one row's text, the warning, one
figure as plotly.js JSON (``null`` where a frame lacks it). It is stored once for each
combination of the controls it depends on, ``{"on": [control positions], "values": [...]}``
in ``itertools.product`` order over those controls, so a number that does not depend on
the batch is not repeated for every batch. A value (string, list or object of 12 or more
characters of JSON) that occurs more than once in the parts is stored once in ``pool`` and
written ``{"$": index}`` where it occurs; the pool's own entries may refer to earlier ones.
"""

from __future__ import annotations

import functools
import html
import itertools
import json
from collections import Counter
from importlib import resources
from typing import TYPE_CHECKING, Any

from ..i18n import t
from .figure import figure_plotly

if TYPE_CHECKING:
    from .core import Control, Explorer, Frame

POOL_MIN_CHARS = 12  # a shorter value costs less written out than as {"$": index}


@functools.cache
def asset(name: str) -> str:
    """A file of ``densenet_lab/widgets/static`` (package data), e.g. ``"explorer.js"``."""
    return (resources.files(__package__) / "static" / name).read_text(encoding="utf-8")


def static_html(explorer: Explorer, preview: bool = False) -> str:
    """The static explorer over the whole precomputed grid, or with ``preview`` over the
    explorer's settings only (its toggles still work): what a notebook keeps beside the live
    widget, small and quick to compute."""
    grid = [(explorer.defaults[c.name],) if preview and c.kind != "toggle" else values
            for c, values in zip(explorer.controls, explorer.static_grid())]
    frames = explorer.static_frames(grid)
    spec = {**encode_grid(explorer.controls, grid, frames), "url": link_spec(explorer.key, explorer.controls, grid)}
    data = json.dumps(spec, separators=(",", ":")).replace("</", "<\\/")
    controls = "".join(_static_control(c, values, explorer.defaults[c.name])
                       for c, values in zip(explorer.controls, grid) if c.name in explorer.visible)
    count = t("Static version: {count} precomputed settings.", explorer.lang, count=f"{len(frames):,}")
    note = f"{count} {explorer.live_note}"
    return (
        f'<style>{asset("explorer.css")}</style><div class="dlab-explorer" data-dlab-key="{html.escape(explorer.key)}">'
        f"<b>{html.escape(explorer.title)}</b>"
        + (f"<div class='dlab-note'>{html.escape(explorer.note)}</div>" if explorer.note else "")
        + f'<div class="dlab-controls">{controls}</div><div class="dlab-warning"></div>'
        f'<div class="dlab-plots"></div><table class="dlab-numbers"></table>'
        f'<div class="dlab-note">{html.escape(note)}</div>'
        f'<script type="application/json" class="dlab-data">{data}</script>'
        f'<script>{asset("explorer.js")}</script></div>'
    )


def encode_grid(controls: tuple[Control, ...], grid: list[tuple], frames: dict[tuple, Frame]) -> dict[str, Any]:
    """The JSON of the module docstring for ``frames``, one per combination of ``grid``'s values."""
    pieces = {combo: _pieces(frame) for combo, frame in frames.items()}
    keys = list(dict.fromkeys(key for p in pieces.values() for key in p))
    parts = {key: _part(grid, {combo: p.get(key) for combo, p in pieces.items()}) for key in keys}
    pool = _intern([part["values"] for part in parts.values()])
    return {
        "controls": [c.name for c in controls],
        "names": [[c.name_of(v) for v in values] for c, values in zip(controls, grid)],
        "labels": parts[("labels",)],
        "rows": {key[1]: part for key, part in parts.items() if key[0] == "rows"},
        "warning": parts[("warning",)],
        "figures": [parts[key] for key in sorted(k for k in keys if k[0] == "figures")],
        "pool": pool,
    }


def link_spec(key: str, controls: tuple[Control, ...], grid: list[tuple]) -> dict[str, Any]:
    """The JSON's ``"url"`` entry (module docstring): what explorer.js needs to read and write a link."""
    return {
        "key": key,
        "keys": [c.key for c in controls],
        "kinds": [c.kind for c in controls],
        "values": [[c.url_value(v) for v in values] for c, values in zip(controls, grid)],
        "ranges": [[min(c.values), max(c.values)] if c.kind == "slider" else None for c in controls],
    }


def _pieces(frame: Frame) -> dict[tuple, Any]:
    pieces: dict[tuple, Any] = {("labels",): list(frame.shown), ("warning",): frame.warning}
    pieces.update({("rows", label): text for label, text in frame.shown.items()})
    pieces.update({("figures", i): figure_plotly(f) for i, f in enumerate(frame.figures)})
    return pieces


def _part(grid: list[tuple], values: dict[tuple, Any]) -> dict[str, Any]:
    """``values`` (one per combination) stored over the controls that change them."""
    text = {combo: json.dumps(v, sort_keys=True) for combo, v in values.items()}

    def changes(i: int) -> bool:  # moving control i alone, from its first value, ever changes the value
        return any(text[combo[:i] + (grid[i][0],) + combo[i + 1:]] != t for combo, t in text.items())

    on = [i for i in range(len(grid)) if changes(i)]
    kept = itertools.product(*(values_i if i in on else values_i[:1] for i, values_i in enumerate(grid)))
    return {"on": on, "values": [values[combo] for combo in kept]}


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _intern(tables: list[list]) -> list:
    """Rewrite the tables' values in place with the repeated ones moved to a pool; return the pool."""
    counts: Counter[str] = Counter()

    def count(v: Any) -> None:
        if isinstance(v, (str, list, dict)) and len(_json(v)) >= POOL_MIN_CHARS:
            counts[_json(v)] += 1
        for child in v.values() if isinstance(v, dict) else v if isinstance(v, list) else ():
            count(child)

    pool: list = []
    index: dict[str, int] = {}

    def encode(v: Any) -> Any:
        if isinstance(v, dict) and "$" in v:
            raise ValueError("an explorer's figures and numbers may not use '$' as a key (the pool's references do)")
        text = _json(v) if isinstance(v, (str, list, dict)) else ""
        if counts[text] > 1:
            if text not in index:
                pool.append(_children(v, encode))
                index[text] = len(pool) - 1
            return {"$": index[text]}
        return _children(v, encode)

    for table in tables:
        for v in table:
            count(v)
    for table in tables:
        table[:] = [encode(v) for v in table]
    return pool


def _children(v: Any, encode) -> Any:
    if isinstance(v, dict):
        return {k: encode(x) for k, x in v.items()}
    return [encode(x) for x in v] if isinstance(v, list) else v


def _static_control(c: Control, values: tuple, default: Any) -> str:
    label = html.escape(c.label)
    if c.kind == "toggle":
        checked = " checked" if default else ""
        return f'<label><input type="checkbox" data-control="{c.name}"{checked}> {label}</label>'
    fixed = " disabled" if len(values) == 1 else ""  # a preview's setting, shown but not offered
    if c.kind == "dropdown":
        options = "".join(f'<option value="{i}"{" selected" if v == default else ""}>{html.escape(c.name_of(v))}</option>'
                          for i, v in enumerate(values))
        return f'<label class="dlab-wide">{label} <select data-control="{c.name}"{fixed}>{options}</select></label>'
    return (f'<label>{label} <input type="range" data-control="{c.name}" min="0" max="{len(values) - 1}" step="1" '
            f'value="{values.index(default)}"{fixed}> <output data-for="{c.name}">{html.escape(c.name_of(default))}</output></label>')
