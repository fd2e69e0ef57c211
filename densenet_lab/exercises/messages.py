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

# the frame of every result: a check that passes, one that fails, one with no answer yet
FRAME: dict[str, dict[str, str]] = {
    "Correct: {message}": {"ko": "정답입니다: {message}", "zh": "正确：{message}"},
    "\nExpected: {expected}\nGot:      {got}\nHint:     {hint}": {
        "ko": "\n기대한 값: {expected}\n실제 값:   {got}\n힌트:      {hint}",
        "zh": "\n预期：{expected}\n实际：{got}\n提示：{hint}"},
    "\nNo answer yet: write {what} in the cell above, run it, then run this check.": {
        "ko": "\n아직 답이 없습니다: 위 셀에 다음을 작성해 실행한 다음, 이 확인 셀을 실행하십시오: {what}",
        "zh": "\n还没有答案：请在上面的单元格中写出 {what} 并运行，然后运行这个检查。"},
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

CH0: dict[str, dict[str, str]] = {
    "a dict {{model name: number of parameters}}": {
        "ko": "dict {{모델 이름: 매개변수 수}}", "zh": "一个 dict {{模型名: 参数数量}}"},
    "build the dict with {{name: ... for name in list_models()}}": {
        "ko": "{{name: ... for name in list_models()}}로 dict를 만드십시오",
        "zh": "用 {{name: ... for name in list_models()}} 构建这个 dict"},
    "the {n} names of list_models()": {"ko": "list_models()의 이름 {n}개", "zh": "list_models() 的 {n} 个名字"},
    "missing {missing}, unknown {extra}": {"ko": "빠진 이름 {missing}, 모르는 이름 {extra}",
                                           "zh": "缺少 {missing}，多出未知的 {extra}"},
    "loop over list_models(), unchanged": {"ko": "list_models()를 그대로 순회하십시오",
                                           "zh": "原样遍历 list_models()"},
    "count parameters only, with count_parameters(model)": {
        "ko": "count_parameters(model)로 매개변수만 세십시오", "zh": "只统计参数，用 count_parameters(model)"},
    "build each model with its own default number of classes: create_model(name)": {
        "ko": "각 모델을 자기 기본 클래스 수로 만드십시오: create_model(name)",
        "zh": "用每个模型自己的默认类别数构建它：create_model(name)"},
    "count parameters, not buffers such as BatchNorm's running statistics: count_parameters(model)": {
        "ko": "BatchNorm의 이동 통계 같은 버퍼는 빼고 매개변수만 세십시오: count_parameters(model)",
        "zh": "只统计参数，不要统计 BatchNorm 的滑动统计量之类的缓冲区：count_parameters(model)"},
    "parameters of {name} to be the count of create_model({name!r})": {
        "ko": "{name}의 매개변수 수 = create_model({name!r})의 매개변수 수",
        "zh": "{name} 的参数数量等于 create_model({name!r}) 的参数数量"},
    "{got}, more than that": {"ko": "{got}, 그보다 많음", "zh": "{got}，比它多"},
    "{got}, fewer than that": {"ko": "{got}, 그보다 적음", "zh": "{got}，比它少"},
    "{n} models counted; the largest has {largest:,} parameters.": {
        "ko": "모델 {n}개를 셌습니다. 가장 큰 모델의 매개변수는 {largest:,}개입니다.",
        "zh": "统计了 {n} 个模型；最大的模型有 {largest:,} 个参数。"},
    "no model fits this budget: return None (max() of nothing raises an error unless you give it "
    "default=None)": {
        "ko": "이 예산에 맞는 모델이 없습니다: None을 반환하십시오(빈 max()는 default=None을 주지 않으면 "
              "오류를 냅니다)",
        "zh": "没有模型符合这个预算：返回 None（对空序列调用 max() 会报错，除非给它 default=None）"},
    "keep the models with at most `budget` parameters, then take the largest of them": {
        "ko": "매개변수가 `budget` 이하인 모델만 남긴 다음, 그중 가장 큰 모델을 고르십시오",
        "zh": "保留参数不超过 `budget` 的模型，再取其中最大的一个"},
    "no model fits this budget: return None": {
        "ko": "이 예산에 맞는 모델이 없습니다: None을 반환하십시오", "zh": "没有模型符合这个预算：返回 None"},
    "return the model's name, not its parameter count": {
        "ko": "매개변수 수가 아니라 모델 이름을 반환하십시오", "zh": "返回模型的名字，而不是它的参数数量"},
    "'under the budget' includes a model with exactly `budget` parameters (<=)": {
        "ko": "'예산 이내'에는 매개변수가 정확히 `budget`개인 모델도 들어갑니다(<=)",
        "zh": "“预算以内”包括参数恰好为 `budget` 的模型（<=）"},
    "you return the smallest model within budget: take the one with most parameters": {
        "ko": "예산 안에서 가장 작은 모델을 반환했습니다: 매개변수가 가장 많은 모델을 고르십시오",
        "zh": "你返回的是预算内最小的模型：应取参数最多的那个"},
    "{name} has {n:,} parameters: more than the budget": {
        "ko": "{name}의 매개변수는 {n:,}개로 예산보다 많습니다", "zh": "{name} 有 {n:,} 个参数：超出了预算"},
    "largest_under picks the right model for {n} budgets.": {
        "ko": "largest_under가 예산 {n}가지에서 모두 올바른 모델을 고릅니다.",
        "zh": "largest_under 在 {n} 个预算下都选出了正确的模型。"},
    "divide the parameters of the last nn.Linear by those of the whole model": {
        "ko": "마지막 nn.Linear의 매개변수 수를 모델 전체의 매개변수 수로 나누십시오",
        "zh": "用最后一个 nn.Linear 的参数数量除以整个模型的参数数量"},
    "return a fraction between 0 and 1, not a percentage": {
        "ko": "백분율이 아니라 0과 1 사이의 비율을 반환하십시오", "zh": "返回 0 到 1 之间的比例，而不是百分数"},
    "the classifier has a bias too: count all its parameters": {
        "ko": "분류기에는 편향도 있습니다: 분류기의 매개변수를 모두 세십시오",
        "zh": "分类器也有偏置：统计它的全部参数"},
    "return the fraction (classifier parameters / all parameters), not a count": {
        "ko": "개수가 아니라 비율(분류기 매개변수 / 전체 매개변수)을 반환하십시오",
        "zh": "返回比例（分类器参数 / 全部参数），而不是数量"},
    "return a number, not a {type}": {"ko": "{type} 대신 숫자를 반환하십시오", "zh": "返回一个数，而不是 {type}"},
    "the classifier share is right for {n} models.": {
        "ko": "모델 {n}개 모두에서 분류기 비율이 맞습니다.", "zh": "{n} 个模型的分类器占比都正确。"},
}

CH1: dict[str, dict[str, str]] = {
    "add the terms x**i / i! for i = 0, 1, 2, ... until |exp(x) - sum| < tol, and return how many "
    "terms you added": {
        "ko": "i = 0, 1, 2, ...에 대해 |exp(x) - sum| < tol이 될 때까지 항 x**i / i!를 더하고, 더한 항의 "
              "개수를 반환하십시오",
        "zh": "对 i = 0, 1, 2, ... 依次加上项 x**i / i!，直到 |exp(x) - sum| < tol，然后返回加了多少项"},
    "that is the order n of the polynomial, not its number of terms: the polynomial of order n has "
    "n + 1 terms (i = 0, ..., n)": {
        "ko": "그것은 다항식의 차수 n이지 항의 개수가 아닙니다: n차 다항식에는 항이 n + 1개 있습니다"
              "(i = 0, ..., n)",
        "zh": "这是多项式的阶数 n，不是项数：n 阶多项式有 n + 1 项（i = 0, ..., n）"},
    "one term too many: n terms are the powers i = 0, ..., n - 1": {
        "ko": "항이 하나 많습니다: 항 n개는 거듭제곱 i = 0, ..., n - 1입니다",
        "zh": "多了一项：n 项是幂次 i = 0, ..., n - 1"},
    "for x < 0 the error changes sign from term to term: compare its absolute value with tol": {
        "ko": "x < 0이면 오차의 부호가 항마다 바뀝니다: 오차의 절댓값을 tol과 비교하십시오",
        "zh": "当 x < 0 时，误差的符号逐项变化：用它的绝对值和 tol 比较"},
    "terms_needed agrees with the reference on {n} cases.": {
        "ko": "terms_needed가 {n}가지 경우 모두에서 참조 구현과 일치합니다.",
        "zh": "terms_needed 在 {n} 个情形上都与参考实现一致。"},
    "{what}, a tensor of shape {shape}": {"ko": "{what}: 형상 {shape}의 텐서", "zh": "{what}：形状为 {shape} 的张量"},
    "return a torch tensor, e.g. made with torch.eye": {
        "ko": "torch 텐서를 반환하십시오(예: torch.eye로 만든 것)", "zh": "返回一个 torch 张量，例如用 torch.eye 构造"},
    "{what} of shape {shape}": {"ko": "형상 {shape}의 {what}", "zh": "形状为 {shape} 的 {what}"},
    "[x, f1(x)] has {m} features and x has {n}: one row per feature of the concatenation, one column "
    "per feature of x": {
        "ko": "[x, f1(x)]에는 특징이 {m}개, x에는 {n}개 있습니다: 연결 결과의 특징마다 행 하나, x의 "
              "특징마다 열 하나입니다",
        "zh": "[x, f1(x)] 有 {m} 个特征，x 有 {n} 个：连结结果的每个特征对应一行，x 的每个特征对应一列"},
    "the first n columns of [x, f1(x)] are x itself: copy them, ignore the rest": {
        "ko": "[x, f1(x)]의 처음 n개 열이 x 자체입니다: 그 열은 복사하고 나머지는 무시하십시오",
        "zh": "[x, f1(x)] 的前 n 列就是 x 本身：复制它们，忽略其余各列"},
    "your matrix reads f1(x), the last n columns: read the first n": {
        "ko": "여러분의 행렬은 마지막 n개 열인 f1(x)를 읽습니다: 처음 n개 열을 읽으십시오",
        "zh": "你的矩阵读出的是最后 n 列 f1(x)：应读出前 n 列"},
    "[x, f1(x)] @ readout_matrix({n}) == x for any f1": {
        "ko": "어떤 f1에 대해서도 [x, f1(x)] @ readout_matrix({n}) == x",
        "zh": "对任意 f1 都有 [x, f1(x)] @ readout_matrix({n}) == x"},
    "outputs that differ from x by up to {gap:.3g}": {
        "ko": "x와 최대 {gap:.3g}만큼 다른 출력", "zh": "与 x 最多相差 {gap:.3g} 的输出"},
    "[x, f1(x)] @ W gives x back exactly, whatever f1 is.": {
        "ko": "f1이 무엇이든 [x, f1(x)] @ W가 x를 정확히 돌려줍니다.",
        "zh": "无论 f1 是什么，[x, f1(x)] @ W 都能准确地还原 x。"},
    "write a class that derives from nn.Module": {
        "ko": "nn.Module을 상속하는 클래스를 작성하십시오", "zh": "写一个继承 nn.Module 的类"},
    "{what} with the weights (Linear layers in order) {shapes}": {
        "ko": "가중치(Linear 계층 순서대로)가 {shapes}인 {what}",
        "zh": "权重（按 Linear 层的顺序）为 {shapes} 的 {what}"},
    "layer i reads all {widths} features before it and adds {growth}; the reduction reads all {last}. "
    "Create the layers in that order, the reduction last": {
        "ko": "계층 i는 앞선 특징 {widths}개를 모두 읽고 {growth}개를 더합니다. 축소 계층은 {last}개를 "
              "모두 읽습니다. 이 순서대로 계층을 만들고, 축소 계층은 마지막에 만드십시오",
        "zh": "第 i 层读取它之前的全部 {widths} 个特征，并新增 {growth} 个；归约层读取全部 {last} 个。"
              "按这个顺序创建各层，归约层放在最后"},
    "in forward, h = torch.cat([h, f(h)], dim=1) for each layer (the input first, tanh after each "
    "Linear), then return the reduction of h": {
        "ko": "forward에서 계층마다 h = torch.cat([h, f(h)], dim=1)을 하고(입력이 먼저, 각 Linear 뒤에 "
              "tanh), 마지막에 h를 축소한 결과를 반환하십시오",
        "zh": "在 forward 中对每一层执行 h = torch.cat([h, f(h)], dim=1)（输入在前，每个 Linear 之后接 "
              "tanh），然后返回对 h 的归约"},
    "DenseMLP matches the reference for {n} configurations.": {
        "ko": "DenseMLP가 설정 {n}가지 모두에서 참조 구현과 일치합니다.",
        "zh": "DenseMLP 在 {n} 种配置下都与参考实现一致。"},
}

CH2: dict[str, dict[str, str]] = {
    "for depth = 1, 2, ..., max_depth compare grad_at_first_layer(plain, depth) with "
    "fraction * grad_at_first_layer(residual, depth); return the first depth below it": {
        "ko": "depth = 1, 2, ..., max_depth마다 grad_at_first_layer(plain, depth)를 "
              "fraction * grad_at_first_layer(residual, depth)와 비교하고, 처음으로 그보다 작아지는 깊이를 "
              "반환하십시오",
        "zh": "对 depth = 1, 2, ..., max_depth，比较 grad_at_first_layer(plain, depth) 和 "
              "fraction * grad_at_first_layer(residual, depth)；返回第一个低于它的深度"},
    "no depth up to max_depth gets there: return None": {
        "ko": "max_depth까지 그 비율에 이르는 깊이가 없습니다: None을 반환하십시오",
        "zh": "直到 max_depth 都没有深度达到这个比例：返回 None"},
    "that is the last depth still above the fraction: return the first one below": {
        "ko": "그것은 아직 비율보다 큰 마지막 깊이입니다: 처음으로 비율보다 작아지는 깊이를 반환하십시오",
        "zh": "这是仍高于该比例的最后一个深度：返回第一个低于它的深度"},
    "one too deep: at the depth before it the ratio is already below the fraction": {
        "ko": "한 단계 너무 깊습니다: 그 앞의 깊이에서 이미 비율이 fraction보다 작습니다",
        "zh": "深了一层：在它之前的深度上，比值已经低于 fraction"},
    "first_depth_below agrees with the measurement for {n} fractions.": {
        "ko": "first_depth_below가 fraction {n}가지 모두에서 측정과 일치합니다.",
        "zh": "first_depth_below 在 {n} 个比例上都与测量一致。"},
    "{what} with the parameter shapes (in order) {shapes}": {
        "ko": "매개변수 형상이 (순서대로) {shapes}인 {what}", "zh": "参数形状（按顺序）为 {shapes} 的 {what}"},
    "create conv1 (3x3, stride, no bias), bn1, conv2 (3x3, no bias), bn2, then, only when "
    "stride != 1 or in_channels != channels, the shortcut's 1x1 conv (stride, no bias) and its BN": {
        "ko": "conv1(3x3, stride, 편향 없음), bn1, conv2(3x3, 편향 없음), bn2를 만들고, stride != 1이거나 "
              "in_channels != channels일 때(형상이나 채널 수가 바뀔 때)만 지름길의 1x1 conv(stride, 편향 없음)와 그 BN을 만드십시오",
        "zh": "依次创建 conv1（3x3，stride，无偏置）、bn1、conv2（3x3，无偏置）、bn2，然后仅当 stride != 1 或 "
              "in_channels != channels 时（尺寸或通道数改变时），再创建捷径上的 1x1 conv（stride，无偏置）及其 BN"},
    "out = relu(bn1(conv1(x))); out = bn2(conv2(out)); the shortcut is x, or bn(conv1x1(x)) when the "
    "shape changes; return relu(out + shortcut)": {
        "ko": "out = relu(bn1(conv1(x))); out = bn2(conv2(out)); 지름길은 x이고, 형상이 바뀌면 "
              "bn(conv1x1(x))입니다. relu(out + shortcut)을 반환하십시오",
        "zh": "out = relu(bn1(conv1(x)))；out = bn2(conv2(out))；捷径是 x，形状改变时是 bn(conv1x1(x))；"
              "返回 relu(out + shortcut)"},
    "ProjectionBlock matches ResNet's basic block in {n} shapes.": {
        "ko": "ProjectionBlock이 형상 {n}가지 모두에서 ResNet의 기본 블록과 일치합니다.",
        "zh": "ProjectionBlock 在 {n} 种形状下都与 ResNet 的基本块一致。"},
    "{name} = True or False": {"ko": "{name} = True 또는 False", "zh": "{name} = True 或 False"},
    "{name}, True or False": {"ko": "{name}: True 또는 False", "zh": "{name}：True 或 False"},
    "answer with a bool: True or False": {"ko": "bool로 답하십시오: True 또는 False", "zh": "用 bool 回答：True 或 False"},
    "{answer}; the measurement: {measured}": {"ko": "{answer}. 측정 결과: {measured}", "zh": "{answer}；测量结果：{measured}"},
    "the block is nn.Linear(width, width) followed by nn.Tanh()": {
        "ko": "블록은 nn.Linear(width, width) 뒤에 nn.Tanh()가 오는 구조입니다",
        "zh": "这个块是 nn.Linear(width, width) 后接 nn.Tanh()"},
    "apply the Linear layer first, then tanh": {
        "ko": "Linear 계층을 먼저 적용한 다음 tanh를 적용하십시오", "zh": "先应用 Linear 层，再应用 tanh"},
    "from 2 to 32 blocks, tanh {t2:.1e} -> {t32:.1e}, ReLU {r2:.1e} -> {r32:.1e}": {
        "ko": "블록 2개에서 32개로 가면 tanh {t2:.1e} -> {t32:.1e}, ReLU {r2:.1e} -> {r32:.1e}",
        "zh": "从 2 个块到 32 个块，tanh {t2:.1e} -> {t32:.1e}，ReLU {r2:.1e} -> {r32:.1e}"},
    "compare the gradient at 32 blocks with a thousandth of the one at 2": {
        "ko": "블록 32개일 때의 기울기를 블록 2개일 때 기울기의 1000분의 1과 비교하십시오",
        "zh": "把 32 个块时的梯度和 2 个块时梯度的千分之一作比较"},
    "compare how much of the gradient is left at 32 blocks, as a fraction of the one at 2, for tanh "
    "and for ReLU": {
        "ko": "tanh와 ReLU 각각에 대해, 블록 32개일 때 남은 기울기가 블록 2개일 때의 몇 배인지(비율) "
              "비교하십시오",
        "zh": "分别对 tanh 和 ReLU，比较 32 个块时剩下的梯度占 2 个块时梯度的比例"},
    "{measured}.": {"ko": "{measured}.", "zh": "{measured}。"},
    "build the chapter's residual(width) block, then scale its weight": {
        "ko": "이 장의 residual(width) 블록을 만든 다음, 그 가중치를 줄이십시오",
        "zh": "先构建本章的 residual(width) 块，再缩放它的权重"},
    "the block computes x + relu(W x + b): start from residual(width)": {
        "ko": "블록은 x + relu(W x + b)를 계산합니다: residual(width)에서 시작하십시오",
        "zh": "这个块计算 x + relu(W x + b)：从 residual(width) 开始"},
    "weights within +-{tenth:.3g}: a tenth of nn.Linear's default +-{bound:.3g} (width {width})": {
        "ko": "+-{tenth:.3g} 안의 가중치: nn.Linear 기본값 +-{bound:.3g}의 10분의 1(width {width})",
        "zh": "权重在 +-{tenth:.3g} 以内：nn.Linear 默认范围 +-{bound:.3g} 的十分之一（width {width}）"},
    "weights up to {w:.3g}": {"ko": "최대 {w:.3g}인 가중치", "zh": "最大为 {w:.3g} 的权重"},
    "multiply the branch's weight by 0.1 once, under torch.no_grad(), after building the block": {
        "ko": "블록을 만든 뒤 torch.no_grad() 안에서 분기의 가중치에 0.1을 한 번 곱하십시오",
        "zh": "构建块之后，在 torch.no_grad() 下把分支的权重乘以 0.1，只乘一次"},
    "{g2:.2g} with 2 blocks, {g48:.2g} with 48": {
        "ko": "블록 2개에서 {g2:.2g}, 48개에서 {g48:.2g}", "zh": "2 个块时为 {g2:.2g}，48 个块时为 {g48:.2g}"},
    "compare the gradient at 48 blocks with 100 times the one at 2": {
        "ko": "블록 48개일 때의 기울기를 블록 2개일 때 기울기의 100배와 비교하십시오",
        "zh": "把 48 个块时的梯度和 2 个块时梯度的 100 倍作比较"},
}

CH3: dict[str, dict[str, str]] = {
    "{what} to be a whole number": {"ko": "정수인 {what}", "zh": "{what} 是一个整数"},
    "return the count as an int (use // rather than / to divide)": {
        "ko": "개수를 int로 반환하십시오(나눗셈에는 / 대신 //를 쓰십시오)", "zh": "以 int 返回数量（除法用 // 而不是 /）"},
    # chapter 3's common mistakes: the hint that goes with each
    "the block also passes on its k0 input channels: they are part of its output": {
        "ko": "블록은 입력 채널 k0개도 그대로 내보냅니다: 입력 채널도 출력의 일부입니다",
        "zh": "块也会把它的 k0 个输入通道传下去：它们也是输出的一部分"},
    "every one of the layers adds k channels, not only the first": {
        "ko": "첫 계층만이 아니라 모든 계층이 채널을 k개씩 더합니다", "zh": "每一层都会增加 k 个通道，而不只是第一层"},
    "layer l reads k0 + l*k channels, but the block outputs them all plus the last layer's k": {
        "ko": "계층 l은 채널 k0 + l*k개를 읽지만, 블록은 그 전부에 마지막 계층의 k개를 더해 출력합니다",
        "zh": "第 l 层读取 k0 + l*k 个通道，但块输出的是全部这些通道再加上最后一层的 k 个"},
    "each layer adds k new channels to everything it receives; start from k0": {
        "ko": "각 계층은 받은 모든 것에 새 채널 k개를 더합니다: k0에서 시작하십시오",
        "zh": "每一层都在它收到的全部内容上新增 k 个通道：从 k0 开始"},
    "k0 + L*k on every case, including a block of no layers.": {
        "ko": "계층이 하나도 없는 블록까지 모든 경우에서 k0 + L*k입니다.", "zh": "在每个情形下都是 k0 + L*k，包括没有层的块。"},
    "that is a plain chain (one input per layer); in a dense block layer l has l inputs": {
        "ko": "그것은 평범한 연쇄 구조(계층마다 입력 하나)입니다: 고밀도 블록에서는 계층 l의 입력이 l개입니다",
        "zh": "那是普通的链式结构（每层一个输入）；在稠密块中第 l 层有 l 个输入"},
    "count the block input too: layer l reads the block input and the l-1 layers before it": {
        "ko": "블록의 입력도 세십시오: 계층 l은 블록 입력과 앞선 l-1개 계층을 읽습니다",
        "zh": "把块的输入也算上：第 l 层读取块的输入和它之前的 l-1 层"},
    "layer l has l inputs, not L: add 1 + 2 + ... + L": {
        "ko": "계층 l의 입력은 L개가 아니라 l개입니다: 1 + 2 + ... + L을 더하십시오",
        "zh": "第 l 层有 l 个输入，而不是 L 个：计算 1 + 2 + ... + L"},
    "layer l receives l connections (the block input and l-1 layers); add them up": {
        "ko": "계층 l은 연결 l개(블록 입력과 l-1개 계층)를 받습니다: 이를 모두 더하십시오",
        "zh": "第 l 层接收 l 个连接（块的输入和 l-1 层）；把它们加起来"},
    "L(L+1)/2 on every case: layer l reads the block input and all l-1 earlier layers.": {
        "ko": "모든 경우에서 L(L+1)/2입니다: 계층 l은 블록 입력과 앞선 l-1개 계층을 모두 읽습니다.",
        "zh": "在每个情形下都是 L(L+1)/2：第 l 层读取块的输入和之前全部 l-1 层。"},
    "batch normalisation has 2 parameters per channel it reads (a scale and a shift)": {
        "ko": "배치 정규화는 읽는 채널마다 매개변수 2개(스케일과 시프트)를 가집니다",
        "zh": "批量规范化对它读取的每个通道有 2 个参数（缩放和平移）"},
    "the paper's convolution has no bias (the next BN removes any shift): drop the k per layer": {
        "ko": "논문의 컨벌루션에는 편향이 없습니다(다음 BN이 이동을 없앱니다): 계층마다 더한 k를 빼십시오",
        "zh": "论文中的卷积没有偏置（后面的 BN 会去掉任何平移）：去掉每层的 k"},
    "layer l reads k0 + l*k channels, not k0: the input grows by k per layer": {
        "ko": "계층 l은 k0개가 아니라 k0 + l*k개의 채널을 읽습니다: 입력은 계층마다 k씩 늘어납니다",
        "zh": "第 l 层读取 k0 + l*k 个通道，而不是 k0 个：输入每层增加 k"},
    "layer l (from 0) reads k0 + l*k channels: the first layer reads k0 only": {
        "ko": "계층 l(0부터)은 채널 k0 + l*k개를 읽습니다: 첫 계층은 k0개만 읽습니다",
        "zh": "第 l 层（从 0 开始）读取 k0 + l*k 个通道：第一层只读取 k0 个"},
    "add, for every layer l = 0..L-1 reading c = k0 + l*k channels, 2c (BN) + 9ck (conv)": {
        "ko": "채널 c = k0 + l*k개를 읽는 각 계층 l = 0..L-1마다 2c(BN) + 9ck(conv)를 더하십시오",
        "zh": "对每个读取 c = k0 + l*k 个通道的层 l = 0..L-1，加上 2c（BN）+ 9ck（卷积）"},
    "your count matches the package's plain DenseBlock on every configuration.": {
        "ko": "여러분의 개수가 모든 설정에서 패키지의 기본 DenseBlock과 일치합니다.",
        "zh": "你的计数在每种配置下都与包中普通的 DenseBlock 一致。"},
    "conv block i is BN-ReLU-Conv3x3 (padding 1, with bias) reading in_channels + i * num_channels "
    "channels; forward concatenates each output to X": {
        "ko": "컨벌루션 블록 i는 채널 in_channels + i * num_channels개를 읽는 BN-ReLU-Conv3x3(padding 1, "
              "편향 있음)입니다. forward는 각 출력을 X에 연결합니다",
        "zh": "卷积块 i 是读取 in_channels + i * num_channels 个通道的 BN-ReLU-Conv3x3（padding 1，带偏置）；"
              "forward 把每个输出连结到 X 上"},
    "your DenseBlock computes the package's block on every configuration.": {
        "ko": "여러분의 DenseBlock이 모든 설정에서 패키지의 블록과 같은 값을 계산합니다.",
        "zh": "你的 DenseBlock 在每种配置下都与包中的块计算结果相同。"},
}

CH4: dict[str, dict[str, str]] = {
    "a head with a fixed flattened size fits one input size only: pool globally "
    "(nn.AdaptiveAvgPool2d(1), then nn.Flatten()) before the linear layer": {
        "ko": "펼친 크기가 고정된 헤드는 입력 크기 하나에만 맞습니다: 선형 계층 앞에서 전역으로 풀링하십시오"
              "(nn.AdaptiveAvgPool2d(1) 다음 nn.Flatten())",
        "zh": "展平尺寸固定的输出头只适合一种输入尺寸：在线性层之前做全局汇聚（nn.AdaptiveAvgPool2d(1)，"
              "再 nn.Flatten()）"},
    "{what}({args}) to return a network": {"ko": "네트워크를 반환하는 {what}({args})", "zh": "{what}({args}) 返回一个网络"},
    "run it with these arguments in a cell of its own and read the error": {
        "ko": "별도의 셀에서 이 인자로 실행해 보고 오류 메시지를 읽어 보십시오",
        "zh": "在单独的单元格中用这些参数运行它，并阅读错误信息"},
    "{what} at {size}x{size}": {"ko": "{size}x{size} 입력의 {what}", "zh": "{size}x{size} 输入下的 {what}"},
    "logits of shape (2, {classes}) for a {size}x{size} batch of 2": {
        "ko": "{size}x{size} 이미지 2장 배치에 대해 형상 (2, {classes})의 로짓",
        "zh": "对 2 张 {size}x{size} 图像的批量输出形状为 (2, {classes}) 的 logits"},
    "b1 (7x7/2 conv with bias, BN, ReLU, 3x3/2 max pool), then textbook.TextbookDenseBlock and "
    "textbook.transition_block in turn (channels halved between blocks), then the head": {
        "ko": "b1(편향 있는 7x7/2 conv, BN, ReLU, 3x3/2 최대 풀링), 다음에 textbook.TextbookDenseBlock과 "
              "textbook.transition_block을 번갈아(블록 사이에서 채널 수를 절반으로), 마지막에 헤드를 두십시오",
        "zh": "先是 b1（带偏置的 7x7/2 conv、BN、ReLU、3x3/2 最大汇聚），然后交替使用 "
              "textbook.TextbookDenseBlock 和 textbook.transition_block（块之间通道数减半），最后是输出头"},
    "the textbook's network for the same weights, at every configuration and input size tried.": {
        "ko": "시도한 모든 설정과 입력 크기에서, 같은 가중치로 교재의 네트워크와 같은 값을 냅니다.",
        "zh": "在尝试的每种配置和输入尺寸下，相同权重时都与教材的网络一致。"},
    "the body": {"ko": "본체", "zh": "主体"},
    "your head on {size}x{size} images": {"ko": "{size}x{size} 이미지에 대한 여러분의 헤드",
                                          "zh": "你的输出头（{size}x{size} 图像）"},
    "logits of shape (2, {classes}) for {size}x{size} images": {
        "ko": "{size}x{size} 이미지에 대해 형상 (2, {classes})의 로짓",
        "zh": "对 {size}x{size} 图像输出形状为 (2, {classes}) 的 logits"},
    "your head": {"ko": "여러분의 헤드", "zh": "你的输出头"},
    "the same logits for a {h}x{w} feature map and for it tiled 2x2": {
        "ko": "{h}x{w} 특징 맵과 그것을 2x2로 타일링한 맵에 대해 같은 로짓",
        "zh": "对 {h}x{w} 的特征映射和把它 2x2 平铺后的特征映射给出相同的 logits"},
    "different logits": {"ko": "다른 로짓", "zh": "不同的 logits"},
    "logits of the right shape at 64, 96 and 128 pixels, pooled over the whole map.": {
        "ko": "64, 96, 128픽셀에서 올바른 형상의 로짓을 내고, 맵 전체에 걸쳐 풀링합니다.",
        "zh": "在 64、96 和 128 像素下都输出正确形状的 logits，并对整个特征映射做汇聚。"},
    "only the 2x2 average pooling should halve the resolution: give the 1x1 convolution stride 1 (the "
    "default)": {
        "ko": "해상도를 절반으로 줄이는 것은 2x2 평균 풀링뿐이어야 합니다: 1x1 컨벌루션의 stride는 1(기본값)로 "
              "두십시오",
        "zh": "只有 2x2 平均汇聚应该把分辨率减半：1x1 卷积的 stride 设为 1（默认值）"},
    "your transition": {"ko": "여러분의 전이 계층", "zh": "你的过渡层"},
    "shape {shape} from {input}": {"ko": "{input}에서 나온 형상 {shape}", "zh": "由 {input} 得到形状 {shape}"},
    "BN, ReLU, a 1x1 convolution without bias (stride 1), then nn.AvgPool2d(kernel_size=2, stride=2): "
    "the paper's order": {
        "ko": "BN, ReLU, 편향 없는 1x1 컨벌루션(stride 1), 그다음 nn.AvgPool2d(kernel_size=2, stride=2): "
              "논문의 순서입니다",
        "zh": "BN、ReLU、无偏置的 1x1 卷积（stride 1），然后 nn.AvgPool2d(kernel_size=2, stride=2)：论文的顺序"},
    "halves height and width exactly once, at 32, 16, 8 and 6 pixels, and computes the paper's "
    "transition.": {
        "ko": "32, 16, 8, 6픽셀에서 높이와 너비를 정확히 한 번 절반으로 줄이고, 논문의 전이 계층과 같은 값을 "
              "계산합니다.",
        "zh": "在 32、16、8 和 6 像素下都把高和宽恰好减半一次，并且计算结果与论文的过渡层一致。"},
    "floor(theta * m): round down (int() or math.floor), do not round": {
        "ko": "floor(theta * m): 반올림하지 말고 내림하십시오(int() 또는 math.floor)",
        "zh": "floor(theta * m)：向下取整（int() 或 math.floor），不要四舍五入"},
    "there is no transition after the last block: one number per transition": {
        "ko": "마지막 블록 뒤에는 전이 계층이 없습니다: 전이 계층마다 숫자 하나입니다",
        "zh": "最后一个块之后没有过渡层：每个过渡层对应一个数"},
    "each block adds num_layers * k to the channels the transition before it kept": {
        "ko": "각 블록은 앞의 전이 계층이 남긴 채널에 num_layers * k를 더합니다",
        "zh": "每个块在它前面的过渡层保留下来的通道数上加上 num_layers * k"},
    "{what} to return a list of channel counts": {
        "ko": "채널 수의 리스트를 반환하는 {what}", "zh": "{what} 返回通道数的列表"},
    "collect one int per transition in a list": {
        "ko": "전이 계층마다 int 하나씩 리스트에 모으십시오", "zh": "把每个过渡层对应的一个 int 收集到列表中"},
    "after block i the channels are m = c + L_i * k; the transition keeps floor(theta * m), and the "
    "next block starts from those": {
        "ko": "블록 i 뒤의 채널 수는 m = c + L_i * k입니다. 전이 계층은 floor(theta * m)개를 남기고, 다음 "
              "블록은 거기서 시작합니다",
        "zh": "块 i 之后的通道数是 m = c + L_i * k；过渡层保留 floor(theta * m) 个，下一个块从这些通道开始"},
    "the channels after every transition, for theta from 0.3 to 1.": {
        "ko": "theta가 0.3에서 1까지일 때, 모든 전이 계층 뒤의 채널 수가 맞습니다.",
        "zh": "theta 从 0.3 到 1 时，每个过渡层之后的通道数都正确。"},
    "stem, then for each block a DenseBlock and (but after the last) a Transition halving the channels, "
    "then BatchNorm, ReLU, global average pooling and a Linear": {
        "ko": "줄기(stem), 그다음 블록마다 DenseBlock과 (마지막 블록 뒤를 빼고) 채널을 절반으로 줄이는 "
              "Transition, 그다음 BatchNorm, ReLU, 전역 평균 풀링, Linear를 두십시오",
        "zh": "先是 stem，然后每个块一个 DenseBlock，并在（除最后一个块外的）每个块后接一个把通道数减半的 "
              "Transition，最后是 BatchNorm、ReLU、全局平均汇聚和一个 Linear"},
    "{name}: {params:,} parameters (torchvision)": {
        "ko": "{name}: 매개변수 {params:,}개(torchvision)", "zh": "{name}：{params:,} 个参数（torchvision）"},
    "DenseNet-121, -169 and -201 have torchvision's parameter counts, and your networks compute the "
    "package's for the same weights.": {
        "ko": "DenseNet-121, -169, -201의 매개변수 수가 torchvision과 같고, 여러분의 네트워크가 같은 가중치에서 "
              "패키지의 네트워크와 같은 값을 계산합니다.",
        "zh": "DenseNet-121、-169 和 -201 的参数数量与 torchvision 相同，并且在相同权重下你的网络与包中的网络"
              "计算结果一致。"},
    "the last block's 1024 channels are normalised (BatchNorm) before the classifier": {
        "ko": "마지막 블록의 채널 1024개는 분류기 앞에서 정규화(BatchNorm)됩니다",
        "zh": "最后一个块的 1024 个通道在分类器之前要做规范化（BatchNorm）"},
    "too many: do the transitions halve the channels (compression 0.5)? {hint}": {
        "ko": "너무 많습니다: 전이 계층이 채널 수를 절반으로 줄입니까(압축 0.5)? {hint}",
        "zh": "太多了：过渡层是否把通道数减半（压缩 0.5）？{hint}"},
}

CH5: dict[str, dict[str, str]] = {
    "the loss as a number (loss.item())": {"ko": "숫자로 된 손실(loss.item())", "zh": "数值形式的损失（loss.item()）"},
    "return loss.item() at the end of train_step": {
        "ko": "train_step 끝에서 loss.item()을 반환하십시오", "zh": "在 train_step 的最后返回 loss.item()"},
    "F.cross_entropy applies log-softmax itself: pass it the logits, model(x), not probabilities": {
        "ko": "F.cross_entropy는 log-softmax를 스스로 적용합니다: 확률이 아니라 로짓 model(x)를 넘기십시오",
        "zh": "F.cross_entropy 自己会做 log-softmax：传给它 logits，即 model(x)，而不是概率"},
    "the loss is F.cross_entropy(model(x), y), averaged over the batch": {
        "ko": "손실은 배치에 대해 평균한 F.cross_entropy(model(x), y)입니다",
        "zh": "损失是 F.cross_entropy(model(x), y)，对批量取平均"},
    "step {step} to return the loss {loss:.4f}": {
        "ko": "{step}번째 단계의 반환값: 손실 {loss:.4f}", "zh": "第 {step} 步返回损失 {loss:.4f}"},
    "zero the gradients (optimizer.zero_grad()) before loss.backward(), or they add up from step to "
    "step": {
        "ko": "loss.backward() 전에 기울기를 0으로 만드십시오(optimizer.zero_grad()). 그러지 않으면 기울기가 "
              "단계마다 누적됩니다",
        "zh": "在 loss.backward() 之前把梯度清零（optimizer.zero_grad()），否则梯度会逐步累加"},
    "call loss.backward() and then optimizer.step() once": {
        "ko": "loss.backward()를 호출한 다음 optimizer.step()을 한 번 호출하십시오",
        "zh": "先调用 loss.backward()，再调用一次 optimizer.step()"},
    "the weights after step {step} to be those of one SGD step": {
        "ko": "{step}번째 단계 뒤의 가중치 = SGD 한 단계를 거친 가중치",
        "zh": "第 {step} 步之后的权重等于执行一步 SGD 后的权重"},
    "weights that differ by up to {gap:.3g}": {"ko": "최대 {gap:.3g}만큼 다른 가중치", "zh": "最多相差 {gap:.3g} 的权重"},
    "the loss is cross-entropy on the logits, and two steps match the reference.": {
        "ko": "손실이 로짓에 대한 교차 엔트로피이고, 두 단계 모두 참조 구현과 일치합니다.",
        "zh": "损失是基于 logits 的交叉熵，并且两步都与参考实现一致。"},
    "epochs are numbered from 1 (the 'epoch' key), not list positions from 0": {
        "ko": "에포크 번호는 0부터 시작하는 리스트 위치가 아니라 1부터 시작합니다('epoch' 키)",
        "zh": "轮次从 1 开始编号（'epoch' 键），而不是从 0 开始的列表位置"},
    "return the epoch number, not the accuracy": {
        "ko": "정확도가 아니라 에포크 번호를 반환하십시오", "zh": "返回轮次编号，而不是准确率"},
    "the last epoch is not always the best one: compare the validation accuracies": {
        "ko": "마지막 에포크가 늘 가장 좋은 것은 아닙니다: 검증 정확도를 비교하십시오",
        "zh": "最后一轮不一定最好：比较验证准确率"},
    "pick the largest 'test_acc' (the validation accuracy); on a tie, the earlier epoch": {
        "ko": "'test_acc'(검증 정확도)가 가장 큰 에포크를 고르십시오. 같으면 앞선 에포크를 고르십시오",
        "zh": "选 'test_acc'（验证准确率）最大的；相同时选较早的轮次"},
    "epoch {epoch} for validation accuracies {accs}": {
        "ko": "검증 정확도 {accs}에 대해 에포크 {epoch}", "zh": "对验证准确率 {accs}，应为第 {epoch} 轮"},
    "the best epoch on {n} histories.": {
        "ko": "기록 {n}개 모두에서 가장 좋은 에포크를 찾았습니다.", "zh": "在 {n} 份训练记录中都找到了最好的轮次。"},
    "return the point's 'growth_rate', not the whole point": {
        "ko": "점 전체가 아니라 그 점의 'growth_rate'를 반환하십시오", "zh": "返回该点的 'growth_rate'，而不是整个点"},
    "a larger k is not always better: compare the validation accuracy ('test_acc')": {
        "ko": "k가 클수록 늘 좋은 것은 아닙니다: 검증 정확도('test_acc')를 비교하십시오",
        "zh": "k 越大不一定越好：比较验证准确率（'test_acc'）"},
    "choose on the validation accuracy ('test_acc'), not the training accuracy": {
        "ko": "훈련 정확도가 아니라 검증 정확도('test_acc')로 고르십시오",
        "zh": "根据验证准确率（'test_acc'）选择，而不是训练准确率"},
    "take the point with the largest 'test_acc'; on a tie, the smaller k": {
        "ko": "'test_acc'가 가장 큰 점을 고르십시오. 같으면 더 작은 k를 고르십시오",
        "zh": "取 'test_acc' 最大的点；相同时取较小的 k"},
    "k = {k} for (k, validation accuracy) {pairs}": {
        "ko": "(k, 검증 정확도) {pairs}에 대해 k = {k}", "zh": "对 (k, 验证准确率) {pairs}，应为 k = {k}"},
    "the best growth rate in {n} sweeps.": {
        "ko": "탐색 {n}개 모두에서 가장 좋은 성장률을 찾았습니다.", "zh": "在 {n} 次扫描中都找到了最好的增长率。"},
    "{what} to map {x} to {y}": {"ko": "{x} 형상을 {y} 형상으로 바꾸는 {what}", "zh": "{what} 把 {x} 映射为 {y}"},
    "the head reads the concatenation of the input and every layer's output, and has out_features "
    "outputs": {
        "ko": "헤드는 입력과 모든 계층 출력의 연결을 읽고, 출력이 out_features개입니다",
        "zh": "输出头读取输入和每一层输出的连结，并有 out_features 个输出"},
    "layer i reads the input and all i earlier outputs: in_features + i*growth features": {
        "ko": "계층 i는 입력과 앞선 출력 i개를 모두 읽습니다: 특징 in_features + i*growth개",
        "zh": "第 i 层读取输入和之前全部 i 个输出：共 in_features + i*growth 个特征"},
    "layer i is nn.Linear(in_features + i*growth, growth) with a bias, and the head "
    "nn.Linear(in_features + num_layers*growth, out_features)": {
        "ko": "계층 i는 편향이 있는 nn.Linear(in_features + i*growth, growth)이고, 헤드는 "
              "nn.Linear(in_features + num_layers*growth, out_features)입니다",
        "zh": "第 i 层是带偏置的 nn.Linear(in_features + i*growth, growth)，输出头是 "
              "nn.Linear(in_features + num_layers*growth, out_features)"},
    "{what} with {n:,} parameters": {"ko": "매개변수가 {n:,}개인 {what}", "zh": "有 {n:,} 个参数的 {what}"},
    "each layer is Linear then ReLU on torch.cat([x, out_1, ..., out_i-1], dim=1) in that order; "
    "create the layers first, then the head; no activation after the head": {
        "ko": "각 계층은 torch.cat([x, out_1, ..., out_i-1], dim=1)에 Linear, 그다음 ReLU를 이 순서로 "
              "적용합니다. 계층들을 먼저 만들고 헤드를 나중에 만드십시오. 헤드 뒤에는 활성화가 없습니다",
        "zh": "每一层按顺序对 torch.cat([x, out_1, ..., out_i-1], dim=1) 先做 Linear 再做 ReLU；先创建各层，"
              "再创建输出头；输出头之后没有激活"},
    "shapes, parameter counts and outputs agree on {n} configurations.": {
        "ko": "설정 {n}가지 모두에서 형상, 매개변수 수, 출력이 일치합니다.",
        "zh": "在 {n} 种配置下，形状、参数数量和输出都一致。"},
    "the model's weights to change": {"ko": "바뀐 모델 가중치", "zh": "模型的权重发生变化"},
    "the same weights as before training": {"ko": "훈련 전과 같은 가중치", "zh": "与训练前相同的权重"},
    "train in place: an optimizer over model.parameters(), loss.backward(), step()": {
        "ko": "모델 자체를 훈련하십시오: model.parameters()에 대한 옵티마이저, loss.backward(), step()",
        "zh": "就地训练：基于 model.parameters() 的优化器、loss.backward()、step()"},
    "the trained model": {"ko": "훈련된 모델", "zh": "训练后的模型"},
    "predictions of shape {shape}": {"ko": "형상 {shape}의 예측", "zh": "形状为 {shape} 的预测"},
    "return the model you trained (or None)": {
        "ko": "훈련한 모델(또는 None)을 반환하십시오", "zh": "返回你训练的模型（或 None）"},
    "a test MSE below {margin} x the targets' variance ({variance:.3f})": {
        "ko": "타깃 분산({variance:.3f})의 {margin}배보다 작은 테스트 MSE",
        "zh": "测试 MSE 低于目标方差（{variance:.3f}）的 {margin} 倍"},
    "compare the loss with y of shape (N,): squeeze the model's (N, 1) output; try Adam with lr 1e-3, "
    "batches of 32 and a few dozen epochs": {
        "ko": "손실은 형상 (N,)의 y와 비교합니다: 모델의 (N, 1) 출력을 squeeze하십시오. lr 1e-3의 Adam, "
              "배치 32, 에포크 수십 번으로 해 보십시오",
        "zh": "损失要和形状为 (N,) 的 y 比较：对模型 (N, 1) 的输出做 squeeze；试试 lr 为 1e-3 的 Adam、"
              "批量大小 32 和几十轮训练"},
    "test MSE {mse:.3f}, against a variance of {variance:.3f} for the test targets (R^2 = {r2:.2f}).": {
        "ko": "테스트 MSE는 {mse:.3f}이고, 테스트 타깃의 분산은 {variance:.3f}입니다(R^2 = {r2:.2f}).",
        "zh": "测试 MSE 为 {mse:.3f}，测试目标的方差为 {variance:.3f}（R^2 = {r2:.2f}）。"},
}

CH6: dict[str, dict[str, str]] = {
    "that is the first batch that no longer fits: return the one before it": {
        "ko": "그것은 처음으로 들어가지 않는 배치입니다: 그 바로 앞의 배치를 반환하십시오",
        "zh": "这是第一个放不下的批量：返回它前面的那一个"},
    "a GiB is 2**30 bytes, not 10**9": {"ko": "GiB는 10**9바이트가 아니라 2**30바이트입니다",
                                        "zh": "1 GiB 是 2**30 字节，而不是 10**9"},
    "pass memory_efficient on to estimate_activation_memory": {
        "ko": "memory_efficient를 estimate_activation_memory에 그대로 넘기십시오",
        "zh": "把 memory_efficient 传给 estimate_activation_memory"},
    "the estimate is not exactly proportional to the batch: test the batch you find with "
    "estimate_activation_memory itself": {
        "ko": "추정값은 배치 크기에 정확히 비례하지 않습니다: 찾은 배치를 estimate_activation_memory로 직접 "
              "확인하십시오",
        "zh": "估计值并不严格与批量大小成正比：用 estimate_activation_memory 本身检验你找到的批量"},
    "the largest batch b with estimate_activation_memory(model, 224, b, memory_efficient=...) <= "
    "budget_gib * 2**30; 0 when one image does not fit": {
        "ko": "estimate_activation_memory(model, 224, b, memory_efficient=...) <= budget_gib * 2**30인 가장 큰 "
              "배치 b입니다. 이미지 한 장도 들어가지 않으면 0입니다",
        "zh": "满足 estimate_activation_memory(model, 224, b, memory_efficient=...) <= budget_gib * 2**30 的"
              "最大批量 b；一张图像也放不下时为 0"},
    "the largest batch in {n} cases: two models, several budgets, both modes.": {
        "ko": "{n}가지 경우(모델 두 개, 여러 예산, 두 모드) 모두에서 가장 큰 배치를 찾았습니다.",
        "zh": "在 {n} 个情形（两个模型、多种预算、两种模式）下都找到了最大的批量。"},
    "layer l (from 1) reads k0 + (l - 1) k channels: the first reads only the input": {
        "ko": "계층 l(1부터)은 채널 k0 + (l - 1) k개를 읽습니다: 첫 계층은 입력만 읽습니다",
        "zh": "第 l 层（从 1 开始）读取 k0 + (l - 1) k 个通道：第一层只读取输入"},
    "not every layer reads k0 + L k channels: layer l reads k0 + (l - 1) k": {
        "ko": "모든 계층이 채널 k0 + L k개를 읽는 것은 아닙니다: 계층 l은 k0 + (l - 1) k개를 읽습니다",
        "zh": "并不是每一层都读取 k0 + L k 个通道：第 l 层读取 k0 + (l - 1) k 个"},
    "the block's features include its input: k0 channels, then k per layer": {
        "ko": "블록의 특징에는 입력도 들어갑니다: 채널 k0개, 그리고 계층마다 k개",
        "zh": "块的特征包括它的输入：k0 个通道，然后每层 k 个"},
    "the two modes differ: use memory_efficient": {
        "ko": "두 모드는 다릅니다: memory_efficient를 쓰십시오", "zh": "两种模式不同：要用上 memory_efficient"},
    "naive: add up the layers' input widths k0 + (l - 1) k for l = 1..L; memory-efficient: the features "
    "x_0, ..., x_L once": {
        "ko": "단순한 방식: l = 1..L에 대해 계층 입력 폭 k0 + (l - 1) k를 모두 더합니다. 메모리 효율적 방식: "
              "특징 x_0, ..., x_L을 한 번씩만 셉니다",
        "zh": "朴素方式：对 l = 1..L 把各层输入宽度 k0 + (l - 1) k 加起来；内存高效方式：特征 x_0, ..., x_L "
              "各算一次"},
    "{n} blocks: quadratic in L when naive, linear when memory-efficient.": {
        "ko": "블록 {n}개: 단순한 방식에서는 L에 대해 2차, 메모리 효율적 방식에서는 선형입니다.",
        "zh": "{n} 个块：朴素方式下与 L 成二次关系，内存高效方式下成线性关系。"},
}

CH7: dict[str, dict[str, str]] = {
    "batches pads the shuffled order so every process gets as many images: round up": {
        "ko": "batches는 섞은 순서를 채워(padding) 모든 프로세스가 같은 수의 이미지를 받게 합니다: 올림하십시오",
        "zh": "batches 会填充打乱后的顺序，使每个进程得到同样多的图像：向上取整"},
    "a process sees a whole number of images: round, and think which way": {
        "ko": "프로세스가 보는 이미지 수는 정수입니다: 반올림하되, 어느 쪽으로 할지 생각해 보십시오",
        "zh": "一个进程看到的图像数是整数：取整，并想一想往哪个方向取整"},
    "each process takes every world_size-th image, not all of them": {
        "ko": "각 프로세스는 이미지 전부가 아니라 world_size번째마다 하나씩 가져갑니다",
        "zh": "每个进程每隔 world_size 张取一张图像，而不是全部"},
    "read data.batches: it pads the order to a multiple of world_size": {
        "ko": "data.batches를 읽어 보십시오: 순서를 world_size의 배수가 되도록 채웁니다",
        "zh": "读一读 data.batches：它把顺序填充到 world_size 的倍数"},
    "{n} data set sizes and process counts; the padding repeats a few images per epoch.": {
        "ko": "데이터 세트 크기와 프로세스 수 {n}가지 모두 맞습니다. 패딩 때문에 에포크마다 몇몇 이미지가 "
              "반복됩니다.",
        "zh": "{n} 种数据集大小和进程数都正确；填充会让每轮重复少数几张图像。"},
    "a learning rate (a float)": {"ko": "학습률(float)", "zh": "一个学习率（float）"},
    "return a number": {"ko": "숫자를 반환하십시오", "zh": "返回一个数"},
    "scale by the global batch over the base batch, not by the number of processes: the per-process "
    "batch may differ from the base batch": {
        "ko": "프로세스 수가 아니라 전역 배치를 기준 배치로 나눈 값으로 조정하십시오: 프로세스당 배치는 기준 "
              "배치와 다를 수 있습니다",
        "zh": "按全局批量与基准批量之比缩放，而不是按进程数：每个进程的批量可能与基准批量不同"},
    "the global batch is batch_per_process * world_size": {
        "ko": "전역 배치는 batch_per_process * world_size입니다", "zh": "全局批量是 batch_per_process * world_size"},
    "the linear scaling rule multiplies by the ratio itself, not its square root": {
        "ko": "선형 스케일링 규칙은 비율의 제곱근이 아니라 비율 자체를 곱합니다",
        "zh": "线性缩放规则乘的是这个比值本身，而不是它的平方根"},
    "the linear scaling rule: lr = base_lr * (batch_per_process * world_size) / base_batch": {
        "ko": "선형 스케일링 규칙: lr = base_lr * (batch_per_process * world_size) / base_batch",
        "zh": "线性缩放规则：lr = base_lr * (batch_per_process * world_size) / base_batch"},
    "the linear scaling rule on {n} settings.": {
        "ko": "설정 {n}가지 모두에서 선형 스케일링 규칙이 맞습니다.", "zh": "在 {n} 种设置下线性缩放规则都正确。"},
}


def _merge(*tables: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """One table from the sections above; an English text in two sections is an error (one would
    silently replace the other's translations)."""
    merged: dict[str, dict[str, str]] = {}
    for table in tables:
        for english, translations in table.items():
            if english in merged:
                raise ValueError(f"the exercise message {english!r} is in MESSAGES twice")
            merged[english] = translations
    return merged


MESSAGES = _merge(FRAME, CORE, CH0, CH1, CH2, CH3, CH4, CH5, CH6, CH7)


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
