"""The book's diagrams (densenet_lab.diagrams): committed SVGs equal the code's, they parse,
carry their alt text as <title>, show the package's numbers, and take every word, in English, Korean
and Chinese, from the package's one table (densenet_lab.i18n.LABELS)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from densenet_lab import diagrams, i18n
from densenet_lab.analysis import layer_schedule, stages
from densenet_lab.diagrams import (
    ALT,
    FIGURES,
    WORDS,
    MissingLabelError,
    addition_vs_concatenation,
    dense_block,
    transition_layer,
    whole_network,
    write_figures,
)
from densenet_lab.models.registry import get_entry

ROOT = Path(__file__).resolve().parents[1]
FIGURE_DIR = ROOT / "book" / "figures"
SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: str, cls: str | None = None) -> list[str]:
    """The visible text of an SVG, one string per <text> element (optionally of one class)."""
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text") if cls is None or t.get("class") == cls]


def test_committed_svgs_equal_the_generated_ones():
    expected = {f"{name}.{lang}.svg": draw(lang) for lang in diagrams.languages() for name, draw in FIGURES.items()}
    committed = {p.name: p.read_text(encoding="utf-8") for p in FIGURE_DIR.glob("*.svg")}
    assert sorted(committed) == sorted(expected), "run: python -m densenet_lab.diagrams book/figures"
    for name, svg in expected.items():
        assert committed[name] == svg, f"{name} is stale: run python -m densenet_lab.diagrams book/figures"


def test_every_figure_is_drawn_in_every_language():
    assert diagrams.languages() == ("en", "ko", "zh")
    script = {"ko": re.compile(r"[\uac00-\ud7a3]"), "zh": re.compile(r"[\u4e00-\u9fff]")}
    for name, draw in FIGURES.items():
        for lang, letters in script.items():
            svg = draw(lang)
            assert letters.search(ET.fromstring(svg).find(f"{SVG}title").text), (name, lang)
            assert letters.search(" ".join(texts(svg))), (name, lang)
            assert '"Noto Sans CJK KR"' in svg and '"Noto Sans CJK SC"' in svg and "sans-serif" in svg


@pytest.mark.parametrize("lang", diagrams.languages())
@pytest.mark.parametrize("name", FIGURES)
def test_each_svg_parses_scales_and_has_a_title(name, lang):
    svg = FIGURES[name](lang)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    title = root.find(f"{SVG}title")
    assert root[0] is title and title.text and len(title.text) > 60  # the accessible name, first
    assert root.get("role") == "img" and root.get("aria-labelledby") == title.get("id")
    x, y, width, height = map(float, root.get("viewBox").split())
    assert (x, y) == (0, 0) and width <= 760 and height <= 760
    assert min(float(t.get("font-size")) for t in root.iter(f"{SVG}text")) >= 13  # legible at 420 px wide
    for t in root.iter(f"{SVG}text"):  # no text runs off the picture (by a generous width estimate)
        w = diagrams.text_width("".join(t.itertext()), float(t.get("font-size")))
        left = float(t.get("x")) - {"start": 0, "middle": w / 2, "end": w}[t.get("text-anchor")]
        assert 0 <= left and left + w <= width + 8, f"{name} ({lang}): {''.join(t.itertext())!r} is clipped"


def test_the_titles_are_the_alt_texts_with_the_package_numbers():
    en = ALT
    assert ET.fromstring(addition_vs_concatenation()).find(f"{SVG}title").text == en["addition_vs_concatenation"]

    schedule = layer_schedule(diagrams.one_block(4, 24, 12))
    assert [r.in_channels for r in schedule] == [24, 36, 48, 60]
    alt = en["dense_block"].format(L=4, k0=24, k=12, reads="24, 36, 48, 60", connections=10, out=72)
    assert ET.fromstring(dense_block()).find(f"{SVG}title").text == alt

    t = {s.name: s for s in stages(get_entry("densenet_bc100_k12").config)}["transition1"]
    assert (t.in_channels, t.out_channels, t.size, t.out_size) == (216, 108, 32, 16)
    alt = en["transition_layer"].format(c=216, s=32, theta="0.5", out=108, s2=16)
    assert ET.fromstring(transition_layer()).find(f"{SVG}title").text == alt

    title = ET.fromstring(whole_network("en", "densenet121")).find(f"{SVG}title").text
    assert title.startswith("DenseNet-121 drawn top to bottom")
    assert "a 3 × 224 × 224 image into 64 channels at 56 × 56" in title
    assert "dense block 3 (24 layers) grows 256 to 1024 channels at 14 × 14" in title
    assert "transition 3 compresses to 512 channels at 7 × 7" in title
    assert title.endswith("give 1000 class scores.")


# The channel counts a reader sees, beside each stage's output (the paper's Table 1 and the
# numbers chapter 4 prints); the last two are after global pooling and after the classifier.
DENSENET121 = ["3 × 224 × 224", "64 × 56 × 56", "256 × 56 × 56", "128 × 28 × 28", "512 × 28 × 28",
               "256 × 14 × 14", "1024 × 14 × 14", "512 × 7 × 7", "1024 × 7 × 7", "1024", "1000 classes"]
DENSENET_BC100 = ["3 × 32 × 32", "24 × 32 × 32", "216 × 32 × 32", "108 × 16 × 16", "300 × 16 × 16",
                  "150 × 8 × 8", "342 × 8 × 8", "342", "10 classes"]


@pytest.mark.parametrize("model, shown", [("densenet121", DENSENET121), ("densenet_bc100_k12", DENSENET_BC100)])
def test_the_whole_network_shows_the_packages_channel_counts(model, shown):
    svg = FIGURES[f"whole_network_{model}"]("en")
    assert texts(svg, "tensor") == shown
    rows = stages(get_entry(model).config)  # and the same numbers straight from analysis.stages
    from_analysis = [f"{rows[0].in_channels} × {rows[0].size} × {rows[0].size}"]
    from_analysis += [f"{r.out_channels} × {r.out_size} × {r.out_size}" for r in rows[:-1]]
    from_analysis += [str(rows[-1].in_channels), f"{rows[-1].out_channels} classes"]
    assert shown == from_analysis
    assert sum("dense block" in t for t in texts(svg)) == len(get_entry(model).config.block_config)


def test_the_whole_network_takes_any_config():
    config = get_entry("densenet169").config.replace(growth_rate=16, compression=0.75)
    svg = whole_network("en", config)
    rows = stages(config)
    assert texts(svg, "tensor")[1:-2] == [f"{r.out_channels} × {r.out_size} × {r.out_size}" for r in rows[:-1]]
    assert "DenseNet-169: growth rate k = 16, compression θ = 0.75" in texts(svg)


def test_the_block_and_transition_show_their_numbers():
    shown = texts(dense_block())
    assert [t for t in shown if "·" in t] == [f"24 + {n}·12 = {24 + 12 * n}" for n in range(5)]
    assert "[x₀, x₁, x₂, x₃, x₄]" in shown and "H₄" in shown
    small = [t for t in texts(dense_block(num_layers=2)) if "·" in t]
    assert small == ["24 + 0·12 = 24", "24 + 1·12 = 36", "24 + 2·12 = 48"]
    shown = set(texts(transition_layer()))
    assert {"216 × 32 × 32", "108 × 32 × 32", "108 × 16 × 16", "= ⌊0.5 · 216⌋ = 108", "32 → 16"} <= shown
    shown = set(texts(transition_layer(model="densenet121", index=3)))
    assert {"1024 × 14 × 14", "512 × 14 × 14", "512 × 7 × 7", "= ⌊0.5 · 1024⌋ = 512", "14 → 7"} <= shown


def test_every_visible_word_comes_from_the_label_table(monkeypatch):
    """Korean rendered as the English text in capitals: no lower-case word is left but the
    mathematics (x, g(x), f₁(x)) and the network's name."""
    def upper(text: str) -> str:  # capitals outside the {placeholders}
        return re.sub(r"(\{[^}]*\})|([^{]+)", lambda m: m.group(1) or m.group(2).upper(), text)

    table = {english: {"ko": upper(english), "zh": english} for english in i18n.LABELS}
    table.update({english: {"ko": upper(english), "zh": english} for english in [*WORDS.values(), *ALT.values()]})
    monkeypatch.setattr(i18n, "LABELS", table)
    for name, draw in FIGURES.items():
        for text in texts(draw("ko")):
            text = re.sub(r"DenseNet|[fg]₁?\(x\)|^[fg]₁?$", "", text)
            assert not re.search(r"[a-wyz]", text), f"{name}: {text!r} is not from LABELS"
        title = ET.fromstring(draw("ko")).find(f"{SVG}title").text
        title = re.sub(r"DenseNet|\b[fg]1?\b", "", title)
        assert not re.search(r"[a-wyz]", title), f"{name}: alt text not from ALT"


