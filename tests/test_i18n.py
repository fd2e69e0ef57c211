"""Figures, explorers and messages speak the reader's language (densenet_lab.i18n), and CJK
glyphs render in matplotlib figures, or the figures fall back to English (densenet_lab.fonts)."""

from __future__ import annotations

import ast
import dataclasses
import html
import os
import re
import string
import sys
import types
import warnings
from pathlib import Path

import pytest
import torch

from densenet_lab import book, fonts, i18n
from densenet_lab.experiments import Sweep, feature_reuse, plot_feature_reuse
from densenet_lab.glossary import glossary_violations
from densenet_lab.i18n import LABELS, t
from densenet_lab.models import DenseBlock
from densenet_lab.widgets import AccuracyExplorer, ArchitectureExplorer, BlockExplorer, TaylorExplorer
from densenet_lab.widgets.figure import figure_png
from densenet_lab.widgets.live import LiveView

PACKAGE = Path(__file__).resolve().parents[1] / "densenet_lab"
SCRIPT = {"ko": re.compile(r"[\uac00-\ud7a3]"), "zh": re.compile(r"[\u4e00-\u9fff]")}  # Hangul syllables, CJK ideographs
TRANSLATED = ("ko", "zh")


# ----- the table and t() ----------------------------------------------------------------
def test_t_translates_fills_fields_and_falls_back_to_english(monkeypatch):
    assert t("order {order}", "ko", order=3) == "3차"
    assert t("order {order}", "zh", order=3) == "3 阶"
    assert t("order {order}", "en", order=3) == "order 3"
    assert t("growth rate k", "zh") == "增长率 k"
    monkeypatch.setattr(i18n, "MISSING", set())
    assert t("a text nobody translated {n}", "ko", n=1) == "a text nobody translated 1"
    assert i18n.MISSING == {"a text nobody translated {n}"}
    monkeypatch.setattr(i18n, "_language", "ko")  # lang=None: the current language
    assert t("parameters") == "매개변수" and book.current_language() == "ko"
    with pytest.raises(ValueError, match="lang must be one of 'en', 'ko', 'zh', got 'fr'"):
        t("parameters", "fr")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_label_has_both_translations_with_the_same_fields():
    for english, translations in LABELS.items():
        assert set(translations) == set(TRANSLATED), english
        for lang, text in translations.items():
            assert text.strip() and _fields(text) == _fields(english), (english, lang, text)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_labels_use_the_glossary_terms(lang):
    """A label with a glossary term (growth rate, bottleneck, dense layer, ...) uses its listed translation."""
    wrong = {english: glossary_violations(english, translations[lang], lang)
             for english, translations in LABELS.items() if glossary_violations(english, translations[lang], lang)}
    assert not wrong


LABEL_CALLS = {"t", "figure_text", "text"}  # i18n.t, i18n.figure_text, Explorer.t/figure_text and their local names


