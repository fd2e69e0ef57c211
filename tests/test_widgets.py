"""The explorers: their numbers equal densenet_lab.analysis, the live widgets redraw, the
static HTML holds every precomputed frame, bad settings cannot be chosen, and training
from the accuracy explorer can be stopped."""

import asyncio
import dataclasses
import itertools
import json
import math
import re
import threading
from html import unescape
from importlib import resources
from pathlib import Path

import pytest
import torch

from densenet_lab import analysis, create_model
from densenet_lab.data import load_data
from densenet_lab.experiments import Sweep, growth_rate_sweep, sweep_model, train_point
from densenet_lab.models import DenseBlock
from densenet_lab.widgets import AccuracyExplorer, ArchitectureExplorer, BlockExplorer, Control, TaylorExplorer
from densenet_lab.widgets.architecture import network_config, resnet18_reference
from densenet_lab.widgets.block import block_config
from densenet_lab.widgets.core import BOOK_ENV
from densenet_lab.widgets.figure import Figure, Trace, figure_plotly, figure_png
from densenet_lab.widgets.live import LiveView, numbers_html
from densenet_lab.widgets.static import _intern
from densenet_lab.widgets.taylor import taylor_polynomial
from tests import browser

PNG = b"\x89PNG"


# ----- numbers ------------------------------------------------------------------------
@pytest.mark.parametrize("order", [0, 1, 5, 9])
def test_taylor_error_at_one_matches_the_series(order):
    frame = TaylorExplorer().frame(function="exp", order=order)
    assert frame.values["error at x = 1"] == pytest.approx(math.e - sum(1 / math.factorial(i) for i in range(order + 1)))


def test_taylor_polynomials_converge_inside_and_diverge_outside_the_radius():
    assert taylor_polynomial("sin", 9, 0.5) == pytest.approx(math.sin(0.5), abs=1e-9)
    assert taylor_polynomial("cos", 8, 1.0) == pytest.approx(math.cos(1.0), abs=1e-5)
    e = TaylorExplorer()
    assert e.frame(function="sin", order=7).shown["T_n(x)"] == "x - x^3/6 + x^5/120 - x^7/5040"
    # log(1 + x) at x = 1.5 lies outside the radius 1: more terms, larger error
    far = [abs(math.log1p(1.5) - taylor_polynomial("log1p", n, 1.5)) for n in (3, 6, 12)]
    assert far[0] < far[1] < far[2]


@pytest.mark.parametrize("k,k0,L,bottleneck", [(12, 24, 6, False), (32, 64, 6, True), (4, 16, 32, True), (1, 1, 1, False)])
def test_block_explorer_equals_analysis_and_the_built_block(k, k0, L, bottleneck):
    frame = BlockExplorer().frame(growth_rate=k, in_channels=k0, num_layers=L, bottleneck=bottleneck)
    schedule = analysis.layer_schedule(block_config(k, k0, L, bottleneck))
    block = DenseBlock(L, k0, k, bottleneck=bottleneck)
    assert frame.values["parameters"] == sum(r.params for r in schedule) == sum(p.numel() for p in block.parameters())
    out = block(torch.randn(1, k0, 4, 4))
    assert frame.values["output channels k0 + L*k"] == out.shape[1] == k0 + L * k
    assert frame.values["last layer reads"] == schedule[-1].in_channels
    assert frame.values["connections L(L+1)/2"] == L * (L + 1) // 2
    bars = frame.figure.traces
    assert [a + b for a, b in zip(bars[0].y, bars[1].y)] == [r.in_channels for r in schedule] + [k0 + L * k]