def test_every_word_and_alt_text_has_korean_and_chinese():
    for english in [*WORDS.values(), *ALT.values()]:
        assert set(i18n.LABELS.get(english, {})) == {"ko", "zh"}, english


def test_a_missing_label_names_the_language_and_the_label(monkeypatch):
    table = dict(i18n.LABELS)
    table[WORDS["concat"]] = {"zh": "连结"}
    monkeypatch.setattr(i18n, "LABELS", table)
    with pytest.raises(MissingLabelError, match=r"label 'concat' is missing for language 'ko'.*'concat'.*i18n\.LABELS"):
        addition_vs_concatenation("ko")
    assert "连结" in addition_vs_concatenation("zh")
    del table[ALT["dense_block"]]
    with pytest.raises(MissingLabelError, match=r"label 'dense_block' is missing for language 'zh'.*ALT\['dense_block'\]"):
        dense_block("zh")


def test_an_unknown_language_is_refused_with_the_allowed_ones(tmp_path):
    for call in (lambda: write_figures(tmp_path, "fr"), lambda: whole_network("fr"), lambda: dense_block("fr")):
        with pytest.raises(ValueError, match=r"unknown language 'fr': allowed languages are 'en', 'ko', 'zh'"):
            call()
    assert not list(tmp_path.iterdir())


