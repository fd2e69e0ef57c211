"""tools/book_site.py and tools/book_languages.py: the three-language site's configs and tables of
contents, its landing page, the language switch, and a small site built without execution.

The real site (English executed) is built once by tests/test_project.py's ``built_site``."""

import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import book_languages  # noqa: E402
import book_site  # noqa: E402


class Links(HTMLParser):
    """The ``<a>`` elements of a page (their attributes) and its ``<html lang>``."""

    def __init__(self, text: str):
        super().__init__()
        self.anchors, self.lang = [], None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.anchors.append(dict(attrs))
        elif tag == "html":
            self.lang = dict(attrs).get("lang")


def switch(page: Path) -> list[dict]:
    """The language switch's links on a built page (the ``<a hreflang>`` of its menu)."""
    block = re.search(r'<div class="dropdown dlab-language-switch">.*?</div>', page.read_text(encoding="utf-8"), re.S)
    assert block, f"{page}: no language switch"
    return [a for a in Links(block.group(0)).anchors if "hreflang" in a]


def search_terms(book: Path) -> set[str]:
    """The words a built book's search index knows (``searchindex.js``)."""
    text = (book / "searchindex.js").read_text(encoding="utf-8")
    return set(json.loads(text.removeprefix("Search.setIndex(").removesuffix(")"))["terms"])


def test_each_book_gets_its_language_title_switch_settings_and_execution():
    english = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    config = book_site.book_config(ROOT, "zh", ["en", "ko", "zh"], execute=False)
    assert config["title"] == "DenseNet 实验课"
    assert config["execute"]["execute_notebooks"] == "off"
    sphinx = config["sphinx"]["config"]
    assert (sphinx["language"], sphinx["site_language"], sphinx["site_languages"]) == ("zh_CN", "zh", ["en", "ko", "zh"])
    assert {k: v for k, v in sphinx.items() if not k.startswith(("language", "site_"))} == english["sphinx"]["config"]
    for name, path in config["sphinx"]["local_extensions"].items():
        assert Path(path).is_absolute() and (Path(path) / f"{name}.py").exists(), (name, path)
    executed = book_site.book_config(ROOT, "ko", ["en", "ko"], execute=True)
    assert executed["execute"] == english["execute"] and executed["sphinx"]["config"]["language"] == "ko"
    rest = {k: v for k, v in executed.items() if k not in ("title", "sphinx")}
    assert rest == {k: v for k, v in english.items() if k not in ("title", "sphinx")}


def _fake_book(root: Path, languages=("en", "ko", "zh")) -> Path:
    """A two-page book (a markdown root and a notebook without code) in ``languages``, with this
    project's extensions and repository settings, for builds that take seconds."""
    root.mkdir(exist_ok=True)
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    config["sphinx"]["local_extensions"] = {"book_languages": str(ROOT / "tools")}
    config.pop("bibtex_bibfiles")
    config["sphinx"]["config"].pop("bibtex_reference_style")
    (root / "_config.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    toc = {"format": "jb-book", "root": "book/en/index",
           "parts": [{"caption": "Chapters", "chapters": [{"file": "book/en/01_page"}]}]}
    (root / "_toc.yml").write_text(yaml.safe_dump(toc), encoding="utf-8")
    text = {"en": "Dense blocks concatenate.", "ko": "고밀도 블록은 연결합니다.", "zh": "稠密块把特征连结起来。"}
    for lang in languages:
        (root / "book" / lang).mkdir(parents=True)
        (root / "book" / lang / "index.md").write_text(f"# Home {lang}\n\n```{{tableofcontents}}\n```\n")
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# Page {lang}\n\n{text[lang]}")])
        nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
        nbformat.write(nb, root / "book" / lang / "01_page.ipynb")
    return root


def test_each_books_toc_is_the_english_one_in_its_language(tmp_path):
    root = _fake_book(tmp_path)
    toc = book_site.book_toc(root, "ko")
    assert toc["root"] == "book/ko/index"
    assert toc["parts"] == [{"caption": "목차", "chapters": [{"file": "book/ko/01_page"}]}]
    assert book_site.toc_files(yaml.safe_load((ROOT / "_toc.yml").read_text()))[:2] == ["book/en/index",
                                                                                     "book/en/00_preface"]
    (root / "book" / "zh" / "01_page.ipynb").unlink()
    with pytest.raises(ValueError, match=r"languages: the zh book lacks \['book/zh/01_page'\].*translate.py sync"):
        book_site.book_toc(root, "zh")
    assert book_site.available_languages(root) == ["en", "ko", "zh"]


