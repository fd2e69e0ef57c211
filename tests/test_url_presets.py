"""Settings in the link (issue 15): every explorer and control has a short key, a static page
opened at ``#arch:k=24,b=1`` starts there and writes the reader's settings back, and
``Explorer(controls=[...])`` shows only the controls named."""

import json
import re
from html import unescape
from pathlib import Path

import pytest

import densenet_lab.widgets as widgets
from densenet_lab.experiments import Sweep
from densenet_lab.widgets import (
    AccuracyExplorer,
    ArchitectureExplorer,
    BlockExplorer,
    Control,
    Explorer,
    TaylorExplorer,
)
from densenet_lab.widgets.core import URL_KEY, check_keys
from densenet_lab.widgets.live import LiveView, numbers_html
from tests import browser


def _sweep() -> Sweep:
    return Sweep("digits", 1, (2, 2), points=[{"growth_rate": 4, "params": 1, "test_acc": 0.5, "seconds": 1.0},
                                              {"growth_rate": 8, "params": 3, "test_acc": 0.7, "seconds": 2.0}])


# one factory per explorer of the package: each takes controls= and settings as keywords
EXPLORERS = {
    "taylor": TaylorExplorer,
    "block": BlockExplorer,
    "arch": ArchitectureExplorer,
    "accuracy": lambda **kwargs: AccuracyExplorer(_sweep(), None, **kwargs),
}


def _classes() -> list[type]:
    return [c for c in vars(widgets).values() if isinstance(c, type) and issubclass(c, Explorer) and c is not Explorer]