def _texts_in_source() -> dict[str, str]:
    """Every literal text the package hands to the table, with where: the first argument of
    t()/figure_text() (and the explorers' ``text`` aliases), of ``frame.add`` and of a Control's
    label, and an explorer class's title, note and live_note."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        where = str(path.relative_to(PACKAGE))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_classes = {id(n) for c in ast.walk(tree) if isinstance(c, ast.ClassDef) for n in c.body}
        for node in ast.walk(tree):
            args = []
            if isinstance(node, ast.Call):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                if name in LABEL_CALLS or (name == "add" and "widgets" in where):
                    args = node.args[:1]
                elif name == "Control":
                    args = node.args[1:2]
            elif isinstance(node, ast.Assign) and id(node) in in_classes and "widgets" in where:
                target = node.targets[0]
                if isinstance(target, ast.Name) and target.id in ("title", "note", "live_note"):
                    args = [node.value]
            for arg in args:
                assert not isinstance(arg, ast.JoinedStr), f"{where}:{arg.lineno}: an f-string handed to the label table"
                parts = [arg] if isinstance(arg, ast.Constant) else [
                    p for p in ast.walk(arg) if isinstance(p, ast.Constant) and isinstance(arg, ast.Tuple)]
                found.update({p.value: f"{where}:{p.lineno}" for p in parts if isinstance(p.value, str) and p.value})
    return found


def test_every_text_the_package_passes_to_t_is_in_the_table():
    texts = _texts_in_source()
    assert "growth rate k" in texts and "Train and add the point" in texts and "epoch" in texts  # the scan sees them
    missing = {text: where for text, where in texts.items() if text not in LABELS}
    assert not missing


# a plot call given a literal text; a formula of one word (label="exp(x)") is the same in every language
PLOT_CALLS = re.compile(r"""(?:\b(?:xlabel|ylabel|title|set_title|set_xlabel|set_ylabel|suptitle)\(\s*|label=)f?["']([^"']*)""")


def test_the_chapters_plots_take_their_texts_from_the_table():
    """A chapter's code cell (the same in every language) hands every text it plots to
    figure_text() or t(), with an English text the table has; no plot call takes a bare literal."""
    import nbformat

    book = PACKAGE.parent / "book" / "en"
    texts, bare = {}, []
    for path in sorted(book.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code" or "%" in cell.source.split("\n", 1)[0]:
                continue
            where = f"{path.name} {cell.get('id')}"
            bare += [f"{where}: {m.group(0)}" for m in PLOT_CALLS.finditer(cell.source) if " " in m.group(1)]
            for node in ast.walk(ast.parse(cell.source)):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                        and node.func.id in ("t", "figure_text") and node.args
                        and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                    texts[node.args[0].value] = where
    assert "depth (blocks)" in texts and "layers in the block" in texts  # the scan sees them
    assert not bare
    assert not {text: where for text, where in texts.items() if text not in LABELS}


# ----- explorers ----------------------------------------------------------------------
class SmallArchitecture(ArchitectureExplorer):
    """Two networks and the defaults otherwise, so the test takes seconds."""

    controls = tuple(dataclasses.replace(c, static=("cifar100", "densenet264")) if c.name == "network" else
                     c if c.kind == "toggle" else dataclasses.replace(c, static=(c.default,))
                     for c in ArchitectureExplorer.controls)


def _sweep(held_out: str = "test") -> Sweep:
    return Sweep("digits", 2, (3, 3), 32, 0.1, [
        {"growth_rate": 12, "params": 46318, "test_acc": 0.9, "seconds": 3.0},
        {"growth_rate": 4, "params": 5638, "test_acc": 0.5, "seconds": 2.0, "added": True}],
        {"device": "CPU (test)", "torch": "2.x", "date": "2026-11-23T00:00:00"}, held_out=held_out)


EXPLORERS = {
    "taylor": lambda lang: TaylorExplorer(lang=lang),
    "block": lambda lang: BlockExplorer(lang=lang),
    "architecture": lambda lang: SmallArchitecture(lang=lang),
    "accuracy": lambda lang: AccuracyExplorer(_sweep(), dataset=object(), lang=lang),
    "accuracy-validation": lambda lang: AccuracyExplorer(_sweep("validation"), lang=lang),
}
ENGLISH_TEMPLATES = [re.compile(re.sub(r"\\\{\w+\\\}", ".+", re.escape(english)))
                     for english, tr in LABELS.items() if tr["ko"] != english or tr["zh"] != english]


def untranslated(text: str, lang: str) -> bool:
    """Whether ``text`` is English the table translates (a whole English label, fields filled in),
    or looks like English prose: two English words and no character of ``lang``'s script."""
    if not text or SCRIPT[lang].search(text):
        return False
    return any(p.fullmatch(text) for p in ENGLISH_TEMPLATES) or bool(re.search(r"[A-Za-z]{3,} [a-z]{3,}", text))


def translated_figures(lang: str, monkeypatch) -> None:
    """Figure texts in ``lang``: with the installed CJK font, else as if there were one."""
    if fonts.use_cjk_font(lang) is None:
        monkeypatch.setattr(fonts, "_chosen", {lang: "a CJK font"})


def _frame_texts(frame) -> list[str]:
    texts = [*frame.shown, frame.warning]
    for figure in frame.figures:
        texts += [figure.title, figure.xlabel, figure.ylabel, *figure.categories, *(tr.name for tr in figure.traces)]
    return texts


def _explorer_texts(e) -> list[str]:
    """Title, notes, control labels and value names, and every precomputed frame's texts."""
    texts = [e.title, e.note, e.live_note]
    for c in e.controls:
        texts += [c.label, *(c.names or ())]
    for frame in e.static_frames().values():
        texts += _frame_texts(frame)
    return texts


@pytest.mark.parametrize("lang", TRANSLATED)
@pytest.mark.parametrize("name", list(EXPLORERS))
def test_explorers_show_no_untranslated_english(name, lang, monkeypatch):
    monkeypatch.setattr(i18n, "MISSING", set())
    translated_figures(lang, monkeypatch)
    e = EXPLORERS[name](lang)
    texts = _explorer_texts(e)
    if name == "architecture":  # both warnings
        texts += [ArchitectureExplorer.compute(e, "densenet121", 32, True, 0.5, 16, 8, False).warning,
                  e.frame(network="densenet264", input_size=320, batch=1024).warning]
        assert all(texts[-2:])
    assert [text for text in texts if untranslated(text, lang)] == []
    assert i18n.MISSING == set()
    assert all(SCRIPT[lang].search(text) for text in [e.title, e.note, e.live_note, *(c.label for c in e.controls)])
    static = html.unescape(e.static_html(preview=True))
    assert LABELS["Static version: {count} precomputed settings."][lang].split("{")[0] in static  # "정적 버전: "
    assert e.live_note in static


@pytest.mark.parametrize("lang", TRANSLATED)
def test_live_widgets_are_labelled_in_the_language(lang, monkeypatch):
    translated_figures(lang, monkeypatch)
    for make in EXPLORERS.values():
        e = make(lang)
        view = LiveView(e)
        header, numbers = view.box.children[0].value, view.numbers.value
        assert html.escape(e.title) in header and SCRIPT[lang].search(header)
        labels = [widget.description for widget in view.inputs.values()]
        options = [label for widget in view.inputs.values() for label, _ in getattr(widget, "options", ())]
        assert [x for x in labels + options if untranslated(x, lang)] == []
        assert SCRIPT[lang].search(numbers)
    trainer = LiveView(AccuracyExplorer(_sweep(), dataset=object(), lang=lang)).trainer
    buttons = [trainer.growth_rate.description, trainer.train_button.description, trainer.stop_button.description]
    assert all(SCRIPT[lang].search(text) for text in buttons)
    trainer._set_running(True, e.t("training k={k} ...", k=8))
    assert SCRIPT[lang].search(trainer.status.value) and "8" in trainer.status.value


def test_values_keep_english_keys_and_shown_follows_the_language():
    en, ko = BlockExplorer(lang="en").frame(), BlockExplorer(lang="ko").frame()
    assert en.values == ko.values and "parameters" in ko.values
    assert list(ko.shown) == [t(label, "ko") for label in en.shown] and ko.shown["매개변수"] == en.shown["parameters"]
    arch = ArchitectureExplorer(lang="zh")
    assert [c.key for c in arch.controls] == [c.key for c in ArchitectureExplorer(lang="en").controls]  # links
    assert arch.key == "arch"


def test_explorer_refuses_an_unknown_language():
    with pytest.raises(ValueError, match="lang must be one of 'en', 'ko', 'zh', got 'fr'"):
        BlockExplorer(lang="fr")


def test_explorers_follow_the_current_language_when_lang_is_none(monkeypatch):
    monkeypatch.setattr(i18n, "_language", "zh")
    assert BlockExplorer().lang == "zh" and BlockExplorer().title == t(BlockExplorer.title, "zh")
    assert BlockExplorer(lang="en").title == BlockExplorer.title


# ----- CJK fonts ----------------------------------------------------------------------
def _cjk_font_or_skip(lang: str) -> str:
    font = fonts.find_cjk_font(lang)
    if font is None:
        if os.environ.get("CI"):
            pytest.fail(f"no CJK font: CI installs Debian's {fonts.APT_PACKAGE}")
        pytest.skip(f"no CJK font installed (apt-get install {fonts.APT_PACKAGE})")
    return font


def _feature_reuse_figure(lang: str):
    torch.manual_seed(0)
    block = DenseBlock(3, 8, 4)
    heat = feature_reuse(block, normalize=None)
    return plot_feature_reuse(heat, heat * 1.1, lang=lang)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_korean_and_chinese_figures_render_every_glyph(lang, tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    _cjk_font_or_skip(lang)
    monkeypatch.setattr(fonts, "_chosen", {})
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # matplotlib warns "Glyph ... missing from font(s)"
        figure = BlockExplorer(lang=lang).frame().figure
        assert SCRIPT[lang].search(figure.title)
        assert figure_png(figure).startswith(b"\x89PNG")
        fig = _feature_reuse_figure(lang)
        fig.savefig(tmp_path / "reuse.png")
        plt.close(fig)
    assert SCRIPT[lang].search(fig.axes[0].get_title())
    import matplotlib
    from matplotlib import font_manager

    # Latin text keeps DejaVu Sans; the CJK font comes after it
    assert matplotlib.rcParams["font.sans-serif"][0] == "DejaVu Sans" and matplotlib.rcParams["font.family"][0] == "sans-serif"
    assert "DejaVuSans" in font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))


def test_without_a_cjk_font_figures_fall_back_to_english(monkeypatch, capsys):
    monkeypatch.setattr(fonts, "find_cjk_font", lambda lang="zh": None)
    monkeypatch.setattr(fonts, "_chosen", {})
    monkeypatch.setattr(fonts, "_state", {"scanned": True, "installed": False, "warned": False})
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    e = BlockExplorer(lang="ko")
    frame = e.frame()
    assert frame.figure.title == "channels read by each layer (k0=24, k=12, L=6)"
    assert frame.figure.xlabel == "layer" and frame.figure.traces[0].name == "block input (k0)"
    assert "매개변수" in frame.shown and e.title == t(BlockExplorer.title, "ko")  # the browser's text stays Korean
    fig = _feature_reuse_figure("zh")
    assert fig.axes[0].get_title() == "before training"
    import matplotlib.pyplot as plt

    plt.close(fig)
    out = capsys.readouterr().out
    assert out.count("No font with Korean and Chinese glyphs") == 1 and fonts.APT_PACKAGE in out


def test_on_colab_the_font_is_installed_once(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(fonts, "find_cjk_font", lambda lang="zh": "Noto Sans CJK JP" if calls else None)
    monkeypatch.setattr(fonts, "_chosen", {})
    monkeypatch.setattr(fonts, "_state", {"scanned": True, "installed": False, "warned": False})
    monkeypatch.setattr(fonts, "register", lambda family: None)
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(fonts.subprocess, "run", lambda argv, **kw: calls.append(argv))
    assert fonts.use_cjk_font("ko") == "Noto Sans CJK JP"
    assert fonts.use_cjk_font("zh") == "Noto Sans CJK JP"
    assert calls == [["apt-get", "-qq", "install", "-y", "fonts-noto-cjk"]]


def test_setup_registers_the_font_and_says_which(monkeypatch, capsys):
    font = _cjk_font_or_skip("ko")
    monkeypatch.setenv("DENSENET_LAB_PROFILE", "ci")
    monkeypatch.setattr(i18n, "_language", "en")
    monkeypatch.setattr(book, "use_default_threads", lambda profile: 1)
    monkeypatch.setattr(fonts, "_chosen", {})
    book.setup(lang="ko")
    out = capsys.readouterr().out
    assert f"그림 글꼴: {font}" in out and "이 프로필에서는" in out
