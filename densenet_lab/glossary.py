"""The course's terms in English, Korean and Simplified Chinese, and a check that translations use them.

``GLOSSARY`` maps an English term to its Korean (``"ko"``) and Chinese (``"zh"``) rendering. The
renderings follow the Korean and Chinese editions of *Dive into Deep Learning* (ko.d2l.ai and
zh.d2l.ai, 《动手学深度学习》) where those editions settle on one; where an edition wavers (the
Korean one writes both 전환 레이어 and 전이 계층 for *transition layer*, 컨벌루션 and 컨볼루션 for
*convolution*) the choice here is the one that agrees with that edition's other terms (계층 for
*layer*) and is fixed from now on. Notes on the choices are the comments next to the entries.

:func:`glossary_violations` is what the translation tests use: the terms an English markdown cell
uses whose listed translation its translated cell lacks.
"""

from __future__ import annotations

import re

from ._checks import check_choice

TRANSLATED = ("ko", "zh")

GLOSSARY: dict[str, dict[str, str]] = {
    # DenseNet's own vocabulary
    "growth rate": {"ko": "성장률", "zh": "增长率"},
    "growth-rate sweep": {"ko": "성장률 탐색", "zh": "增长率扫描"},
    "dense block": {"ko": "고밀도 블록", "zh": "稠密块"},  # ko.d2l.ai: 고밀도 블록; zh.d2l.ai: 稠密块
    "dense connectivity": {"ko": "고밀도 연결", "zh": "稠密连接"},
    "transition layer": {"ko": "전이 계층", "zh": "过渡层"},
    "bottleneck layer": {"ko": "병목 계층", "zh": "瓶颈层"},
    "bottleneck": {"ko": "병목", "zh": "瓶颈"},
    "compression factor": {"ko": "압축 계수", "zh": "压缩因子"},
    "compression": {"ko": "압축", "zh": "压缩"},
    "feature reuse": {"ko": "특징 재사용", "zh": "特征重用"},
    "dense layer": {"ko": "고밀도 계층", "zh": "稠密层"},
    "composite function": {"ko": "합성 함수", "zh": "复合函数"},
    "concatenation": {"ko": "연결", "zh": "连结"},  # zh.d2l.ai writes 连结 (concatenate), not 连接 (connect)
    # memory and speed
    "gradient checkpointing": {"ko": "기울기 체크포인팅", "zh": "梯度检查点"},  # ko: 기울기, as for any gradient
    "checkpointing": {"ko": "체크포인팅", "zh": "检查点"},
    "memory-efficient": {"ko": "메모리 효율적", "zh": "内存高效"},
    # from the textbook's earlier chapters
    "degradation": {"ko": "성능 저하", "zh": "退化"},  # ResNet's degradation problem
    "residual network": {"ko": "잔차 네트워크", "zh": "残差网络"},
    "skip connection": {"ko": "스킵 연결", "zh": "跳跃连接"},
    "residual block": {"ko": "잔차 블록", "zh": "残差块"},
    "pre-activation": {"ko": "사전 활성화", "zh": "预激活"},
    "activation": {"ko": "활성화", "zh": "激活"},
    "pooling": {"ko": "풀링", "zh": "汇聚"},
    "vanishing gradient": {"ko": "기울기 소실", "zh": "梯度消失"},
    "gradient": {"ko": "기울기", "zh": "梯度"},  # ko.d2l.ai: 기울기 소실, 기울기 폭발
    "batch normalization": {"ko": "배치 정규화", "zh": "批量规范化"},  # zh.d2l.ai 2nd ed.: 批量规范化
    "global average pooling": {"ko": "전역 평균 풀링", "zh": "全局平均汇聚"},  # zh.d2l.ai: 汇聚 for pooling
    "feature map": {"ko": "특징 맵", "zh": "特征映射"},  # zh.d2l.ai 6.2.6: 特征映射
    "channel": {"ko": "채널", "zh": "通道"},
    "convolution": {"ko": "컨벌루션", "zh": "卷积"},  # ko.d2l.ai's most frequent spelling
    "parameter": {"ko": "매개변수", "zh": "参数"},
}


def english_pattern(term: str) -> re.Pattern[str]:
    """The regex that finds ``term`` in English prose: any case, words joined by spaces or
    hyphens, a plural ``s``/``es``, and British ``-isation`` (``batch normalisation``)."""
    words = [re.escape(w).replace("ization", "i[sz]ation") for w in re.split(r"[\s-]+", term)]
    return re.compile(r"(?<![\w`])" + r"[\s-]+".join(words) + r"(?:e?s)?(?![\w`])", re.IGNORECASE)


def prose(markdown: str) -> str:
    """``markdown`` without code blocks, inline code, math and link targets: the words a
    translator translates (code and math stay as they are in every language). The text of a
    directive (a solution's ``{admonition}`` box) is prose too."""
    # a code block goes; a directive's block ({admonition}, {note}, ...) is prose and stays
    text = re.sub(r"```(?!\{).*?```|~~~(?!\{).*?~~~", " ", markdown, flags=re.S)
    text = re.sub(r"\$\$.*?\$\$|\$[^$\n]+\$|`[^`\n]+`", " ", text, flags=re.S)
    return re.sub(r"\]\([^)]*\)", "]", text)


def glossary_violations(english_md: str, translated_md: str, lang: str) -> list[str]:
    """The English terms (keys of ``GLOSSARY``) that ``english_md`` uses in its prose whose listed
    translation into ``lang`` (``"ko"`` or ``"zh"``) ``translated_md`` does not contain, in
    glossary order. Empty when the translation uses every term it should."""
    lang = check_choice("lang", lang, TRANSLATED)
    english = prose(english_md)
    return [term for term, renderings in GLOSSARY.items()
            if english_pattern(term).search(english) and renderings[lang] not in translated_md]


def markdown_table() -> str:
    """The glossary as the Markdown table the book's glossary pages hold (``book/<lang>/glossary.md``;
    a test keeps each page's table equal to this): ``python -m densenet_lab.glossary`` prints it."""
    rows = ["| English | 한국어 | 简体中文 |", "|---|---|---|"]
    rows += [f"| {term} | {r['ko']} | {r['zh']} |" for term, r in sorted(GLOSSARY.items())]
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