def test_the_switch_links_each_page_to_the_same_page_in_every_language():
    links = book_languages.switch_links("book/ko/03_dense_blocks", "ko", ["en", "ko", "zh"])
    assert [(link["name"], link["url"], link["current"]) for link in links] == [
        ("English", "../../../en/book/en/03_dense_blocks.html", False),
        ("한국어", "../../../ko/book/ko/03_dense_blocks.html", True),
        ("简体中文", "../../../zh/book/zh/03_dense_blocks.html", False)]
    assert [link["url"] for link in book_languages.switch_links("search", "zh", ["en", "zh"])] == [
        "../en/search.html", "../zh/search.html"]
    with pytest.raises(ValueError, match=r"languages: got \['en', 'fr'\], allowed: each of \['en', 'ko', 'zh'\]"):
        book_languages.switch_links("search", "en", ["en", "fr"])


def test_chinese_is_indexed_for_search_without_jieba():
    words = book_languages.ChineseWithoutJieba({}).split("DenseNet 的增长率，稠密块。")
    assert {"DenseNet", "增长", "长率", "的增长率", "稠密", "密块", "稠密块"} <= set(words)
    assert "，" not in "".join(words)


def test_the_landing_page_offers_each_language_in_its_own_words():
    page = book_site.landing_page(["en", "ko", "zh"])
    parsed = Links(page)
    assert parsed.lang == "en"
    assert [(a["href"], a["hreflang"]) for a in parsed.anchors] == [
        ("en/book/en/index.html", "en"), ("ko/book/ko/index.html", "ko"), ("zh/book/zh/index.html", "zh-CN")]
    for name, tag in (("English", "en"), ("한국어", "ko"), ("简体中文", "zh-CN")):
        assert re.search(rf'<li lang="{tag}"><a [^>]*>{name}</a>', page), name
    with pytest.raises(ValueError, match="languages: got"):
        book_site.landing_page(["en", "en"])


@pytest.mark.slow
def test_a_small_site_builds_with_a_switch_colab_links_and_a_search_index_per_language(tmp_path):
    root = _fake_book(tmp_path / "src")
    out = tmp_path / "site"
    assert book_site.main(["build", "--root", str(root), "--out", str(out), "--execute-languages", "none"]) == 0
    assert [a["href"] for a in Links((out / "index.html").read_text(encoding="utf-8")).anchors] == [
        f"{lang}/book/{lang}/index.html" for lang in ("en", "ko", "zh")]
    assert (out / ".nojekyll").exists()  # GitHub Pages serves _static/ as it is
    for lang, tag in (("en", "en"), ("ko", "ko"), ("zh", "zh-CN")):
        for name in ("index", "01_page"):
            page = out / lang / "book" / lang / f"{name}.html"
            assert Links(page.read_text(encoding="utf-8")).lang == tag, page
            links = switch(page)
            assert [a["hreflang"] for a in links] == ["en", "ko", "zh-CN"]
            for link, other in zip(links, ("en", "ko", "zh")):
                target = (page.parent / link["href"]).resolve()
                assert target == out / other / "book" / other / page.name and target.exists(), link
                alternate = f'<link rel="alternate" hreflang="{link["hreflang"]}" href="{link["href"]}" />'
                assert (alternate in page.read_text(encoding="utf-8")) == (other != lang), alternate
        colab = re.findall(r'https://colab\.research\.google\.com/github/[^"]+', (out / lang / "book" / lang /
                                                                                 "01_page.html").read_text())
        assert colab and all(link.endswith(f"/blob/main/book/{lang}/01_page.ipynb") for link in colab), colab
        assert (out / lang / "searchindex.js").exists()
    assert {"稠密", "特征", "稠密块把特征连结起来"} <= search_terms(out / "zh")
    assert {"고밀도", "블록은"} <= search_terms(out / "ko")
    assert "在本书中搜索" in (out / "zh" / "search.html").read_text(encoding="utf-8")
    alone = tmp_path / "ko-only"  # a site of one book: its language, no switch
    assert book_site.main(["build", "--root", str(root), "--out", str(alone), "--languages", "ko",
                           "--execute-languages", "none"]) == 0
    page = (alone / "ko" / "book" / "ko" / "01_page.html").read_text(encoding="utf-8")
    assert "dlab-language-switch" not in page and "이 책에서 검색" in page and '<html lang="ko"' in page
