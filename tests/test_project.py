"""The project's promises: the README's commands, CI, packaging and the book's table of contents."""

import json
import os
import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest
import yaml

from tests import browser

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    """The one-line commands in the README's bash blocks."""
    text = (ROOT / "README.md").read_text()
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


BOOK_FLAGS = "--all -W -n --keep-going"  # every page re-executed, warnings are errors
SITE_BUILD = "tools/book_site.py build"  # every language's book, with BOOK_FLAGS


def book_site():
    sys.path.insert(0, str(ROOT / "tools"))
    import book_site

    return book_site


def test_readme_has_the_two_fresh_machine_commands():
    commands = readme_commands()
    assert len(commands) == 2
    assert commands[0].startswith('python3 -m venv .venv && .venv/bin/pip install torch==2.14.1 torchvision==0.29.1 -e ".[book]"')
    assert commands[0].endswith(f".venv/bin/python {SITE_BUILD}")
    assert book_site().BOOK_FLAGS == BOOK_FLAGS.split()
    assert "pytest" in commands[1]


def test_ci_runs_exactly_the_readme_test_command():
    script = (ROOT / ".ci" / "run").read_text().splitlines()
    body = [line for line in script if line.strip() and not line.startswith("#")]
    assert body == ["set -euo pipefail", 'cd "$(dirname "$0")/.."', readme_commands()[1]]


def colab_pins() -> dict[str, str]:
    """Colab's versions, as tests/colab/requirements.txt pins them: {name: version}."""
    lines = (ROOT / "tests" / "colab" / "requirements.txt").read_text().splitlines()
    pins = [line.split("#")[0].strip() for line in lines]
    return dict(pin.split("==") for pin in pins if pin)


def test_torch_is_a_range_whose_floor_is_the_tested_torch():
    """The oldest torch claimed is Colab's, which tools/test_colab.sh tests (the README's test
    command tests the newest pinned there); a range, never a pin, so that Colab keeps its build."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = colab_pins()
    floors = {d.split(">=")[0]: d.split(">=")[1] for d in project["dependencies"] if ">=" in d}
    assert floors["torch"] == pins["torch"].rsplit(".", 1)[0] and floors["torchvision"] == pins["torchvision"].rsplit(".", 1)[0]
    assert not any("==" in d or "<" in d for d in project["dependencies"])


def test_the_install_cell_installs_only_what_colab_keeps():
    """Every notebook's first cell installs the package with no extras (the book extra asks for
    ipywidgets 8), and each requirement that names a package Colab has admits Colab's version:
    pip then installs nothing over Colab's torch, ipywidgets or numpy."""
    from packaging.requirements import Requirement

    sys.path.insert(0, str(ROOT / "tools"))
    import book

    for path in book.notebooks():
        install = next(c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code")
        source = "".join(install["source"])
        pip_args = re.findall(r'"([^"]*)"', source.split('"pip", "install"')[1].split("]")[0])
        assert pip_args == ["-q", "densenet-lab @ {url}"], f"{path.name} installs {pip_args}"
        assert re.search(r'url = "git\+https://[^"\[\]]+"', source), f"{path.name}: the URL must name no extras"
    tomllib = pytest.importorskip("tomllib")
    requirements = [Requirement(d) for d in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]]
    pins = colab_pins()
    assert {"torch", "torchvision", "numpy", "ipywidgets"} <= {r.name for r in requirements} & pins.keys()
    for r in requirements:
        if r.name in pins:
            assert r.specifier.contains(pins[r.name]), f"{r} would replace Colab's {r.name} {pins[r.name]}"
        assert not r.extras, r


def test_toc_lists_existing_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [ch["file"] for part in toc["parts"] for ch in part["chapters"]]
    for f in files:
        assert any((ROOT / f).with_suffix(s).exists() for s in (".md", ".ipynb")), f


def test_repository_url_is_set_once_in_the_book_config():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    url = config["repository"]["url"]
    assert url.startswith("https://github.com/")
    assert url in (ROOT / "README.md").read_text()