@pytest.mark.parametrize("settings", [
    dict(network="cifar100", growth_rate=12, bottleneck=True, compression=0.5, input_size=32, batch=64),
    dict(network="cifar40", growth_rate=12, bottleneck=False, compression=1.0, input_size=32, batch=8),
    dict(network="densenet121", growth_rate=32, bottleneck=True, compression=0.5, input_size=224, batch=64, memory_efficient=True),
    dict(network="densenet264", growth_rate=48, bottleneck=False, compression=0.75, input_size=96, batch=2),
])
def test_architecture_explorer_equals_analysis(settings):
    frame = ArchitectureExplorer().frame(**settings)
    config = network_config(settings["network"], settings["growth_rate"], settings["bottleneck"], settings["compression"])
    size, batch = settings["input_size"], settings["batch"]
    assert frame.values["parameters"] == analysis.count_parameters(config)
    assert frame.values["GFLOPs per image (forward)"] == analysis.estimate_flops(config, size)
    assert frame.values["activations, naive"] == analysis.estimate_activation_memory(config, size, batch, memory_efficient=False)
    assert frame.values["activations, memory-efficient"] == analysis.estimate_activation_memory(config, size, batch, memory_efficient=True)
    schedule = analysis.layer_schedule(config, size)
    assert [y for t in frame.figure.traces for y in t.y] == [r.in_channels for r in schedule]
    naive, lean, resnet = frame.figures[1].traces  # saved activations per stage, then the totals
    unit = 2**30 if frame.values["activations, naive"] >= 2**30 else 2**20
    stages = analysis.stages(config, size, batch)
    assert naive.y == [s.activation_bytes / unit for s in stages] + [frame.values["activations, naive"] / unit]
    assert lean.y[-1] == frame.values["activations, memory-efficient"] / unit
    assert resnet.y == [frame.values["ResNet-18 activations"] / unit]


def test_architecture_explorer_reproduces_the_paper_and_torchvision():
    e = ArchitectureExplorer()
    assert e.frame().values["parameters"] == 769_162  # DenseNet-BC (L=100, k=12), C10
    assert e.frame(network="cifar40", bottleneck=False, compression=1.0).values["parameters"] == 1_019_722
    imagenet = e.frame(network="densenet121", growth_rate=32, input_size=224)
    assert imagenet.values["parameters"] == 7_978_856
    assert imagenet.values["ResNet-18 parameters"] == 11_689_512
    # each count names its classes: 11,173,962 (10) and 11,689,512 (1000) are both ResNet-18
    assert imagenet.shown["parameters"] == "7,978,856 (1,000 classes)"
    assert imagenet.shown["ResNet-18 parameters"] == "11,689,512 (1,000 classes)"
    assert e.frame().shown["ResNet-18 parameters"] == "11,173,962 (10 classes)"


@pytest.mark.parametrize("imagenet,size,batch", [(False, 32, 8), (True, 64, 3), (True, 32, 5)])
def test_resnet_reference_is_the_measurement_at_any_batch(imagenet, size, batch):
    classes = 1000 if imagenet else 10
    params, flops, fixed, per_image = resnet18_reference(imagenet, size, classes)
    model = create_model("resnet18" if imagenet else "resnet18_cifar", num_classes=classes)
    assert fixed + per_image * batch == analysis.measure_activation_memory(model, size, batch=batch)
    assert flops == analysis.measure_flops(model, size)
    assert params == analysis.count_parameters(model)


def test_architecture_explorer_warns_instead_of_failing():
    e = ArchitectureExplorer()
    big = e.frame(network="densenet264", growth_rate=48, input_size=320, batch=1024)
    assert "does not fit" in big.warning and "memory-efficient" in big.warning
    assert e.frame().warning == ""
    small = e.frame(network="densenet121", input_size=32)
    assert small.warning == "" and small.values["parameters"] > 0
    # an input the network cannot take: a warning, no figure, no exception
    too_small = ArchitectureExplorer.compute(e, "densenet121", 32, True, 0.5, 16, 8, False)
    assert "too small" in too_small.warning and too_small.figures == []