def test_write_figures_and_the_command(tmp_path, capsys):
    paths = write_figures(tmp_path / "out")
    assert [p.name for p in paths] == [f"{name}.en.svg" for name in FIGURES]
    assert paths[0].read_text(encoding="utf-8") == addition_vs_concatenation("en")
    assert [p.name for p in write_figures(tmp_path / "out", "zh")] == [f"{name}.zh.svg" for name in FIGURES]
    assert diagrams.main([str(tmp_path / "cli")]) == 0
    expected = sorted(f"{name}.{lang}.svg" for name in FIGURES for lang in ("en", "ko", "zh"))
    assert sorted(p.name for p in (tmp_path / "cli").iterdir()) == expected
    out = capsys.readouterr().out
    assert str(tmp_path / "cli" / "dense_block.en.svg") in out and str(tmp_path / "cli" / "dense_block.ko.svg") in out
    assert diagrams.main([str(tmp_path / "one"), "ko"]) == 0
    assert sorted(p.name for p in (tmp_path / "one").iterdir()) == sorted(f"{name}.ko.svg" for name in FIGURES)
    assert diagrams.main([]) == 2


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError, match=r"num_layers must be an integer in \[1, 4\]"):
        dense_block(num_layers=9)
    with pytest.raises(ValueError, match=r"index must be in \[1, 2\] for 'densenet_bc100_k12', got 3"):
        transition_layer(index=3)


FIGURE_REF = re.compile(r"figures/([A-Za-z0-9_]+)\.([a-z]+)\.svg")


def figure_references(lang: str) -> dict[str, list[tuple[str, str]]]:
    """Each page of ``book/<lang>`` (a notebook's markdown cells, a .md page) with the figures it
    shows, as (name, language) pairs in order of appearance."""
    import nbformat

    found = {}
    for path in sorted((ROOT / "book" / lang).iterdir()):
        if path.suffix == ".ipynb":
            cells = nbformat.read(path, as_version=4).cells
            text = "\n".join(c.source for c in cells if c.cell_type == "markdown")
        elif path.suffix == ".md":
            text = path.read_text(encoding="utf-8")
        else:
            continue
        found[path.name] = FIGURE_REF.findall(text)
    return found


@pytest.mark.parametrize("lang", diagrams.languages())
def test_every_page_shows_existing_figures_in_its_own_language(lang):
    pages = figure_references(lang)
    shown = [(page, name, figure_lang) for page, refs in pages.items() for name, figure_lang in refs]
    assert shown, f"book/{lang} shows no figure"
    for page, name, figure_lang in shown:
        assert figure_lang == lang, f"book/{lang}/{page} shows figures/{name}.{figure_lang}.svg"
        assert (FIGURE_DIR / f"{name}.{lang}.svg").is_file(), f"book/{lang}/{page}: figures/{name}.{lang}.svg"
    english = figure_references("en")  # the same figures, in the same places, as the English page
    assert {page: [name for name, _ in refs] for page, refs in pages.items()} == \
        {page: [name for name, _ in refs] for page, refs in english.items() if page in pages}