def test_notebooks_are_tidy_and_install_from_the_configured_repository():
    sys.path.insert(0, str(ROOT / "tools"))
    import book

    assert book.main(["check"]) == 0, "run: python tools/book.py sync"
    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    for path in book.notebooks():
        nb = json.loads(path.read_text())
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert f"git+{url}" in "".join(code[0]["source"]), path
        lang = path.parent.name  # en, or a translation's ko / zh
        assert "".join(code[1]["source"]).endswith(f'P = setup(lang="{lang}")'), path  # the lang cell
        assert "lang" in code[1]["metadata"].get("tags", []), f"{path.name}: the setup cell is not tagged lang"
        tagged = [c for c in nb["cells"] if "lang" in c["metadata"].get("tags", [])]
        assert len(tagged) == 1, f"{path.name}: {len(tagged)} cells tagged lang"
        ids = [c.get("id") for c in nb["cells"]]
        assert (nb["nbformat"], nb["nbformat_minor"]) == (4, 5), path.name
        assert all(ids) and len(set(ids)) == len(ids), f"{path.name}: every cell needs its own id"
        assert all(re.fullmatch(rf"ch{path.name[:2]}-\d{{3}}", i) for i in ids), f"{path.name}: ids {ids[:3]}..."
        for cell in code:
            source = "".join(cell["source"])
            assert "NBVAL" not in source, f"{path.name}: use nbval's cell tags, not comments"
            long = [line for line in source.splitlines() if len(line) > 100]
            assert not long, f"{path.name}: code lines over 100 characters scroll sideways: {long[0]!r}"