def _spec(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" class="dlab-data">(.*?)</script>', html, re.S).group(1))


# ----- keys ---------------------------------------------------------------------------
def test_every_explorer_has_its_own_key_and_distinct_control_keys():
    classes = _classes()
    assert {c.__name__ for c in classes} == {"TaylorExplorer", "BlockExplorer", "ArchitectureExplorer", "AccuracyExplorer"}
    keys = [c.key for c in classes]
    assert sorted(keys) == sorted(EXPLORERS) and all(URL_KEY.fullmatch(k) for k in keys)
    for cls in classes:
        check_keys(cls.key, cls.controls)  # raises on a repeated key
    assert [c.key for c in ArchitectureExplorer.controls] == ["net", "k", "b", "theta", "size", "batch", "efficient"]
    assert [c.key for c in BlockExplorer.controls] == ["k", "k0", "L", "b"]
    assert Control("growth_rate", "k", (1, 2), 1).key == "growth_rate"  # by default, the name


def test_a_repeated_or_malformed_key_is_refused():
    class Twice(BlockExplorer):
        controls = (*BlockExplorer.controls[:3], Control("extra", "extra", (1, 2), 1, key="k"))

    with pytest.raises(ValueError, match="controls 'growth_rate' and 'extra' have the same key 'k'"):
        Twice()
    with pytest.raises(ValueError, match="key must be a letter, then letters, digits or '_', got 'k=1'"):
        Control("growth_rate", "k", (1, 2), 1, key="k=1")

    class Spaced(TaylorExplorer):
        key = "my explorer"

    with pytest.raises(ValueError, match="an explorer's key must be a letter"):
        Spaced()


def test_the_instructors_page_lists_every_explorers_keys():
    """book/en/instructors.md's table of keys is the code's: every explorer, its controls' keys
    in order, and a menu's values."""
    page = (Path(__file__).resolve().parents[1] / "book" / "en" / "instructors.md").read_text()
    table = {row[3].strip(" `"): row[4] for row in (line.split("|") for line in page.splitlines())
             if len(row) == 6 and row[3].strip().startswith("`")}
    assert set(table) == {cls.key for cls in _classes()}
    for cls in _classes():
        listed = re.findall(r"`(\w+)`(?: \(([^)]*)\))?", table[cls.key])
        assert listed == [(c.key, ", ".join(map(str, c.values)) if c.kind == "dropdown" else "") for c in cls.controls]


@pytest.mark.parametrize("control, value, text", [
    (BlockExplorer.controls[3], True, "1"), (BlockExplorer.controls[3], False, "0"),
    (ArchitectureExplorer.controls[3], 0.5, "0.5"), (ArchitectureExplorer.controls[3], 1.0, "1"),
    (ArchitectureExplorer.controls[1], 24, "24"), (ArchitectureExplorer.controls[0], "cifar100", "cifar100"),
])
def test_a_link_writes_the_values_readers_know(control, value, text):
    assert control.url_value(value) == text


def test_the_static_page_carries_the_keys_and_the_grid_values():
    e = ArchitectureExplorer(controls=["growth_rate", "compression"])
    html = e.static_html()
    url = _spec(html)["url"]
    assert 'data-dlab-key="arch"' in html
    assert url["key"] == "arch" and url["keys"] == [c.key for c in e.controls]
    assert url["values"][1] == ["12", "24", "32", "40"] and url["values"][3] == ["0.5", "1"]
    assert url["values"][2] == ["1"]  # bottleneck, hidden: its one value
    assert url["ranges"][1] == [4, 48] and url["kinds"][2] == "toggle"


# ----- controls= ------------------------------------------------------------------------
def test_controls_shows_only_the_named_ones_live_and_static():
    e = ArchitectureExplorer(controls=["bottleneck", "growth_rate"], compression=1.0)
    assert e.visible == ("growth_rate", "bottleneck")  # the class's order
    assert [c.name for c in e.visible_controls] == ["growth_rate", "bottleneck"]
    html = e.static_html()
    assert re.findall(r'data-control="(\w+)"', html) == ["growth_rate", "bottleneck"]
    spec = _spec(html)
    assert [len(names) for names in spec["names"]] == [1, 4, 2, 1, 1, 1, 1]  # 8 frames, not 2,304
    assert "Static version: 8 precomputed settings" in html
    view = LiveView(e)
    assert list(view.inputs) == ["growth_rate", "bottleneck"]
    assert view.settings() == {**e.defaults, "compression": 1.0}
    view.inputs["growth_rate"].value = 24
    expected = e.frame(growth_rate=24)
    assert view.numbers.value == numbers_html(expected.shown)
    assert expected.values == ArchitectureExplorer().frame(growth_rate=24, compression=1.0).values


@pytest.mark.parametrize("name", list(EXPLORERS))
def test_every_explorer_takes_controls(name):
    full = EXPLORERS[name]()
    shown = [full.controls[-1].name]
    e = EXPLORERS[name](controls=shown)
    assert e.visible == tuple(shown) and e.defaults == full.defaults
    assert LiveView(e).settings() == full.defaults
    assert list(LiveView(e).inputs) == shown
    assert re.findall(r'data-control="(\w+)"', e.static_html(preview=True)) == shown
    assert EXPLORERS[name](controls=[]).visible == ()


def test_controls_refuses_an_unknown_name_and_a_bare_string():
    with pytest.raises(ValueError, match="unknown control 'depth'; this explorer has growth_rate, in_channels, "
                                         "num_layers, bottleneck"):
        BlockExplorer(controls=["growth_rate", "depth"])
    for wrong in ("growth_rate", 3, [1]):
        with pytest.raises(ValueError, match="controls must be a list of control names"):
            BlockExplorer(controls=wrong)
    with pytest.raises(ValueError, match="unknown control 'order'; this explorer has metric"):
        EXPLORERS["accuracy"](controls=["order"])


# ----- in a real browser ----------------------------------------------------------------------
# A page of three static explorers (two of key "block": the second is "block2" in links). The
# probe, run once they have started, records what each shows, moves the first block explorer's
# layers slider (as a reader lets go of it), records the hash, then changes the hash by hand and
# records the block explorer again. plotly.js is stubbed out: this test is about the numbers.
_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<script>window.Plotly = {react: function () {}, Plots: {resize: function () {}}};</script></head>
<body>%(explorers)s<pre id="result">pending</pre><script>
function cells(root, selector) {
  return Array.prototype.map.call(root.querySelectorAll(selector), function (el) { return el.textContent; });
}
function seen(root) {
  return {key: root.dlabLinkKey, notes: cells(root, ".dlab-link-note"),
          rows: Array.prototype.map.call(root.querySelectorAll(".dlab-numbers tr"), function (tr) {
            return cells(tr, "td");
          })};
}
var roots = Array.prototype.slice.call(document.querySelectorAll(".dlab-explorer"));
var result = {start: roots.map(seen), history: history.length};
var slider = roots[1].querySelector('[data-control="num_layers"]');
slider.value = String(+slider.value + 1);
slider.dispatchEvent(new Event("input", {bubbles: true}));
slider.dispatchEvent(new Event("change", {bubbles: true}));
result.moved = {hash: location.hash, history: history.length, notes: seen(roots[0]).notes, block: seen(roots[1])};
location.hash = "#block:L=2";
setTimeout(function () {
  result.hashchange = seen(roots[1]);
  document.getElementById("result").textContent = JSON.stringify(result);
}, 200);
</script></body></html>"""


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """The page's explorers and the URL it is served at (for as long as the tests of this module run)."""
    explorers = [ArchitectureExplorer(controls=["growth_rate", "bottleneck"], compression=1.0), BlockExplorer(),
                 BlockExplorer(controls=["num_layers"], growth_rate=4)]
    folder = tmp_path_factory.mktemp("presets")
    (folder / "page.html").write_text(_PAGE % {"explorers": "".join(e.static_html() for e in explorers)})
    with browser.serve(folder) as site:
        yield explorers, f"{site}/page.html"


def _open(url: str) -> dict:
    dom = browser.dump_dom(browser.chromium(), url, "--virtual-time-budget=10000")
    found = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
    assert found and found.group(1) != "pending", "the probe did not finish"
    return json.loads(unescape(found.group(1)))


def _rows(frame) -> list[list[str]]:
    return [list(row) for row in frame.shown.items()]


def test_a_link_opens_each_explorer_at_its_preset_and_a_move_rewrites_it(page):
    (arch, block, small), url = page
    got = _open(url + "#arch:k=24,b=0,theta=1&block:k=8,k0=32,L=5,b=1&block2:L=3")
    assert [r["key"] for r in got["start"]] == ["arch", "block", "block2"]
    assert got["start"][0]["rows"] == _rows(arch.frame(growth_rate=24, bottleneck=False))
    assert got["start"][1]["rows"] == _rows(block.frame(growth_rate=8, in_channels=32, num_layers=5, bottleneck=True))
    assert got["start"][2]["rows"] == _rows(small.frame(num_layers=3))
    assert all(r["notes"] == [] for r in got["start"])  # theta=1 is the hidden compression's own value
    # the reader moves L to 6: the block's segment is rewritten in place, the others kept as they were
    moved = got["moved"]
    assert moved["hash"] == "#arch:k=24,b=0,theta=1&block:k=8,k0=32,L=6,b=1&block2:L=3"
    assert moved["history"] == got["history"]  # replaceState: no new entry
    assert moved["block"]["rows"] == _rows(block.frame(growth_rate=8, in_channels=32, num_layers=6, bottleneck=True))
    # a hash changed by hand sets what it names, the rest stays
    assert got["hashchange"]["rows"] == _rows(block.frame(growth_rate=8, in_channels=32, num_layers=2, bottleneck=True))


def test_a_value_not_precomputed_shows_the_nearest_and_says_so(page):
    (arch, block, _), url = page
    got = _open(url + "#arch:k=20,theta=0.5,depth=100,b=maybe;block:k=9")
    assert got["start"][0]["rows"] == _rows(arch.frame(growth_rate=24))  # 20 lies nearest 24 of 12, 24, 32, 40
    assert got["start"][0]["notes"] == [
        "\u26a0 The link asks for k=20, which this page has not precomputed: showing the nearest, k=24. "
        "The live explorer has every value from 4 to 48.",
        "\u26a0 The link asks for theta=0.5, which this page does not offer: showing theta=1.",
        "\u26a0 The link names depth, which this explorer does not have (it has k, b).",
        "\u26a0 The link asks for b=maybe, which this page does not offer (it has 0, 1): showing b=1.",
    ]
    assert got["start"][1]["rows"] == _rows(block.frame(growth_rate=8))  # ";" separates segments too
    assert got["start"][1]["notes"] == ["\u26a0 The link asks for k=9, which this page has not precomputed: showing "
                                        "the nearest, k=8. The live explorer has every value from 1 to 64."]
    assert got["moved"]["notes"] == got["start"][0]["notes"]  # moving another explorer keeps this one's notes
    assert got["moved"]["block"]["notes"] == []  # moving a control clears its own explorer's