def test_accuracy_explorer_shows_the_sweep_and_its_provenance():
    sweep = Sweep("digits", 2, (3, 3), 32, 0.1, [
        {"growth_rate": 12, "params": 46318, "test_acc": 0.9, "seconds": 3.0},
        {"growth_rate": 4, "params": 5638, "test_acc": 0.5, "seconds": 2.0}],
        {"device": "CPU (test)", "torch": "2.x", "date": "2026-11-23T00:00:00"})
    e = AccuracyExplorer(sweep)
    for metric in ("test_acc", "seconds", "params"):
        frame = e.frame(metric=metric)
        assert frame.figure.traces[0].x == [4, 12]
        assert frame.figure.traces[0].y == [p[metric] for p in sorted(sweep.points, key=lambda p: p["growth_rate"])]
    assert "CPU (test)" in e.note and "2026-11-23" in e.note
    with pytest.raises(ValueError, match="sweep must be"):
        AccuracyExplorer([0.9, 0.5])


def test_sweep_round_trips_through_a_file(tmp_path):
    sweep = Sweep("digits", 1, (2, 2), 16, 0.2, [{"growth_rate": 4, "params": 1, "test_acc": 0.5, "seconds": 1.0}], {"device": "x"})
    assert Sweep.load(sweep.save(tmp_path / "results" / "sweep.json")) == sweep


# ----- bad input ----------------------------------------------------------------------
def test_settings_outside_the_controls_are_refused_with_their_name():
    with pytest.raises(ValueError, match="order must be an integer from 0 to 15, got 16"):
        TaylorExplorer().frame(order=16)
    with pytest.raises(ValueError, match="growth_rate must be an integer from 1 to 64, got 0"):
        BlockExplorer(growth_rate=0)
    with pytest.raises(ValueError, match=r"growth_rate must be an integer from 4 to 48 \(the slider's steps: 4, 6, 8, 12, "):
        ArchitectureExplorer(growth_rate=13.5)
    with pytest.raises(ValueError, match="compression must be a number from 0.25 to 1.0"):
        ArchitectureExplorer().frame(compression=0.1)
    with pytest.raises(ValueError, match="num_layers must be an integer from 1 to 32, got True"):
        BlockExplorer(num_layers=True)  # True == 1, but a toggle's value
    with pytest.raises(ValueError, match="bottleneck must be one of False, True, got 1"):
        BlockExplorer(bottleneck=1)
    with pytest.raises(ValueError, match="unknown setting 'depth'"):
        ArchitectureExplorer(depth=100)
    with pytest.raises(ValueError, match="function must be one of"):
        TaylorExplorer().frame(function="tan")
    with pytest.raises(ValueError, match="default"):
        Control("x", "x", (1, 2), 3)


class SmallGridArchitecture(ArchitectureExplorer):
    """The architecture explorer with a static grid of the defaults only (seconds, not minutes, to test)."""

    controls = tuple(c if c.kind == "toggle" else dataclasses.replace(c, static=(c.default,))
                     for c in ArchitectureExplorer.controls)


@pytest.mark.parametrize("explorer, name, value", [
    (lambda: SmallGridArchitecture(growth_rate=13), "growth_rate", 13),  # between the slider's steps
    (lambda: SmallGridArchitecture(compression=0.6), "compression", 0.6),
    (lambda: BlockExplorer(growth_rate=7, num_layers=9), "growth_rate", 7),  # a step, but not in the static grid
    (lambda: TaylorExplorer(order=14), "order", 14),
], ids=["architecture-k13", "architecture-theta0.6", "block-k7", "taylor-order14"])
def test_explorers_show_a_value_off_their_grid_live_and_static(explorer, name, value):
    e = explorer()
    control = next(c for c in e.controls if c.name == name)
    assert value in control.values and value in control.static_values and e.defaults[name] == value
    assert list(control.values) == sorted(control.values)
    frame = e.frame()
    view = LiveView(e)
    assert view.inputs[name].value == value and view.warning.value == ""
    assert view.numbers.value == numbers_html(frame.shown)
    # static: the slider starts at the value, and the default frame is among the precomputed ones
    html = e.static_html()
    spec = _static_spec(html)
    index = control.static_values.index(value)
    assert spec["names"][name][index] == str(value)
    assert f'data-control="{name}" min="0" max="{len(control.static_values) - 1}" step="1" value="{index}"' in html
    key = ",".join(str(c.static_values.index(e.defaults[c.name])) for c in e.controls)
    assert dict(spec["frames"][key]["n"]) == frame.shown
    # other explorers keep the class's grid
    assert value not in next(c for c in type(e).controls if c.name == name).static_values