def test_tidy_gives_new_cells_readable_ids_and_keeps_the_old_ones():
    """tools/book.py: ids a translation relies on never change; a missing, random (an editor's
    new cell) or repeated id becomes the notebook's next free number; the setup cell is tagged lang."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    sys.path.insert(0, str(ROOT / "tools"))
    import book

    cells = [new_markdown_cell("# T"), new_code_cell("# Install densenet_lab when it is missing"),
             new_code_cell('from densenet_lab.book import setup\nP = setup(lang="en")'),
             new_markdown_cell("a"), new_code_cell("x = 1"), new_markdown_cell("b"), new_code_cell("y = 2")]
    ids = ["ch05-001", "ch05-002", "ch05-007", None, "3f2a9c1e", "ch05-002", "3f2a9c1e-0c1d-4e5f-8a9b-0123456789ab"]
    for cell, cell_id in zip(cells, ids):
        cell.pop("id", None)
        if cell_id:
            cell["id"] = cell_id
    cells[4].metadata["tags"] = ["lang"]  # a stray lang tag goes
    nb = new_notebook()
    nb.cells = cells  # as read from a file: new_notebook(cells=...) would repair the ids itself
    nb = book.tidy(nb, "05_training")
    assert [c.id for c in nb.cells] == ["ch05-001", "ch05-002", "ch05-007", "ch05-008", "ch05-009", "ch05-010",
                                        "ch05-011"]
    assert nb.nbformat_minor == 5 and nbformat.validate(nb) is None
    assert [c.metadata.get("tags") for c in nb.cells if c.cell_type == "code"] == [None, ["lang"], None, None]
    again = book.tidy(nbformat.reads(nbformat.writes(nb), as_version=4), "05_training")
    assert nbformat.writes(again) == nbformat.writes(nb)
    fresh = [new_markdown_cell("# T") for _ in range(2)]
    assert [c.id for c in book.tidy(new_notebook(cells=fresh), "07_scaling_out").cells] == ["ch07-001", "ch07-002"]


def test_github_workflow_is_valid():
    """The Pages workflow against the GitHub Actions workflow schema (shipped with check-jsonschema)."""
    exe = Path(sys.executable).parent / "check-jsonschema"
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    assert workflows
    result = subprocess.run([str(exe), "--builtin-schema", "vendor.github-workflows", *map(str, workflows)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    book = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    steps = book["jobs"]["build"]["steps"]
    runs = [s.get("run", "") for s in steps]
    # the README's build, every language executed, published whole (the landing page and en/ ko/ zh/)
    assert any(f"python {SITE_BUILD} --languages en,ko,zh --out _build/site" in r for r in runs), runs
    assert [s["with"]["path"] for s in steps if "upload-pages-artifact" in s.get("uses", "")] == ["_build/site"]
    assert book["jobs"]["build"]["env"]["DENSENET_LAB_PROFILE"] == "cpu"


def test_every_english_chapter_is_in_the_toc():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    listed = {ch["file"] for part in toc["parts"] for ch in part["chapters"]}
    listed = {f for f in listed if (ROOT / f).with_suffix(".ipynb").exists()}  # not the instructors' page
    on_disk = {str(p.relative_to(ROOT).with_suffix("")) for p in (ROOT / "book" / "en").glob("*.ipynb")}
    assert on_disk == listed


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    """The README's site build, warnings as errors, of every book there is: English executed (ci
    profile); Korean and Chinese as they are (nbval executes them; the Pages workflow builds the
    site with all three executed)."""
    out = tmp_path_factory.mktemp("site")
    command = [sys.executable, str(ROOT / "tools" / "book_site.py"), "build", "--execute-languages", "en",
               "--out", str(out / "site"), "--work", str(out / "books")]
    env = {**os.environ, "DENSENET_LAB_PROFILE": "ci"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=1500, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out / "site"


@pytest.fixture(scope="module")
def built_book(built_site):
    """The English book of the built site (its HTML, as a plain ``jupyter-book build`` writes it)."""
    return built_site / "en"


@pytest.mark.slow
def test_book_builds_without_warnings(built_book):
    html = built_book
    assert "Densely connected convolutional networks" in (html / "book" / "en" / "index.html").read_text()
    assert "pre-wrap" in (html / "_static" / "book.css").read_text()
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo = config["repository"]["url"].removeprefix("https://github.com/")
    for page in sorted((ROOT / "book" / "en").glob("*.ipynb")):
        built = html / "book" / "en" / (page.stem + ".html")
        text = built.read_text()
        assert "Traceback" not in text and "ipythontb" not in text, f"{built.name} shows an error output"
        assert "<img" in text or page.stem == "00_preface", f"{built.name}: no figure"
        assert text.count("const THEBE_JS_URL") == 1, f"{built.name}: thebe's configuration script twice"
        assert "_static/book.css" in text, f"{built.name}: the book's styles (long lines wrap) are not linked"
        assert 'src="../../_static/plotly.min.js' in text or 'class="dlab-explorer"' not in text, built.name
        links = set(re.findall(r'https://colab\.research\.google\.com/github/[^"]+', text))
        assert links, f"{built.name} has no Colab link"
        for link in links:
            # .../github/OWNER/REPO/blob/BRANCH/PATH must name this page's notebook
            owner_repo, _, rest = link.removeprefix("https://colab.research.google.com/github/").partition("/blob/")
            path = rest.partition("/")[2]
            assert owner_repo == repo and (ROOT / path) == page, link


def _failing_book(root: Path) -> Path:
    """A one-page book with this project's execution settings whose notebook raises."""
    import nbformat

    root.mkdir()
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    (root / "_config.yml").write_text(yaml.safe_dump({"title": "t", "execute": config["execute"]}))
    (root / "_toc.yml").write_text("format: jb-book\nroot: page\n")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A page"),
                                         nbformat.v4.new_code_cell("raise RuntimeError('broken chapter')")])
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nbformat.write(nb, root / "page.ipynb")
    return root


@pytest.mark.slow
def test_a_chapter_that_raises_fails_the_book_build_every_time(tmp_path):
    """The README's build flags and our execute settings: a notebook that raises fails the
    build, and running the same command again fails again (it is executed again) instead
    of reporting success over the page built last time."""
    book = _failing_book(tmp_path / "book")
    jb = Path(sys.executable).parent / "jupyter-book"
    for attempt in (1, 2):
        result = subprocess.run([str(jb), "build", str(book), *BOOK_FLAGS.split()],
                                capture_output=True, text=True, timeout=300)
        assert result.returncode != 0, f"build {attempt} passed over a failing notebook"
        assert "broken chapter" in result.stdout + result.stderr, (result.stdout + result.stderr)[-3000:]
        page = book / "_build" / "html" / "page.html"
        assert not page.exists() or "broken chapter" not in page.read_text()


