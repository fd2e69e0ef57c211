"""The book's diagrams, drawn by code as SVG: addition vs concatenation, a dense block,
a transition layer and the whole network.

    python -m densenet_lab.diagrams book/figures        # every language: en, ko, zh
    python -m densenet_lab.diagrams book/figures en     # one language

Each function returns the SVG text of one figure in a language. Every visible word is an
English text of ``WORDS`` and every figure's alt text one of ``ALT``, rendered in the
reader's language from the package's one table, ``densenet_lab.i18n.LABELS``. Every number
comes from a ``DenseNetConfig`` (the registry's) through ``densenet_lab.analysis``: none is
typed here. Colours follow the explorers: grey
for the input and the identity path, blue for new features.
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from . import i18n
from .analysis import layer_schedule, stages
from .models.densenet import DenseNetConfig
from .models.registry import get_entry

# ---------------------------------------------------------------------------------------
# Words, in English: each figure names a text by its short key. Their Korean and Chinese
# renderings are in the package's one table, ``densenet_lab.i18n.LABELS``, keyed by the English text.

WORDS: dict[str, str] = {
    # addition vs concatenation
    "resnet_title": "ResNet: add",
    "densenet_title": "DenseNet: concatenate",
    "identity": "identity: x is passed on",
    "layers": "layers",
    "concat": "concat",
    "channels_c": "C channels",
    "channels_k": "k channels",
    "channels_c_plus_k": "C + k channels",
    "mixed": "x and {fx} mixed",
    "kept": "x kept, {fx} beside it",
    # dense block
    "block_title": "A dense block: L = {L} layers, k₀ = {k0}, growth rate k = {k}",
    "block_connections": "{n} direct connections, L(L+1)/2",
    "block_input_of": "input of H{layer}",
    "block_output": "block output",
    "block_each_column": "each column is the concatenation of all feature maps so far",
    # transition
    "transition_title": "Transition layer {i} of {name} (θ = {theta})",
    "bn_relu_conv": "BN, ReLU,",
    "conv_1x1": "1×1 conv",
    "avg_pool": "2×2 average",
    "pool_stride": "pool, stride 2",
    "keeps_channels": "channels: ⌊θ·C⌋",
    "halves_size": "height, width halved:",
    "tensor_axes": "channels × height × width",
    # whole network
    "network_title": "{name}: growth rate k = {k}, compression θ = {theta}",
    "network_input": "{size} × {size} image",
    "stem": "stem",
    "stem_imagenet": "7×7 conv, stride 2; 3×3 max pool, stride 2",
    "stem_cifar": "3×3 conv",
    "dense_block": "dense block {i}",
    "block_layers": "{n} layers, each adds k = {k} channels",
    "transition": "transition {i}",
    "transition_detail": "1×1 conv to ⌊θ·C⌋; 2×2 average pool",
    "pool": "global average pool",
    "pool_detail": "BN, ReLU, then the mean of each channel",
    "linear": "linear layer",
    "linear_detail": "one score per class",
    "classes": "{n} classes",
    "legend_input": "the block's input, passed on unchanged",
    "legend_new": "added by the block's layers, k channels each",
}

ALT: dict[str, str] = {
    "addition_vs_concatenation": (
        "Two diagrams. Top, ResNet: the input x with C channels goes through layers g; an identity "
        "path carries x around them, and the two are added, so the output x + g(x) still has C "
        "channels and x is mixed into it. Bottom, DenseNet: layers f1 make k new channels from x, "
        "and x is concatenated with them, so the output [x, f1(x)] has C + k channels with x kept "
        "unchanged on top."
    ),
    "dense_block": (
        "A dense block with {L} layers, k0 = {k0} input channels and growth rate k = {k}. Columns "
        "of stacked feature maps grow from left to right: layers H1 to H{L} read {reads} channels; "
        "each layer adds {k} channels under the stack and every earlier feature map is carried to "
        "every later layer, {connections} direct connections in all. The block outputs {out} channels."
    ),
    "transition_layer": (
        "A transition layer drawn as three boxes: a {c} × {s} × {s} tensor goes through batch "
        "normalisation, ReLU and a 1×1 convolution that keeps floor({theta} × {c}) = {out} channels, "
        "giving {out} × {s} × {s}; 2×2 average pooling with stride 2 then halves the height and "
        "width, giving {out} × {s2} × {s2}."
    ),
    "whole_network": (
        "{name} drawn top to bottom, each band as wide as its number of channels. The stem turns "
        "a {c_in} × {size} × {size} image into {k0} channels at {s0} × {s0}; then {steps}; then "
        "global average pooling and a linear layer give {classes} class scores."
    ),
    "alt_block": "dense block {i} ({n} layers) grows {a} to {b} channels at {s} × {s}",
    "alt_transition": "transition {i} compresses to {c} channels at {s} × {s}",
    "alt_join": "; then ",
}


class MissingLabelError(LookupError):
    """A language lacks a label or an alt text that a figure needs."""


def languages() -> tuple[str, ...]:
    """The languages the figures are drawn in: ``i18n.LANGUAGES``, ``("en", "ko", "zh")``."""
    return i18n.LANGUAGES


def check_language(lang: str) -> str:
    """Return ``lang`` if it is one of :func:`languages`, else raise ``ValueError`` naming the allowed ones."""
    if lang not in languages():
        allowed = ", ".join(repr(x) for x in languages())
        raise ValueError(f"unknown language {lang!r}: allowed languages are {allowed}")
    return lang


def _lookup(table: dict[str, str], table_name: str, lang: str, key: str, values: dict) -> str:
    """``table[key]`` (English) in ``lang`` from ``i18n.LABELS``, with ``values`` filled in; a
    MissingLabelError names the key, the language and the English text when it has no entry."""
    check_language(lang)
    english = table[key]
    if lang != "en" and lang not in i18n.LABELS.get(english, {}):
        raise MissingLabelError(
            f"label {key!r} is missing for language {lang!r}: add the English text of {table_name}[{key!r}], "
            f"{english!r}, with its {lang!r} rendering to densenet_lab.i18n.LABELS"
        )
    return i18n.t(english, lang, **values)


def label(lang: str, key: str, **values) -> str:
    """The visible text ``WORDS[key]`` in ``lang``, with ``{placeholders}`` filled from ``values``."""
    return _lookup(WORDS, "WORDS", lang, key, values)


def _alt(lang: str, key: str, **values) -> str:
    """The alt text ``ALT[key]`` in ``lang``, with ``{placeholders}`` filled from ``values``."""
    return _lookup(ALT, "ALT", lang, key, values)


# ---------------------------------------------------------------------------------------
# Drawing: a few SVG elements written by hand, no dependencies.

FONT = ('"Helvetica Neue", Helvetica, Arial, "Noto Sans", "DejaVu Sans", "Noto Sans CJK KR", '
        '"Apple SD Gothic Neo", "Malgun Gothic", "Noto Sans CJK SC", "PingFang SC", '
        '"Microsoft YaHei", sans-serif')
INK = "#222222"  # text and operation outlines
GREY = ("#e0e0e0", "#7f7f7f")  # (fill, stroke): the input, the identity path
BLUE = ("#c6dbef", "#1f77b4")  # new features
BLUES = ("#deebf7", "#c6dbef", "#9ecae1", "#6baed6")  # new features of successive layers
ORANGE = ("#fdd9b5", "#e6730b")  # transitions (compression)
GREEN = ("#c7e9c0", "#2ca02c")  # the head
PURPLE = ("#dadaeb", "#756bb1")  # the stem


def _num(value: float) -> str:
    """A coordinate with at most one decimal, so the SVG text is short and stable."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def text_width(text: str, size: float) -> float:
    """A generous estimate of the width of ``text`` in pixels, in a sans-serif font: wide (CJK)
    characters take one em, capitals 0.72, narrow letters and spaces 0.32, the others 0.58."""
    def em(ch: str) -> float:
        if unicodedata.east_asian_width(ch) in "WF":
            return 1.0
        if ch.isupper() or ch in "mwW":
            return 0.72
        return 0.32 if ch in " il.,;:'!|()[]ftrj" else 0.58
    return size * sum(em(ch) for ch in text)