def test_architecture_explorer_between_steps_computes_that_network():
    frame = ArchitectureExplorer(growth_rate=13).frame()
    assert frame.values["parameters"] == analysis.count_parameters(network_config("cifar100", 13, True, 0.5))
    assert ArchitectureExplorer().frame(growth_rate=13).values == frame.values  # frame() takes it too
    between = ArchitectureExplorer().frame(batch=100)
    assert between.values["activations, naive"] == analysis.estimate_activation_memory(
        network_config("cifar100", 12, True, 0.5), 32, 100, memory_efficient=False)


def test_live_widgets_offer_only_the_allowed_values():
    from traitlets import TraitError

    view = LiveView(BlockExplorer())
    slider = view.inputs["growth_rate"]
    assert [v for _, v in slider.options] == list(range(1, 65))
    with pytest.raises(TraitError):
        slider.value = 65


# ----- live and static ----------------------------------------------------------------
def test_live_view_redraws_in_place():
    view = LiveView(BlockExplorer())
    (image,) = view.images.children
    first, numbers = bytes(image.value), view.numbers.value
    assert first.startswith(PNG) and "96" in numbers  # 24 + 6 * 12
    view.inputs["num_layers"].value = 10
    view.render()
    assert view.images.children == (image,)  # the same widget, a new picture
    assert bytes(image.value).startswith(PNG) and bytes(image.value) != first
    assert "144" in view.numbers.value  # 24 + 10 * 12
    arch = LiveView(ArchitectureExplorer())
    assert len(arch.images.children) == 2  # channels and memory


def test_live_view_redraws_once_per_change_in_the_kernels_thread():
    """No timer thread: a slider sends its value when let go (one redraw per drag), and the
    redraw happens at once, in the thread that handled the change."""
    view = LiveView(BlockExplorer())
    sliders = [w for w in view.inputs.values() if hasattr(w, "continuous_update")]
    assert sliders and all(w.continuous_update is False for w in sliders)
    calls = []
    render = view.render
    view.render = lambda: calls.append(threading.get_ident()) or render()
    view.inputs["num_layers"].value = 8
    assert calls == [threading.get_ident()]
    assert "120" in view.numbers.value  # 24 + 8 * 12, already drawn