@pytest.mark.slow
def test_the_site_has_a_book_per_language_and_a_switch_on_every_page(built_site):
    """The site's landing page, and each book's pages: their language, a switch whose links reach
    the same page in the other books, Colab and Binder links to that language's notebook, a search
    index and the theme's words in that language."""
    from tests.test_site import Links, search_terms, switch

    missing = [lang for lang in ("ko", "zh") if not (ROOT / "book" / lang).is_dir()]
    if missing:
        pytest.skip(f"book/{missing[0]} is not in the repository yet (python tools/translate.py sync makes it)")
    landing = Links((built_site / "index.html").read_text(encoding="utf-8")).anchors
    assert [a["hreflang"] for a in landing] == ["en", "ko", "zh-CN"]
    assert all((built_site / a["href"]).exists() for a in landing), landing
    for lang, tag in (("en", "en"), ("ko", "ko"), ("zh", "zh-CN")):
        pages = sorted((built_site / lang / "book" / lang).glob("*.html"))
        assert [p.stem for p in pages] == sorted(p.stem for p in (ROOT / "book" / "en").glob("*.*")), lang
        for page in pages:
            assert Links(page.read_text(encoding="utf-8")).lang == tag, page
            links = switch(page)
            assert [(a["hreflang"], a["lang"]) for a in links] == [("en", "en"), ("ko", "ko"), ("zh-CN", "zh-CN")]
            for link, other in zip(links, ("en", "ko", "zh")):
                target = (page.parent / link["href"]).resolve()
                assert target == built_site / other / "book" / other / page.name and target.exists(), (page, link)
        assert "densenet" in search_terms(built_site / lang), f"{lang}: no search index of its own"
    page = (built_site / "ko" / "book" / "ko" / "03_dense_blocks.html").read_text(encoding="utf-8")
    colab = set(re.findall(r'https://colab\.research\.google\.com/github/[^"]+', page))
    assert colab and all(link.endswith("/blob/main/book/ko/03_dense_blocks.ipynb") for link in colab), colab
    binder = set(re.findall(r'https://mybinder\.org/v2/gh/[^"]+', page))
    assert binder and all(link.endswith("urlpath=tree/book/ko/03_dense_blocks.ipynb") for link in binder), binder
    assert "검색" in page and "在本书中搜索" in (built_site / "zh" / "search.html").read_text(encoding="utf-8")


def _internal_targets(page: Path, text: str) -> list[Path]:
    refs = re.findall(r'(?:href|src)="([^"#?]+)', text)
    return [(page.parent / r).resolve() for r in refs if not re.match(r"^[a-z]+:|^//", r)]


@pytest.mark.slow
def test_pages_render_in_a_real_browser(built_book):
    """Serve the built site on localhost, open every chapter in headless Chromium, and check
    that it renders with its figures and that no internal link or image is broken."""
    chromium = browser.chromium()
    with browser.serve(built_book) as site:
        for page in sorted((built_book / "book" / "en").glob("*.html")):
            text = page.read_text()
            broken = [t for t in _internal_targets(page, text) if not t.exists()]
            assert not broken, f"{page.name}: broken links or images {broken[:5]}"
            dom = browser.dump_dom(chromium, f"{site}/book/en/{page.name}")
            assert "<h1" in dom and "bd-article" in dom, f"{page.name} did not render"
            if "ko" in book_site().available_languages():
                assert 'hreflang="ko"' in dom.partition("dlab-language-switch")[2], f"{page.name}: no switch"
            images = re.findall(r'<img[^>]+src="([^"]+)"', dom)
            for src in images:
                assert (page.parent / src).resolve().exists(), f"{page.name}: missing image {src}"
            if page.stem not in ("index", "00_preface", "instructors", "glossary"):  # pages of prose only
                assert images, f"{page.name}: no figure rendered"
            seen = _visible_text(dom)
            for word in ("NBVAL", "Traceback", "nan", "NaN"):
                assert not re.search(rf"\b{word}\b", seen), f"{page.name} shows {word!r} to the reader"


