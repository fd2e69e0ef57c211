"""Every message the exercise checks print or raise, in English, Korean and Simplified Chinese.

``MESSAGES`` is keyed by the English text, so a call site reads as the English it prints:
``msg("the function {name}", name="double")``. Each entry gives the Korean (``"ko"``, 합니다체)
and Chinese (``"zh"``) text with the same format fields; the course glossary
(``densenet_lab.glossary``) fixes their terms. Numbers, code and argument names stay as they are.
:func:`msg` formats an entry in the reader's language (``densenet_lab.book.current_language``).
"""

from __future__ import annotations

import string
from typing import Any

from ..book import current_language

LANGUAGES = ("en", "ko", "zh")

# the frame of every result: a check that passes, one that fails, one with no answer yet
FRAME: dict[str, dict[str, str]] = {
    "Correct: {message}": {"ko": "정답입니다: {message}", "zh": "正确：{message}"},
    "\nExpected: {expected}\nGot:      {got}\nHint:     {hint}": {
        "ko": "\n기대한 값: {expected}\n실제 값:   {got}\n힌트:      {hint}",
        "zh": "\n预期：{expected}\n实际：{got}\n提示：{hint}"},
    "\nNo answer yet: write {what} in the cell above, run it, then run this check.": {
        "ko": "\n아직 답이 없습니다: 위 셀에 다음을 작성해 실행한 다음, 이 확인 셀을 실행하십시오: {what}",
        "zh": "\n还没有答案：请在上面的单元格中写出{what}并运行，然后运行这个检查。"},
    "\nNo answer yet: {what} still raises NotImplementedError; write it in the cell above, run it, "
    "then run this check.": {
        "ko": "\n아직 답이 없습니다: {what}에서 여전히 NotImplementedError가 발생합니다. 위 셀에 "
              "답을 작성해 실행한 다음, 이 확인 셀을 실행하십시오.",
        "zh": "\n还没有答案：{what} 仍然抛出 NotImplementedError；请在上面的单元格中写出它并运行，"
              "然后运行这个检查。"},
}

# the label of what came out, as the frame above writes it (the grader looks for it)
GOT_LABELS = {"en": "Got:", "ko": "실제 값:", "zh": "实际："}