class Canvas:
    """A list of SVG elements; ``svg()`` wraps them with a title, a style and arrow markers.

    ``name`` prefixes the ids (of markers and patterns), so several figures can share a page.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.defs: dict[str, str] = {}
        self.items: list[str] = []

    def element(self, tag: str, content: str | None = None, **attrs) -> None:
        """Add ``<tag attrs>content</tag>``; ``font_size`` becomes ``font-size``, ``class_`` ``class``."""
        parts = []
        for key, value in attrs.items():
            if value is None:
                continue
            if isinstance(value, float):
                value = _num(value)
            parts.append(f"{key.rstrip('_').replace('_', '-')}={quoteattr(str(value))}")
        head = " ".join([tag, *parts])
        self.items.append(f"<{head}/>" if content is None else f"<{head}>{content}</{tag}>")

    def rect(self, x: float, y: float, w: float, h: float, colours: tuple[str, str], rx: float = 3, **attrs) -> None:
        self.element("rect", x=float(x), y=float(y), width=float(w), height=float(h), rx=float(rx),
                     fill=colours[0], stroke=colours[1], stroke_width=1.5, **attrs)

    def polygon(self, points: list[tuple[float, float]], colours: tuple[str, str], **attrs) -> None:
        self.element("polygon", points=" ".join(f"{_num(x)},{_num(y)}" for x, y in points),
                     fill=colours[0], stroke=colours[1], stroke_width=1.5, stroke_linejoin="round", **attrs)

    def text(self, x: float, y: float, text: str, size: float = 15, anchor: str = "middle",
             bold: bool = False, colour: str = INK, **attrs) -> None:
        """One line of text; ``y`` is its baseline."""
        self.element("text", escape(text), x=float(x), y=float(y), font_size=size, text_anchor=anchor,
                     font_weight="bold" if bold else None, fill=None if colour == INK else colour, **attrs)

    def arrow(self, points: list[tuple[float, float]], colour: str = INK, width: float = 2) -> None:
        """A line through ``points`` with an arrowhead whose tip is at the last point."""
        marker = f"{self.name}-arrow-{colour.lstrip('#')}"
        self.defs[marker] = (
            f'<marker id="{marker}" viewBox="0 0 10 10" refX="6" refY="5" markerWidth="10" '
            f'markerHeight="10" markerUnits="userSpaceOnUse" orient="auto">'
            f'<path d="M0,1 L10,5 L0,9 z" fill="{colour}"/></marker>'
        )
        (x1, y1), (x2, y2) = points[-2], points[-1]
        length = max(((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5, 1e-9)
        end = (x2 - 4 * (x2 - x1) / length, y2 - 4 * (y2 - y1) / length)  # the head covers the rest
        d = "M" + " L".join(f"{_num(x)},{_num(y)}" for x, y in [*points[:-1], end])
        self.element("path", d=d, fill="none", stroke=colour, stroke_width=float(width),
                     stroke_linejoin="round", marker_end=f"url(#{marker})")

    def stripes(self, colours: tuple[str, str]) -> str:
        """A fill of diagonal stripes in two colours (something mixed); returns its url()."""
        pattern = f"{self.name}-mixed"
        self.defs[pattern] = (
            f'<pattern id="{pattern}" width="8" height="8" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="4" height="8" fill="{colours[0]}"/>'
            f'<rect x="4" width="4" height="8" fill="{colours[1]}"/></pattern>'
        )
        return f"url(#{pattern})"

    def svg(self, width: float, height: float, title: str) -> str:
        """The SVG document: it scales to its container (viewBox) and ``title`` is its accessible name."""
        w, h = _num(width), _num(height)
        title_id = f"{self.name}-title"
        return "\n".join([
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
            f'fill="{INK}" role="img" aria-labelledby="{title_id}">',  # the text's colour, unless set
            f'<title id="{title_id}">{escape(title)}</title>',
            f"<style>text {{ font-family: {FONT}; }}</style>",
            "<defs>", *self.defs.values(), "</defs>",
            f'<rect width="{w}" height="{h}" fill="#ffffff"/>',  # readable on a dark page too
            *self.items,
            "</svg>",
        ]) + "\n"


# ---------------------------------------------------------------------------------------
# Figure 1: ResNet's addition against DenseNet's concatenation.

def _joined_output(c: Canvas, lang: str, dense: bool, top: float, mid: float, fx: str, C: float, K: float) -> None:
    """A panel's output: ``[x, f(x)]`` stacked, C + k channels with x kept (DenseNet), or
    ``x + g(x)`` striped, C channels with x mixed in (ResNet)."""
    if dense:
        out_top = mid - (C + K) / 2
        c.rect(464, out_top, 28, C, GREY, rx=0)
        c.rect(464, out_top + C, 28, K, BLUE, rx=0)
        c.text(500, out_top + C / 2 + 5, "x", size=14, anchor="start")
        c.text(500, out_top + C + K / 2 + 5, fx, size=14, anchor="start")
        formula, size_key, note = f"[x, {fx}]", "channels_c_plus_k", "kept"
        below = out_top + C + K
    else:
        c.rect(464, mid - C / 2, 28, C, (c.stripes(("#d0d0d0", BLUES[2])), BLUE[1]))
        formula, size_key, note = f"x + {fx}", "channels_c", "mixed"
        below = mid + C / 2
    c.text(478, below + 22, formula)
    c.text(478, below + 42, label(lang, size_key), size=15)
    c.text(580, top + 24, label(lang, note, fx=fx), size=14, anchor="end", colour="#555555")


def addition_vs_concatenation(lang: str = "en") -> str:
    """Two panels: ``x + g(x)`` keeps C channels and mixes x in; ``[x, f1(x)]`` has C + k and keeps x.

    The letters are the book's: ``x + g(x)`` for ResNet (chapter 2), ``[x, f1(x), ...]`` for
    DenseNet (chapter 1).
    """
    c = Canvas("addcat")
    C, K = 64, 26  # heights in pixels of C and k channels (only the picture's proportions)
    for panel, dense in enumerate((False, True)):
        top = 10 + panel * 224
        mid = top + 128  # the main line of the panel
        c.text(20, top + 24, label(lang, "densenet_title" if dense else "resnet_title"), size=17,
               anchor="start", bold=True)
        f = "f₁" if dense else "g"  # the layers' name; f(x) their output
        fx = f"{f}(x)"
        # the input x and the layers
        c.rect(40, mid - C / 2, 28, C, GREY)
        c.text(54, mid + C / 2 + 22, "x")
        c.text(54, mid + C / 2 + 42, label(lang, "channels_c"), size=15)
        c.arrow([(68, mid), (126, mid)])
        c.rect(126, mid - 24, 64, 48, ("#ffffff", BLUE[1]), rx=6)
        c.text(158, mid + 7, f, size=20, font_style="italic")
        c.text(158, mid + C / 2 + 22, label(lang, "layers"), size=15)
        c.arrow([(190, mid), (246, mid)])
        new = K if dense else C
        c.rect(246, mid - new / 2, 28, new, BLUE)
        c.text(260, mid + C / 2 + 22, fx)
        c.text(260, mid + C / 2 + 42, label(lang, "channels_k" if dense else "channels_c"), size=15)
        # the operation that joins them, fed by the identity path from above
        if dense:
            op_x, op_left, op_right, op_top = 366, 326, 406, mid - 18
            c.arrow([(274, mid), (op_left, mid)])
            c.rect(op_left, mid - 18, op_right - op_left, 36, ("#ffffff", INK), rx=6)
            c.text(op_x, mid + 5, label(lang, "concat"), size=15)
        else:
            op_x, op_left, op_right, op_top = 366, 348, 384, mid - 18
            c.arrow([(274, mid), (op_left, mid)])
            c.element("circle", cx=float(op_x), cy=float(mid), r=18.0, fill="#ffffff", stroke=INK, stroke_width=1.5)
            c.text(op_x, mid + 8, "+", size=24, bold=True)
        path_y = top + 62
        c.arrow([(54, mid - C / 2), (54, path_y), (op_x, path_y), (op_x, op_top)], colour=GREY[1])
        c.text(210, path_y - 8, label(lang, "identity"), size=14, colour="#555555")
        c.arrow([(op_right, mid), (464, mid)])
        _joined_output(c, lang, dense, top, mid, fx, C, K)
    c.element("line", x1=20.0, y1=226.0, x2=580.0, y2=226.0, stroke="#cccccc", stroke_width=1.0)
    return c.svg(600, 458, _alt(lang, "addition_vs_concatenation"))


# ---------------------------------------------------------------------------------------
# Figure 2: a dense block's connections.

def one_block(num_layers: int, in_channels: int, growth_rate: int) -> DenseNetConfig:
    """A network whose only dense block is the one drawn (no bottleneck, as in chapter 3)."""
    return DenseNetConfig(growth_rate=growth_rate, block_config=(num_layers,), num_init_features=in_channels,
                          bottleneck=False, compression=1.0, stem="cifar", num_classes=10)


def dense_block(lang: str = "en", num_layers: int = 4, in_channels: int = 24, growth_rate: int = 12) -> str:
    """Columns of stacked feature maps: column l is ``[x0, ..., xl]``, what layer H(l+1) reads.

    Each layer's output is a new band under the stack, carried on to every later column, so
    the bands between the columns are the block's L(L+1)/2 direct connections.
    """
    if not 1 <= num_layers <= len(BLUES):
        raise ValueError(f"num_layers must be an integer in [1, {len(BLUES)}] to draw, got {num_layers!r}")
    schedule = layer_schedule(one_block(num_layers, in_channels, growth_rate))
    k0, k, L = in_channels, growth_rate, num_layers
    reads = [r.in_channels for r in schedule] + [k0 + L * k]  # column l: k0 + l * k channels
    band_h = [54.0] + [27.0] * L  # x0, then one band per layer (heights: proportions only)
    band_top = [0.0]
    for h in band_h[:-1]:
        band_top.append(band_top[-1] + h)
    colours = [GREY] + [(fill, BLUE[1]) for fill in BLUES[:L]]
    top, col_w, step = 112, 40, 128  # first band's top, column width, distance between columns
    xs = [44 + j * step for j in range(L + 1)]

    c = Canvas("denseblock")
    c.text(20, 28, label(lang, "block_title", L=L, k0=k0, k=k), size=17, anchor="start", bold=True)
    c.text(20, 52, label(lang, "block_connections", n=L * (L + 1) // 2), size=15, anchor="start", colour="#555555")
    c.text(20, 72, label(lang, "block_each_column"), size=15, anchor="start", colour="#555555")
    for j, x in enumerate(xs):
        # the carried bands between column j-1 and j (drawn first, under the columns)
        if j > 0:
            for i in range(j):
                c.rect(x - step + col_w, top + band_top[i] + 3, step - col_w, band_h[i] - 6,
                       (colours[i][0], "none"), rx=0, opacity=0.6)
        # column j: the concatenation [x0, ..., xj]
        names = ", ".join(f"x{_sub(i)}" for i in range(j + 1))
        c.text(x + col_w / 2, top - 10, f"[{names}]", size=14)
        for i in range(j + 1):
            c.rect(x, top + band_top[i], col_w, band_h[i], colours[i], rx=0)
            c.text(x + col_w / 2, top + band_top[i] + band_h[i] / 2 + 5, f"x{_sub(i)}", size=14)
        bottom = top + band_top[j] + band_h[j]
        caption = label(lang, "block_output") if j == L else label(lang, "block_input_of", layer=_sub(j + 1))
        y_caption = top + band_top[-1] + band_h[-1] + 30
        c.text(x + col_w / 2, y_caption, caption, size=15)
        c.text(x + col_w / 2, y_caption + 21, f"{k0} + {j}·{k} = {reads[j]}", size=15, bold=True)
        # layer H(j+1) reads the whole column and writes band j+1 of the next column
        if j < L:
            row_mid = top + band_top[j + 1] + band_h[j + 1] / 2
            h_left = x + col_w + 18
            c.arrow([(x + col_w / 2, bottom), (x + col_w / 2, row_mid), (h_left, row_mid)], colour=INK)
            c.rect(h_left, row_mid - 15, 46, 30, ("#ffffff", BLUE[1]), rx=6)
            c.text(h_left + 23, row_mid + 6, f"H{_sub(j + 1)}", size=16, bold=True)
            c.arrow([(h_left + 46, row_mid), (xs[j + 1], row_mid)], colour=BLUE[1])
    height = top + band_top[-1] + band_h[-1] + 66
    alt = _alt(lang, "dense_block", L=L, k0=k0, k=k, reads=", ".join(map(str, reads[:-1])),
               connections=L * (L + 1) // 2, out=reads[-1])
    return c.svg(xs[-1] + col_w + 44, height, alt)


def _sub(number: int) -> str:
    """``12`` -> ``"₁₂"``: Unicode subscript digits, as in x₀ and H₁."""
    return str(number).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


# ---------------------------------------------------------------------------------------
# Figure 3: a transition layer.

def _cuboid(c: Canvas, x: float, bottom: float, width: float, height: float, depth: float,
            colours: tuple[str, str]) -> None:
    """A tensor as a box: ``width`` for its channels, ``height`` and ``depth`` for H and W."""
    dx, dy = depth * 0.7, depth * 0.7
    top = bottom - height
    c.polygon([(x, top), (x + dx, top - dy), (x + width + dx, top - dy), (x + width, top)], colours)
    c.polygon([(x + width, top), (x + width + dx, top - dy), (x + width + dx, bottom - dy), (x + width, bottom)],
              colours)
    c.rect(x, top, width, height, colours, rx=0)


def transition_layer(lang: str = "en", model: str = "densenet_bc100_k12", index: int = 1) -> str:
    """BN-ReLU-1x1 conv to ``floor(theta * C)`` channels, then 2x2 average pooling (H and W halved).

    The numbers are the registry model's transition ``index`` (DenseNet-BC-100's first:
    216 x 32 x 32 -> 108 x 32 x 32 -> 108 x 16 x 16).
    """
    config = get_entry(model).config
    rows = {s.name: s for s in stages(config)}
    if f"transition{index}" not in rows:
        raise ValueError(f"index must be in [1, {len(config.block_config) - 1}] for {model!r}, got {index!r}")
    t = rows[f"transition{index}"]
    cin, cout, s, s2 = t.in_channels, t.out_channels, t.size, t.out_size
    scale = 84 / cin  # the input's channels are drawn 84 px wide
    side = 120 / s  # the input's height (and depth) 120 px
    theta = f"{config.compression:g}"

    c = Canvas("transition")
    c.text(20, 28, label(lang, "transition_title", i=index, name=network_name(config), theta=theta),
           size=17, anchor="start", bold=True)
    bottom, mid = 210, 174  # the tensors' bottom edge; the arrows' height
    notes = {
        ("bn_relu_conv", "conv_1x1"): (label(lang, "keeps_channels"), f"= ⌊{theta} · {cin}⌋ = {cout}"),
        ("avg_pool", "pool_stride"): (label(lang, "halves_size"), f"{s} → {s2}"),
    }
    x = right = 20.0
    for step, (channels, size) in enumerate([(cin, s), (cout, s), (cout, s2)]):
        if step > 0:  # the operation before this tensor, between two arrows
            words, note = list(notes.items())[step - 1]
            c.arrow([(x, mid), (x + 22, mid)])
            c.rect(x + 22, mid - 28, 112, 56, ("#ffffff", INK), rx=6)
            c.text(x + 78, mid - 4, label(lang, words[0]), size=15)
            c.text(x + 78, mid + 16, label(lang, words[1]), size=15)
            c.text(x + 78, mid - 58, note[0], size=14, colour="#555555")
            c.text(x + 78, mid - 40, note[1], size=14, colour="#555555")
            c.arrow([(x + 134, mid), (x + 156, mid)])
            x += 162
        w, h = channels * scale, size * side
        _cuboid(c, x, bottom, w, h, h * 0.45, GREY if step == 0 else ORANGE)
        shape = f"{channels} × {size} × {size}"
        c.text(x + w / 2 + h * 0.16, bottom + 26, shape, size=15, bold=True)
        right = max(right, x + w / 2 + h * 0.16 + text_width(shape, 15) / 2)
        x += w + h * 0.45 * 0.7 + 6  # past the box's side face
    c.text(20, bottom + 48, label(lang, "tensor_axes"), size=13, anchor="start", colour="#555555")
    alt = _alt(lang, "transition_layer", c=cin, s=s, theta=theta, out=cout, s2=s2)
    return c.svg(max(x, right) + 14, bottom + 64, alt)


# ---------------------------------------------------------------------------------------
# Figure 4: the whole network.

def network_name(config: DenseNetConfig) -> str:
    """The paper's name: DenseNet-121 (ImageNet, always BC), DenseNet-BC-100, DenseNet-40 ...

    Depth counts the convolutions and the classifier: two per bottleneck layer (one without),
    the stem, one per transition and the linear layer.
    """
    per_layer = 2 if config.bottleneck else 1
    depth = per_layer * sum(config.block_config) + len(config.block_config) + 1
    variant = ("B" if config.bottleneck else "") + ("C" if config.compression < 1 else "")
    if config.stem == "imagenet" or not variant:
        return f"DenseNet-{depth}"
    return f"DenseNet-{variant}-{depth}"


def _network_legend(c: Canvas, lang: str) -> None:
    """A dense block's two colours, and how the tensors' shapes read."""
    for row, (colours, key) in enumerate(((GREY, "legend_input"), (BLUE, "legend_new"))):
        c.rect(20, 44 + 22 * row, 14, 14, colours, rx=0)
        c.text(42, 56 + 22 * row, label(lang, key), size=14, anchor="start")
    c.text(20, 110, label(lang, "tensor_axes"), size=13, anchor="start", colour="#555555")


def _dense_block_band(c: Canvas, r, x0: float, y: float, px: float, k: int) -> float:
    """A dense block drawn at ``y``: its input in grey, then a blue staircase that adds
    ``k`` channels (``k * px`` pixels) after each layer. Returns its height."""
    h = 44 + 2 * r.layers  # deeper blocks are drawn taller
    top_w = r.in_channels * px
    c.rect(x0, y, top_w, h, GREY, rx=0)
    steps = [(x0 + top_w, y)]
    for layer in range(1, r.layers + 1):
        w = (r.in_channels + layer * k) * px
        yl = y + h * layer / r.layers
        steps += [(x0 + w, yl - h / r.layers), (x0 + w, yl)]
    c.polygon([*steps, (x0 + top_w, y + h)], BLUE)
    return h


def whole_network(lang: str = "en", model: str | DenseNetConfig = "densenet121") -> str:
    """The network top to bottom, each band as wide as its channels: stem, dense blocks
    (grey: the block's input, blue: the k channels each layer adds), transitions, head.

    Args:
        lang: one of ``languages()``.
        model: a registry name (``"densenet121"``, ``"densenet_bc100_k12"``, ...) or a config.
    """
    config = model if isinstance(model, DenseNetConfig) else get_entry(model).config
    rows = stages(config)
    size, c_in, k = rows[0].size, rows[0].in_channels, config.growth_rate
    widest = max(max(r.out_channels, r.in_channels) for r in rows[:-1])
    px = 170 / widest  # pixels per channel
    x0, x_label, x_text = 150, 138, 336  # the bands' left edge, the shapes' labels' right edge, the names' left edge

    c = Canvas("network")
    name, theta = network_name(config), f"{config.compression:g}"
    title = label(lang, "network_title", name=name, k=k, theta=theta)
    c.text(20, 28, title, size=17, anchor="start", bold=True)
    _network_legend(c, lang)
    y = 136
    c.text(x_text, y + 4, label(lang, "network_input", size=size), size=14, anchor="start", colour="#555555")
    texts: list[tuple[float, str, str]] = []  # (middle y, name, detail) for the right column

    def tensor(y: float, text: str) -> None:
        c.text(x_label, y + 5, text, size=15, anchor="end", class_="tensor")
        c.element("line", x1=x_label + 4.0, y1=float(y), x2=float(x0 - 2), y2=float(y), stroke="#bbbbbb",
                  stroke_width=1.0)

    tensor(y, f"{c_in} × {size} × {size}")
    for r in rows:
        top_w, bottom_w = r.in_channels * px, r.out_channels * px
        if r.name == "stem":
            h = 60  # with room for the input's name above the stem's
            c.polygon([(x0, y), (x0 + top_w, y), (x0 + bottom_w, y + h), (x0, y + h)], PURPLE)
            detail = label(lang, "stem_imagenet" if config.stem == "imagenet" else "stem_cifar")
            texts.append((y + h / 2 + 6, label(lang, "stem"), detail))
        elif r.name.startswith("denseblock"):
            h = _dense_block_band(c, r, x0, y, px, k)
            i = int(r.name.removeprefix("denseblock"))
            texts.append((y + h / 2, label(lang, "dense_block", i=i), label(lang, "block_layers", n=r.layers, k=k)))
        elif r.name.startswith("transition"):
            h = 46
            c.polygon([(x0, y), (x0 + top_w, y), (x0 + bottom_w, y + h), (x0, y + h)], ORANGE)
            i = int(r.name.removeprefix("transition"))
            texts.append((y + h / 2, label(lang, "transition", i=i), label(lang, "transition_detail")))
        else:  # the head: pool, then the linear layer
            h = 46
            c.rect(x0, y, top_w, h, GREEN, rx=0)
            texts.append((y + h / 2, label(lang, "pool"), label(lang, "pool_detail")))
            tensor(y + h, f"{r.in_channels}")
            y += h
            c.polygon([(x0, y), (x0 + top_w, y), (x0 + bottom_w, y + h), (x0, y + h)], GREEN)
            texts.append((y + h / 2, label(lang, "linear"), label(lang, "linear_detail")))
            y += h
            tensor(y, label(lang, "classes", n=r.out_channels))
            break
        y += h
        tensor(y, f"{r.out_channels} × {r.out_size} × {r.out_size}")
    for mid, name_text, detail in texts:
        c.text(x_text, mid - 3, name_text, size=16, anchor="start", bold=True)
        c.text(x_text, mid + 15, detail, size=14, anchor="start", colour="#555555")
    width = max(x_text + max(text_width(d, 14) for _, _, d in texts), 20 + text_width(title, 17)) + 16

    return c.svg(min(width, 760), y + 20, _network_alt(lang, rows, name))


def _network_alt(lang: str, rows: list, name: str) -> str:
    """The whole network's alt text: input, stem, then each block and transition in words."""
    steps = []
    for r in rows:
        if r.name.startswith("denseblock"):
            steps.append(_alt(lang, "alt_block", i=r.name.removeprefix("denseblock"), n=r.layers,
                              a=r.in_channels, b=r.out_channels, s=r.size))
        elif r.name.startswith("transition"):
            steps.append(_alt(lang, "alt_transition", i=r.name.removeprefix("transition"), c=r.out_channels,
                              s=r.out_size))
    steps_text = _alt(lang, "alt_join").join(steps)
    return _alt(lang, "whole_network", name=name, c_in=rows[0].in_channels, size=rows[0].size,
                k0=rows[0].out_channels, s0=rows[0].out_size, steps=steps_text, classes=rows[-1].out_channels)


# ---------------------------------------------------------------------------------------
# All figures of the book.

FIGURES: dict[str, Callable[[str], str]] = {
    "addition_vs_concatenation": addition_vs_concatenation,
    "dense_block": dense_block,
    "transition_layer": transition_layer,
    "whole_network_densenet121": lambda lang: whole_network(lang, "densenet121"),
    "whole_network_densenet_bc100_k12": lambda lang: whole_network(lang, "densenet_bc100_k12"),
}


def write_figures(out_dir: str | Path, lang: str = "en") -> list[Path]:
    """Write every figure as ``<out_dir>/<name>.<lang>.svg``; returns the paths written."""
    check_language(lang)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, draw in FIGURES.items():
        path = out / f"{name}.{lang}.svg"
        path.write_text(draw(lang), encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    """``python -m densenet_lab.diagrams OUT_DIR [LANG ...]``: write the figures (every language by default)."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(main.__doc__)
        return 0 if args else 2
    for lang in args[1:] or languages():
        for path in write_figures(args[0], lang):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