def _static_json(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" class="dlab-data">(.*?)</script>', html, re.S).group(1))


def _static_spec(html: str) -> dict:
    """The static grid read back as static/explorer.js reads it (densenet_lab.widgets.static
    describes the format): for every combination of the controls' positions ("0,3,1"), the
    frame's numbers "n", warning "w" and figures "p" (indices into "plots")."""
    spec = _static_json(html)
    sizes = [len(names) for names in spec["names"]]

    def resolve(v):
        if isinstance(v, list):
            return [resolve(x) for x in v]
        if isinstance(v, dict):
            return resolve(spec["pool"][v["$"]]) if "$" in v else {k: resolve(x) for k, x in v.items()}
        return v

    def get(part, pos):
        i = 0
        for c in part["on"]:
            i = i * sizes[c] + pos[c]
        return resolve(part["values"][i])

    frames, plots = {}, []
    for pos in itertools.product(*map(range, sizes)):
        figures = [f for f in (get(part, pos) for part in spec["figures"]) if f is not None]
        rows = [[label, get(spec["rows"][label], pos)] for label in get(spec["labels"], pos)]
        frames[",".join(map(str, pos))] = {"n": rows, "w": get(spec["warning"], pos),
                                           "p": list(range(len(plots), len(plots) + len(figures)))}
        plots += figures
    return {"frames": frames, "plots": plots, "names": dict(zip(spec["controls"], spec["names"]))}


@pytest.mark.parametrize("explorer", [TaylorExplorer(), BlockExplorer()], ids=["taylor", "block"])
def test_static_html_holds_every_frame_of_the_grid(explorer):
    html = explorer.static_html()
    spec = _static_spec(html)
    sizes = [len(c.static_values) for c in explorer.controls]
    assert len(spec["frames"]) == math.prod(sizes)
    for c in explorer.controls:
        if c.kind == "slider":
            assert f'data-control="{c.name}" min="0" max="{len(c.static_values) - 1}"' in html
    # one frame checked in full: numbers and figure as the live explorer computes them
    settings = {c.name: c.static_values[-1] for c in explorer.controls}
    frame = explorer.frame(**settings)
    entry = spec["frames"][",".join(str(n - 1) for n in sizes)]
    assert dict(entry["n"]) == frame.shown
    assert len(entry["p"]) == len(frame.figures) == 1
    assert spec["plots"][entry["p"][0]]["data"][0]["y"] == pytest.approx(frame.figure.traces[0].y, rel=1e-4)


@pytest.mark.parametrize("explorer", [TaylorExplorer(), BlockExplorer(), SmallGridArchitecture(batch=8)],
                         ids=["taylor", "block", "architecture"])
def test_static_grid_reads_back_every_frame_exactly(explorer):
    """Every frame of the stored grid, read back as the page reads it, is the frame computed."""
    spec = _static_spec(explorer.static_html())
    grid = [c.static_values for c in explorer.controls]
    for pos in itertools.product(*map(range, map(len, grid))):
        frame = explorer.frame(**{c.name: values[i] for c, values, i in zip(explorer.controls, grid, pos)})
        entry = spec["frames"][",".join(map(str, pos))]
        assert entry["n"] == [list(row) for row in frame.shown.items()] and entry["w"] == frame.warning
        assert [spec["plots"][i] for i in entry["p"]] == [figure_plotly(f) for f in frame.figures]


def test_static_grid_stores_each_part_over_the_controls_it_depends_on():
    e = BlockExplorer()
    data = _static_json(e.static_html())
    position = {name: i for i, name in enumerate(data["controls"])}
    assert data["rows"]["connections L(L+1)/2"]["on"] == [position["num_layers"]]  # L(L+1)/2, whatever k and k0
    assert len(data["rows"]["connections L(L+1)/2"]["values"]) == len(e.controls[2].static_values)
    assert data["rows"]["parameters"]["on"] == [0, 1, 2, 3]
    assert data["labels"]["on"] == [position["bottleneck"]]  # the bottleneck adds a row
    # 576 frames in 0.15 MB (0.6 MB when every frame was written out in full)
    assert len(e.static_html()) < 200_000


def test_the_pool_refuses_a_key_it_uses_for_its_references():
    with pytest.raises(ValueError, match="'\\$' as a key"):
        _intern([[{"$": 1, "x": "long enough to pool"}, {"$": 1, "x": "long enough to pool"}]])


def test_a_notebook_keeps_a_preview_and_the_book_the_whole_grid(monkeypatch):
    """Only the book's page needs every precomputed setting (tools/book_html.py sets BOOK_ENV):
    a notebook keeps the explorer's settings, its toggles still working, beside the widget."""
    monkeypatch.delenv(BOOK_ENV, raising=False)
    e = SmallGridArchitecture()
    html = e._repr_mimebundle_()["text/html"]
    preview = _static_spec(html)
    assert len(preview["frames"]) == 4  # bottleneck x memory-efficient
    assert 'data-control="growth_rate" min="0" max="0" step="1" value="0" disabled>' in html  # shown, not offered
    assert all(len(names) == 1 for c, names in preview["names"].items() if c not in ("bottleneck", "memory_efficient"))
    assert dict(preview["frames"]["0,0,1,0,0,0,0"]["n"]) == e.frame().shown
    monkeypatch.setenv(BOOK_ENV, "1")
    block = BlockExplorer()
    full = _static_spec(block._repr_mimebundle_()["text/html"])
    assert len(full["frames"]) == math.prod(len(c.static_values) for c in block.controls)


def test_both_figure_backends_draw_the_same_choices():
    bars = Figure([Trace("a", [1, 2], [3.0, 4.0], kind="bar"), Trace("b", [2, 3], [1.0, 2.0], kind="bar"),
                   Trace("c", [1, 3], [2.0, 2.0], dash=True, color="black")], title="t", log_y=True)
    plotly = figure_plotly(bars)
    assert [t.get("marker", t.get("line"))["color"] for t in plotly["data"]] == [c for _, c in bars.styled()]
    assert [c for _, c in bars.styled()] == ["#1f77b4", "#ff7f0e", "black"]
    assert bars.categories == ["1", "2", "3"] and plotly["layout"]["xaxis"]["type"] == "category"
    assert plotly["layout"]["showlegend"] and plotly["layout"]["yaxis"]["type"] == "log"
    line = Figure([Trace("x", [0.0, 1.0], [1.0, 2.0])])
    for figure in (bars, dataclasses.replace(bars, stacked=True, log_y=False), line):
        assert figure_png(figure).startswith(PNG)
    with pytest.raises(ValueError, match="kind must be one of"):
        Trace("x", [1], [1.0], kind="area")


def test_the_explorer_script_parses():
    import shutil
    import subprocess

    script = resources.files("densenet_lab.widgets") / "static" / "explorer.js"
    assert "</script" not in script.read_text().lower()  # it is inlined in a <script> element
    node = shutil.which("node")
    if node is None:  # the browser tests run it too
        pytest.skip("node is not installed")
    result = subprocess.run([node, "--check", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_package_ships_the_static_files():
    import fnmatch

    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    root = Path(__file__).resolve().parents[1]
    setuptools = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = setuptools["package-data"]["densenet_lab.widgets"]
    package = root / "densenet_lab" / "widgets"
    files = [p.relative_to(package).as_posix() for p in (package / "static").iterdir()]
    assert {"static/explorer.js", "static/explorer.css"} <= set(files)
    assert all(any(fnmatch.fnmatch(f, pattern) for pattern in patterns) for f in files), files


# A page holding static explorers (and plotly.js, as the book serves it): once every explorer
# has drawn, it reads back every frame of each grid through explorer.js, moves the first
# slider, and writes what it found into <pre id="result">.
_READ_EVERY_FRAME = """<!doctype html><html><head><meta charset="utf-8"><script src="plotly.min.js"></script></head>
<body>%(explorers)s<pre id="result">pending</pre><script>
function probe() {
  var roots = Array.prototype.slice.call(document.querySelectorAll(".dlab-explorer"));
  if (!roots.every(function (r) { return r.dlabFrame && r.querySelector(".dlab-plot.js-plotly-plot .gtitle"); })) {
    setTimeout(probe, 100); return;
  }
  var found = roots.map(function (root) {
    var spec = JSON.parse(root.querySelector("script.dlab-data").textContent), frames = {};
    var pos = spec.names.map(function () { return 0; }), c;
    do {
      frames[pos.join(",")] = root.dlabFrame(pos);
      for (c = pos.length - 1; c >= 0 && ++pos[c] === spec.names[c].length; c--) { pos[c] = 0; }
    } while (c >= 0);
    var slider = root.querySelector("input[type=range]"), before = root.querySelector(".dlab-numbers").textContent;
    slider.value = slider.value === "0" ? "1" : "0";
    slider.dispatchEvent(new Event("input", {bubbles: true}));
    return {frames: frames, before: before, after: root.querySelector(".dlab-numbers").textContent};
  });
  document.getElementById("result").textContent = JSON.stringify(found);
}
probe();
</script></body></html>"""


def test_the_static_explorers_work_in_a_real_browser(tmp_path):
    """explorer.js, as shipped, in headless Chromium with no network: it draws the figures with
    plotly.js, reads every frame of the grid exactly as computed, and a slider changes the numbers."""
    plotly = pytest.importorskip("plotly")
    chromium = browser.chromium()
    explorers = [TaylorExplorer(), BlockExplorer()]
    (tmp_path / "plotly.min.js").write_bytes((Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes())
    (tmp_path / "page.html").write_text(_READ_EVERY_FRAME % {"explorers": "".join(e.static_html() for e in explorers)})
    dom = browser.dump_dom(chromium, (tmp_path / "page.html").as_uri(), "--virtual-time-budget=30000")
    found = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
    assert found and found.group(1) != "pending", "the explorers never drew their figures"
    results = json.loads(unescape(found.group(1)))
    for explorer, result in zip(explorers, results, strict=True):
        grid = [c.static_values for c in explorer.controls]
        assert len(result["frames"]) == math.prod(map(len, grid))
        for pos in itertools.product(*map(range, map(len, grid))):
            frame = explorer.frame(**{c.name: values[i] for c, values, i in zip(explorer.controls, grid, pos)})
            got = result["frames"][",".join(map(str, pos))]
            assert got["rows"] == [list(row) for row in frame.shown.items()] and got["warning"] == frame.warning
            assert got["figures"] == [figure_plotly(f) for f in frame.figures]
        assert result["before"] != result["after"]


def test_display_sends_the_widget_and_the_static_version():
    bundle = TaylorExplorer()._repr_mimebundle_()
    assert {"text/plain", "text/html", "application/vnd.jupyter.widget-view+json"} <= bundle.keys()
    assert 'class="dlab-explorer"' in bundle["text/html"]


def test_colab_gets_the_live_widget_alone(monkeypatch):
    import sys
    import types

    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    bundle = TaylorExplorer()._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "text/html" not in bundle


# ----- training from the accuracy explorer ----------------------------------------------
def test_fit_reports_every_step_and_stops_when_asked():
    from densenet_lab.train import fit

    data = load_data("digits")
    steps = []
    fit(sweep_model(4, 1, 10, (1, 1)), data, "quick", epochs=1, progress=False, on_step=lambda s, t: steps.append((s, t)))
    total = steps[-1][1]
    assert [s for s, _ in steps] == list(range(1, total + 1))

    def stop(step, _total):
        if step == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fit(sweep_model(4, 1, 10, (1, 1)), data, "quick", epochs=1, progress=False, on_step=stop)


def _widgets_of(box) -> list:
    """``box`` and every widget inside it."""
    return [box] + [w for child in getattr(box, "children", ()) for w in _widgets_of(child)]


def _record_updates(view: LiveView) -> list[tuple[str, int]]:
    """Every change of any widget of ``view`` from now on, as (trait, thread id)."""
    updates = []
    for widget in _widgets_of(view.box):
        widget.observe(lambda change: updates.append((change["name"], threading.get_ident())))
    return updates


def _sweep_and_view(epochs: int = 1):
    data = load_data("digits")
    sweep = growth_rate_sweep(data, [4], epochs=epochs, block_config=(1, 1), verbose=False)
    return data, sweep, LiveView(AccuracyExplorer(sweep, data))


@pytest.mark.slow
def test_train_button_trains_on_the_event_loop_and_every_widget_update_comes_from_its_thread():
    """Train runs as a task on the running event loop, which gets a turn between steps (a
    'user cell' runs meanwhile); the point is added, the figure redrawn; each widget update
    (progress bar, buttons, status, numbers) comes from the loop's own thread."""
    data, sweep, view = _sweep_and_view()
    trainer, updates = view.trainer, _record_updates(view)
    turns = []

    async def scenario():
        trainer.train_button.click()  # what a click in the browser calls, inside the kernel's loop
        assert trainer.running and trainer.train_button.disabled and not trainer.stop_button.disabled
        while trainer.running:  # another coroutine runs between the steps
            turns.append(trainer.progress.value)
            await asyncio.sleep(0)
        await trainer.task

    asyncio.run(scenario())
    total = trainer.progress.max
    assert total > 10 and trainer.progress.value == total
    assert len(turns) >= total and turns == sorted(turns)  # a turn after every step, the bar only advancing
    assert not trainer.train_button.disabled and trainer.stop_button.disabled
    assert [p["growth_rate"] for p in sweep.points] == [4, 16] and sweep.points[1]["added"]
    assert "k=16 (trained here)" in view.numbers.value and "added" in trainer.status.value
    assert {"value", "disabled", "max"} <= {name for name, _ in updates}
    assert {thread for _, thread in updates} == {threading.get_ident()}


@pytest.mark.slow
def test_training_from_the_explorer_and_a_users_cells_do_not_share_random_numbers():
    """While the explorer trains, the 'user' draws from the global generator between steps:
    the user's numbers are what the seed gives with no training going on, and the point is
    what ``train_point`` gives alone."""
    data, sweep, view = _sweep_and_view()
    trainer = view.trainer
    draws = []

    async def scenario():
        torch.manual_seed(123)
        trainer.start(6)
        while trainer.running:
            draws.append(torch.rand(1).item())
            await asyncio.sleep(0)

    asyncio.run(scenario())
    torch.manual_seed(123)
    assert len(draws) > 10 and draws == [torch.rand(1).item() for _ in draws]
    torch.manual_seed(7)  # a state the run must not depend on
    alone = train_point(6, data, sweep)
    added = {k: v for k, v in sweep.points[-1].items() if k not in ("seconds", "added")}
    assert added == {k: v for k, v in alone.items() if k != "seconds"}


def test_a_point_trained_step_by_step_is_the_one_fit_trains():
    """``train_point_steps`` (the explorer's run) trains exactly what ``fit`` trains from the
    same seed, and leaves the global random state as it found it."""
    from densenet_lab.train import fit

    data = load_data("digits")
    sweep = Sweep("digits", epochs=1, block_config=(1, 1))
    torch.manual_seed(5)
    state = torch.get_rng_state()
    point = train_point(4, data, sweep, seed=3)
    assert torch.equal(torch.get_rng_state(), state)
    torch.manual_seed(3)
    net = sweep_model(4, 1, 10, (1, 1))
    history = fit(net, data, "quick", epochs=1, batch_size=sweep.batch_size, lr=sweep.lr, seed=3, progress=False)
    assert point["test_acc"] == history.last["test_acc"] and point["params"] == 1766


@pytest.mark.slow
def test_stop_ends_a_run_between_two_steps_and_adds_nothing():
    data, sweep, view = _sweep_and_view()
    trainer = view.trainer
    sweep.epochs = 200  # a long run: thousands of steps

    async def scenario():
        trainer.start(8)
        while trainer.progress.value == 0:  # the bar has moved: the run is under way
            await asyncio.sleep(0)
        trainer.stop_button.click()
        await trainer.task

    asyncio.run(scenario())
    assert "stopped" in trainer.status.value and 0 < trainer.progress.value < trainer.progress.max
    assert [p["growth_rate"] for p in sweep.points] == [4]
    assert not trainer.train_button.disabled and trainer.stop_button.disabled and not trainer.running


def test_with_no_event_loop_running_train_runs_to_the_end_at_once():
    data, sweep, view = _sweep_and_view()
    view.trainer.start(4)
    assert not view.trainer.running and [p["growth_rate"] for p in sweep.points] == [4, 4]


def test_no_widget_code_starts_a_thread():
    """Colab does not show a widget update made from another thread: the explorers use none."""
    package = Path(__file__).resolve().parents[1] / "densenet_lab" / "widgets"
    for path in package.glob("*.py"):
        source = path.read_text()
        assert not re.search(r"^\s*(import|from)\s+(threading|concurrent|_thread)\b", source, re.M), path.name