def _visible_text(dom: str) -> str:
    """The text a reader sees: the DOM without scripts, styles and tags."""
    dom = re.sub(r"<(script|style)\b.*?</\1>", " ", dom, flags=re.S | re.I)
    return unescape(re.sub(r"<[^>]+>", " ", dom))


# Opens a chapter in an iframe, waits until every static explorer has drawn its plotly
# figure and its numbers, moves each explorer's first slider (or menu), and writes what
# the reader sees before and after into <pre id="result">.
_MOVE_SLIDERS = """<!doctype html><html><body><pre id="result">pending</pre>
<iframe id="page" src="%(page)s" style="width:1300px;height:2000px"></iframe>
<script>
function text(root, selector) { var el = root.querySelector(selector); return el ? el.textContent : null; }
function probe() {
  var doc = document.getElementById("page").contentDocument;
  var explorers = Array.prototype.slice.call(doc.querySelectorAll(".dlab-explorer"));
  var ready = explorers.length > 0 && explorers.every(function (e) {
    return e.querySelector(".dlab-plot.js-plotly-plot .gtitle") && e.querySelector(".dlab-numbers tr");
  });
  if (!ready) { setTimeout(probe, 250); return; }
  var results = explorers.map(function (e) {
    var input = e.querySelector("input[type=range]") || e.querySelector("select");
    var r = {control: input.dataset.control, kind: input.tagName, from: input.value,
             numbers: text(e, ".dlab-numbers"), title: text(e, ".gtitle")};
    input.value = input.value === "0" ? "1" : "0";
    input.dispatchEvent(new Event("input", {bubbles: true}));
    r.to = input.value;
    return r;
  });
  setTimeout(function () {
    explorers.forEach(function (e, i) {
      results[i].numbers_after = text(e, ".dlab-numbers");
      results[i].title_after = text(e, ".gtitle");
    });
    document.getElementById("result").textContent = JSON.stringify(results);
  }, 1000);
}
document.getElementById("page").addEventListener("load", probe);
</script></body></html>"""


@pytest.mark.slow
def test_static_explorers_respond_to_their_sliders_in_a_real_browser(built_book):
    """With no kernel, every explorer in the built book draws its figure with plotly.js
    (served by the site itself, no CDN), and moving a slider changes what it shows."""
    chromium = browser.chromium()
    pages = [p for p in sorted((built_book / "book" / "en").glob("*.html")) if 'class="dlab-explorer"' in p.read_text()]
    assert {p.stem for p in pages} >= {"01_taylor_to_dense", "03_dense_blocks", "04_whole_network",
                                       "05_training", "06_memory_and_speed"}
    with browser.serve(built_book) as site:
        for page in pages:
            probe = built_book / f"_probe_{page.stem}.html"
            probe.write_text(_MOVE_SLIDERS % {"page": f"book/en/{page.name}"})
            dom = browser.dump_dom(chromium, f"{site}/{probe.name}", "--virtual-time-budget=30000")
            found = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
            assert found and found.group(1) != "pending", f"{page.name}: the explorers never drew (no plotly figure)"
            results = json.loads(unescape(found.group(1)))
            assert results
            for r in results:
                assert r["from"] != r["to"], r
                if r["kind"] == "INPUT":  # a slider: the numbers change
                    assert r["numbers"] != r["numbers_after"], f"{page.name}: moving {r['control']} changed nothing"
                else:  # a menu: the figure changes
                    assert r["title"] != r["title_after"], f"{page.name}: choosing {r['control']} changed nothing"


def test_ruff_finds_nothing():
    """The code passes the linter the project configures (pyproject's [tool.ruff])."""
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", str(ROOT)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
