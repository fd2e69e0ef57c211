"""The exercise checks' feedback in English, Korean and Chinese: every message has all three,
with the same format fields and the glossary's terms, and a check speaks the reader's language."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from densenet_lab import book
from densenet_lab.exercises import ExerciseError, NotAnswered, check_block_channels, messages
from densenet_lab.exercises.messages import MESSAGES, fields, msg
from densenet_lab.glossary import glossary_violations

EXERCISES = Path(messages.__file__).parent
HANGUL = re.compile(r"[\uac00-\ud7a3]")
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def reader(monkeypatch):
    """``reader("ko")`` makes the messages Korean for one test (the language is put back after)."""
    def use(lang: str) -> None:
        monkeypatch.setattr(messages, "current_language", lambda: lang)
    return use


def _block_channels(k0, k, num_layers):
    return k0 + num_layers * k


def _one_layer_only(k0, k, num_layers):
    return k0 + k


PASSED = {"en": "Correct: k0 + L*k on every case, including a block of no layers.\n",
          "ko": "정답입니다: 계층이 하나도 없는 블록까지 모든 경우에서 k0 + L*k입니다.\n",
          "zh": "正确：在每个情形下都是 k0 + L*k，包括没有层的块。\n"}
FAILED = {"en": ("Expected: block_channels(24, 12, 16) = 216", "Got:      36",
                 "Hint:     every one of the layers adds k channels, not only the first"),
          "ko": ("기대한 값: block_channels(24, 12, 16) = 216", "실제 값:   36",
                 "힌트:      첫 계층만이 아니라 모든 계층이 채널을 k개씩 더합니다"),
          "zh": ("预期：block_channels(24, 12, 16) = 216", "实际：36", "提示：每一层都会增加 k 个通道，而不只是第一层")}


@pytest.mark.parametrize("lang", ["en", "ko", "zh"])
def test_a_passing_check_says_so_in_the_readers_language(reader, capsys, lang):
    reader(lang)
    assert check_block_channels(_block_channels) == 1
    assert capsys.readouterr().out == PASSED[lang]


@pytest.mark.parametrize("lang", ["en", "ko", "zh"])
def test_a_failing_check_says_what_was_expected_in_the_readers_language(reader, lang):
    reader(lang)
    with pytest.raises(ExerciseError) as error:
        check_block_channels(_one_layer_only)
    assert str(error.value).splitlines()[1:] == list(FAILED[lang])
    assert error.value.got == "36"
    with pytest.raises(NotAnswered, match={"en": "No answer yet", "ko": "아직 답이 없습니다", "zh": "还没有答案"}[lang]):
        check_block_channels(None)


@pytest.mark.parametrize("lang", ["en", "ko", "zh"])
def test_setup_lang_chooses_the_checks_language(capsys, lang):
    before = book.current_language()
    try:
        book.set_language(lang)
        check_block_channels(_block_channels)
    finally:
        book.set_language(before)
    assert capsys.readouterr().out == PASSED[lang]


def test_every_message_has_korean_and_chinese_with_the_same_fields():
    assert len(MESSAGES) > 100
    for english, translations in MESSAGES.items():
        assert set(translations) == {"ko", "zh"}, english
        for lang, text in translations.items():
            assert text.strip() and fields(text) == fields(english), (english, lang, text)
            assert text.startswith("\n") == english.startswith("\n"), (english, lang)
            words = re.sub(r"\{[^}]*\}|`[^`]*`", "", english)
            if re.search(r"[a-z]{3} [a-z]{3}", words):  # prose, not just code or a number
                assert HANGUL.search(text) if lang == "ko" else HAN.search(text) and not HANGUL.search(text), \
                    (english, lang, text)


def test_every_message_uses_the_glossarys_terms():
    """Where the English prose says *channel*, the Korean says 채널 and the Chinese 通道, and so on
    (code in a message, such as ``model.parameters()`` or ``in_channels``, is not prose)."""
    def prose(english: str) -> str:
        return re.sub(r"[\w.]+\([^()]*\)|\w+[._]\w[\w.]*", " ", english)

    bad = [(english, lang, term) for english, translations in MESSAGES.items() for lang, text in translations.items()
           for term in glossary_violations(prose(english), text, lang)]
    assert bad == []


def _msg_texts(node: ast.AST) -> list[str]:
    """The English texts a ``msg(...)`` call's first argument can be: a string, or either branch of an if."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _msg_texts(node.body) + _msg_texts(node.orelse)
    raise AssertionError(f"msg() needs its English text written out, line {node.lineno}")


def used_texts() -> set[str]:
    used = set()
    for path in sorted(EXERCISES.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "msg":
                used.update(_msg_texts(node.args[0]))
    return used


def test_every_message_a_check_says_is_in_the_table_and_every_entry_is_said():
    used = used_texts()
    assert sorted(used - set(MESSAGES)) == []  # said, with no translation
    assert sorted(set(MESSAGES) - used) == []  # translated, never said


def test_no_check_prints_or_fails_with_untranslated_text():
    """``fail``/``correct``/``require_answer`` get ``msg(...)`` or code (an f-string or repr), never prose."""
    for path in sorted(EXERCISES.glob("ch*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("fail", "correct", "require_answer"):
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        assert not re.search(r"[a-z]{2,} [a-z]{2,}", arg.value), (path.name, node.lineno, arg.value)


def test_an_unknown_message_is_a_key_error_naming_it():
    with pytest.raises(KeyError, match="no translation of the exercise message 'nonsense'"):
        msg("nonsense")