# what core.py says for every chapter: answers that are not functions or modules, or raise
CORE: dict[str, dict[str, str]] = {
    "a {type}": {"ko": "{type} 객체", "zh": "{type} 对象"},
    "none": {"ko": "없음", "zh": "无"},
    "the reference": {"ko": "참조 구현", "zh": "参考实现"},
    "the function {name}": {"ko": "함수 {name}", "zh": "函数 {name}"},
    "the class {name}": {"ko": "클래스 {name}", "zh": "类 {name}"},
    "{what}, a function": {"ko": "{what}: 함수", "zh": "{what}：一个函数"},
    "define it with def, then pass its name": {
        "ko": "def로 정의한 다음, 그 이름을 넘기십시오", "zh": "用 def 定义它，然后传入它的名字"},
    "{what}{args} to return a value": {"ko": "값을 반환하는 {what}{args}", "zh": "{what}{args} 返回一个值"},
    "run your function on these arguments in a cell of its own and read the error": {
        "ko": "별도의 셀에서 이 인자로 함수를 실행해 보고 오류 메시지를 읽어 보십시오",
        "zh": "在单独的单元格中用这些参数运行你的函数，并阅读错误信息"},
    "{what}, a torch.nn.Module": {"ko": "{what}: torch.nn.Module", "zh": "{what}：一个 torch.nn.Module"},
    "build it from nn layers (nn.Sequential or a class)": {
        "ko": "nn 계층으로 만드십시오(nn.Sequential 또는 클래스)", "zh": "用 nn 层构建它（nn.Sequential 或一个类）"},
    "build it from nn layers (a class deriving from nn.Module, or nn.Sequential)": {
        "ko": "nn 계층으로 만드십시오(nn.Module을 상속한 클래스 또는 nn.Sequential)",
        "zh": "用 nn 层构建它（继承 nn.Module 的类，或 nn.Sequential）"},
    "{what} to accept a batch of shape {shape}": {
        "ko": "형상 {shape}의 배치를 받는 {what}", "zh": "{what} 接受形状为 {shape} 的批量"},
    "print the shape after each layer to see where it breaks": {
        "ko": "각 계층 뒤에서 형상을 출력해 어디서 깨지는지 확인하십시오",
        "zh": "在每一层之后打印形状，看看在哪里出错"},
    "{what} with {n} tensors (parameters and buffers), tensor {i} of shape {shape}": {
        "ko": "텐서(매개변수와 버퍼) {n}개로 된 {what}, {i}번 텐서의 형상 {shape}",
        "zh": "{what} 有 {n} 个张量（参数和缓冲区），第 {i} 个张量的形状为 {shape}"},
    "{n} tensors, tensor {i} of shape {shape}": {
        "ko": "텐서 {n}개, {i}번 텐서의 형상 {shape}", "zh": "{n} 个张量，第 {i} 个张量的形状为 {shape}"},
    "build the layers in the paper's order, with the channel counts it gives": {
        "ko": "논문의 순서대로, 논문이 제시한 채널 수로 계층을 만드십시오",
        "zh": "按论文的顺序、用论文给出的通道数构建各层"},
    "output of shape {shape}": {"ko": "형상 {shape}의 출력", "zh": "形状为 {shape} 的输出"},
    "shape {shape}": {"ko": "형상 {shape}", "zh": "形状 {shape}"},
    "the reference's output for the same weights": {
        "ko": "같은 가중치에서 참조 구현이 내는 출력", "zh": "相同权重下参考实现的输出"},
    "outputs that differ by up to {gap:.3g}": {
        "ko": "최대 {gap:.3g}만큼 다른 출력", "zh": "最多相差 {gap:.3g} 的输出"},
    "{what} with its weights built": {"ko": "가중치가 만들어진 {what}", "zh": "权重已经创建的 {what}"},
    "lazy modules, which have no weights yet": {
        "ko": "아직 가중치가 없는 지연(lazy) 모듈", "zh": "还没有权重的惰性（lazy）模块"},
    "give every layer its input channels (nn.BatchNorm2d(c), nn.Conv2d(c, k, ...))": {
        "ko": "모든 계층에 입력 채널 수를 주십시오(nn.BatchNorm2d(c), nn.Conv2d(c, k, ...))",
        "zh": "给每一层指定输入通道数（nn.BatchNorm2d(c)、nn.Conv2d(c, k, ...)）"},
    "{n} parameter tensors; number {i} is {name} of shape {shape}": {
        "ko": "매개변수 텐서 {n}개, {i}번은 형상 {shape}의 {name}",
        "zh": "{n} 个参数张量；第 {i} 个是形状为 {shape} 的 {name}"},
    "{n} parameter tensors; number {i} is missing": {
        "ko": "매개변수 텐서 {n}개, {i}번은 없음", "zh": "{n} 个参数张量；没有第 {i} 个"},
    "{what} with {rows}": {"ko": "{what}: {rows}", "zh": "{what}：{rows}"},
}

#@CHAPTERS@

MESSAGES: dict[str, dict[str, str]] = {**FRAME, **CORE}  #@ALL@


def fields(text: str) -> set[str]:
    """The format fields of ``text``, with conversions and specs: ``{n:,}`` -> ``"n:,"``."""
    return {f"{name}{'!' + conv if conv else ''}{':' + spec if spec else ''}"
            for _, name, spec, conv in string.Formatter().parse(text) if name is not None}


def translate(english: str, lang: str) -> str:
    """The unformatted text of ``english`` in ``lang`` (English when ``lang`` is ``"en"``).

    ``english`` must be a key of ``MESSAGES``: a text missing there is a KeyError naming it."""
    if english not in MESSAGES:
        raise KeyError(f"no translation of the exercise message {english!r} in MESSAGES")
    return english if lang == "en" else MESSAGES[english][lang]


def msg(english: str, **values: Any) -> str:
    """``english`` in the reader's language, formatted with ``values`` (``str.format``)."""
    return translate(english, current_language()).format(**values)
