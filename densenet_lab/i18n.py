"""The reader's language and the one table of every text the package shows.

``LABELS`` maps an English text, exactly as the code writes it (so a call site reads in
English), to its Korean (``"ko"``) and Simplified Chinese (``"zh"``) renderings. A text may
hold ``{fields}``, filled in by :func:`t` after the lookup: ``t("order {order}", order=3)``.
The renderings use the course's terms (``densenet_lab.glossary``: 성장률/增长率, 고밀도 블록/稠密块,
병목/瓶颈, ...); a test holds every entry to them.

The language is the last ``setup(lang=...)`` (``densenet_lab.book``), else English;
:func:`current_language` reads it. Figures drawn by matplotlib use :func:`figure_language`:
the reader's language when a CJK font is installed (``densenet_lab.fonts``), else English, so a
figure never shows boxes. Text the browser draws (widgets, HTML) needs no such fallback.
"""

from __future__ import annotations

from ._checks import check_choice
from .fonts import use_cjk_font

LANGUAGES = ("en", "ko", "zh")  # English, Korean, Simplified Chinese
_language = "en"  # set by set_language (setup(lang=...)); read with current_language()
MISSING: set[str] = set()  # texts t() was asked to translate and found no entry for (the tests read it)

LABELS: dict[str, dict[str, str]] = {
    # ----- every explorer (widgets.core, widgets.static)
    "Run this page in Colab, Binder or with Live Code (rocket icon above) for the live explorer with every value.": {
        "ko": "모든 값을 다루는 라이브 탐색기는 이 페이지를 Colab, Binder 또는 Live Code(위의 로켓 아이콘)로 실행하세요.",
        "zh": "在 Colab、Binder 或 Live Code（上方的火箭图标）中运行本页，即可使用支持所有取值的交互式探索器。"},
    "Static version: {count} precomputed settings.": {
        "ko": "정적 버전: 미리 계산한 설정 {count}개.", "zh": "静态版本：{count} 组预先计算的设置。"},
    # ----- chapter 1: Taylor explorer
    "Taylor expansion around 0": {"ko": "0 근처의 테일러 전개", "zh": "在 0 处的泰勒展开"},
    "Each extra term corrects what the lower orders missed, inside the series' radius of convergence.": {
        "ko": "수렴 반경 안에서는 항을 하나 더할 때마다 낮은 차수가 놓친 부분을 바로잡습니다.",
        "zh": "在级数的收敛半径内，每多一项都修正低阶项遗漏的部分。"},
    "function": {"ko": "함수", "zh": "函数"},
    "order n": {"ko": "차수 n", "zh": "阶数 n"},
    "order {order}": {"ko": "{order}차", "zh": "{order} 阶"},
    "radius of convergence, x = 1": {"ko": "수렴 반경, x = 1", "zh": "收敛半径，x = 1"},
    "{label} and its order-{order} Taylor polynomial": {
        "ko": "{label} 및 {order}차 테일러 다항식", "zh": "{label} 及其 {order} 阶泰勒多项式"},
    "T_n(x)": {"ko": "T_n(x)", "zh": "T_n(x)"},  # a formula, the same in every language
    "error at x = 1": {"ko": "x = 1에서의 오차", "zh": "x = 1 处的误差"},
    "largest error on [{low}, {high}]": {"ko": "[{low}, {high}]에서의 최대 오차", "zh": "[{low}, {high}] 上的最大误差"},
    # ----- chapter 3: dense block explorer
    "A dense block: every layer reads all earlier outputs": {
        "ko": "고밀도 블록: 모든 계층이 앞선 모든 출력을 읽는다", "zh": "稠密块：每一层都读取之前所有层的输出"},
    "Bars: what layer l reads (the block input, then k channels from each earlier layer); the last bar is "
    "the block's output.": {
        "ko": "막대: 계층 l이 읽는 채널(블록 입력, 그리고 앞선 각 계층의 k 채널). 마지막 막대는 블록의 출력입니다.",
        "zh": "柱：第 l 层读取的通道（块的输入，以及之前每层的 k 个通道）；最后一根柱是块的输出。"},
    "growth rate k": {"ko": "성장률 k", "zh": "增长率 k"},
    "input channels k0": {"ko": "입력 채널 k0", "zh": "输入通道 k0"},
    "layers L": {"ko": "계층 수 L", "zh": "层数 L"},
    "1x1 bottleneck (DenseNet-B)": {"ko": "1x1 병목 (DenseNet-B)", "zh": "1x1 瓶颈 (DenseNet-B)"},
    "out": {"ko": "출력", "zh": "输出"},
    "block input (k0)": {"ko": "블록 입력 (k0)", "zh": "块的输入 (k0)"},
    "outputs of earlier layers (k each)": {"ko": "앞선 계층의 출력 (각 k)", "zh": "之前各层的输出（各 k 个）"},
    "bottleneck: what each 3x3 conv reads (4k)": {
        "ko": "병목: 각 3x3 컨벌루션이 읽는 채널 (4k)", "zh": "瓶颈：每个 3x3 卷积读取的通道 (4k)"},
    "channels read by each layer (k0={k0}, k={k}, L={L})": {
        "ko": "각 계층이 읽는 채널 (k0={k0}, k={k}, L={L})", "zh": "每层读取的通道数 (k0={k0}, k={k}, L={L})"},
    "layer": {"ko": "계층", "zh": "层"},
    "channels": {"ko": "채널", "zh": "通道数"},
    "block input": {"ko": "블록 입력", "zh": "块的输入"},
    "block output": {"ko": "블록 출력", "zh": "块的输出"},
    "output channels k0 + L*k": {"ko": "출력 채널 k0 + L*k", "zh": "输出通道 k0 + L*k"},
    "last layer reads": {"ko": "마지막 계층이 읽는 채널", "zh": "最后一层读取的通道"},
    "bottleneck width 4k (each 3x3 conv's input)": {
        "ko": "병목 너비 4k (각 3x3 컨벌루션의 입력)", "zh": "瓶颈宽度 4k（每个 3x3 卷积的输入）"},
    "connections L(L+1)/2": {"ko": "연결 수 L(L+1)/2", "zh": "连接数 L(L+1)/2"},
    "parameters": {"ko": "매개변수", "zh": "参数"},
    # ----- chapters 4 and 6: architecture explorer
    "A whole DenseNet: channels, parameters, FLOPs and training memory": {
        "ko": "DenseNet 전체: 채널, 매개변수, FLOPs, 학습 메모리", "zh": "完整的 DenseNet：通道、参数、FLOPs 与训练内存"},
    "Closed forms from densenet_lab.analysis; memory is what a float32 training pass saves for backward "
    "(bf16 halves it); ResNet-18 is measured at the same input size.": {
        "ko": "densenet_lab.analysis의 닫힌 형식. 메모리는 float32 학습 패스가 역전파를 위해 저장하는 양(bf16이면 절반)이며, "
              "ResNet-18은 같은 입력 크기에서 측정합니다.",
        "zh": "数值来自 densenet_lab.analysis 的闭式公式；内存是 float32 训练一次前向为反向传播保存的量（bf16 减半）；"
              "ResNet-18 在相同输入尺寸下实测。"},
    "network": {"ko": "네트워크", "zh": "网络"},
    "bottleneck (B)": {"ko": "병목 (B)", "zh": "瓶颈 (B)"},
    "compression theta": {"ko": "압축 계수 θ", "zh": "压缩因子 θ"},
    "input size": {"ko": "입력 크기", "zh": "输入尺寸"},
    "batch": {"ko": "배치", "zh": "批量"},
    "memory-efficient (checkpointing)": {"ko": "메모리 효율적 (체크포인팅)", "zh": "内存高效（检查点）"},
    "CIFAR L={depth}: 3 blocks": {"ko": "CIFAR L={depth}: 블록 3개", "zh": "CIFAR L={depth}：3 个块"},
    "ImageNet {name}: blocks {blocks}": {"ko": "ImageNet {name}: 블록 {blocks}", "zh": "ImageNet {name}：块 {blocks}"},
    "{variant}, k={k}, blocks {blocks}, k0={k0}": {
        "ko": "{variant}, k={k}, 블록 {blocks}, k0={k0}", "zh": "{variant}，k={k}，块 {blocks}，k0={k0}"},
    "input size {size} is too small for this network: the minimum is {minimum}": {
        "ko": "입력 크기 {size}는 이 네트워크에 너무 작습니다: 최소 {minimum}입니다",
        "zh": "输入尺寸 {size} 对这个网络太小：最小为 {minimum}"},
    "input channels of each dense layer: k0 + l*k": {
        "ko": "각 고밀도 계층의 입력 채널: k0 + l*k", "zh": "每个稠密层的输入通道：k0 + l*k"},
    "dense layer": {"ko": "고밀도 계층", "zh": "稠密层"},
    "input channels": {"ko": "입력 채널", "zh": "输入通道"},
    "block {b}": {"ko": "블록 {b}", "zh": "块 {b}"},
    "trans. {b}": {"ko": "전이 {b}", "zh": "过渡 {b}"},
    "total": {"ko": "합계", "zh": "合计"},
    "stem": {"ko": "스템", "zh": "主干"},
    "head": {"ko": "헤드", "zh": "输出头"},
    "naive": {"ko": "단순 구현", "zh": "朴素实现"},
    "memory-efficient": {"ko": "메모리 효율적", "zh": "内存高效"},
    "saved activations, batch {batch} at {size}x{size}": {
        "ko": "저장된 활성화 값, 배치 {batch}, {size}x{size}", "zh": "保存的激活值，批量 {batch}，{size}x{size}"},
    "{params} ({classes} classes)": {"ko": "{params} (클래스 {classes}개)", "zh": "{params}（{classes} 个类别）"},
    "GFLOPs per image (forward)": {"ko": "이미지당 GFLOPs (순전파)", "zh": "每张图像的 GFLOPs（前向）"},
    "activations, naive": {"ko": "활성화 값, 단순 구현", "zh": "激活值，朴素实现"},
    "activations, memory-efficient": {"ko": "활성화 값, 메모리 효율적", "zh": "激活值，内存高效"},
    "{memory} (in use)": {"ko": "{memory} (사용 중)", "zh": "{memory}（使用中）"},
    "ResNet-18 parameters": {"ko": "ResNet-18 매개변수", "zh": "ResNet-18 参数"},
    "ResNet-18 GFLOPs per image": {"ko": "ResNet-18 이미지당 GFLOPs", "zh": "ResNet-18 每张图像的 GFLOPs"},
    "ResNet-18 activations": {"ko": "ResNet-18 활성화 값", "zh": "ResNet-18 激活值"},
    "the activations alone need {memory}: with the weights, gradients and workspace this does not fit on a "
    "15 GiB GPU (Colab's T4); lower the batch or the input size.": {
        "ko": "활성화 값만 {memory}가 필요합니다: 가중치, 기울기, 작업 공간까지 더하면 15 GiB GPU(Colab의 T4)에 "
              "들어가지 않습니다. 배치나 입력 크기를 줄이세요.",
        "zh": "仅激活值就需要 {memory}：加上权重、梯度和工作空间，15 GiB 的 GPU（Colab 的 T4）放不下；"
              "请减小批量或输入尺寸。"},
    "the activations alone need {memory}: with the weights, gradients and workspace this does not fit on a "
    "15 GiB GPU (Colab's T4); turn on memory-efficient, or lower the batch or the input size.": {
        "ko": "활성화 값만 {memory}가 필요합니다: 가중치, 기울기, 작업 공간까지 더하면 15 GiB GPU(Colab의 T4)에 "
              "들어가지 않습니다. 메모리 효율적 구현을 켜거나 배치나 입력 크기를 줄이세요.",
        "zh": "仅激活值就需要 {memory}：加上权重、梯度和工作空间，15 GiB 的 GPU（Colab 的 T4）放不下；"
              "请打开内存高效实现，或减小批量或输入尺寸。"},
    # ----- chapter 5: accuracy explorer and its trainer
    "Accuracy against growth rate, from real training runs": {
        "ko": "성장률에 따른 정확도 (실제 학습 결과)", "zh": "准确率随增长率的变化（来自真实训练）"},
    "Run this page in Colab, Binder or with Live Code (rocket icon above) to train more growth rates from the "
    "explorer and add their points.": {
        "ko": "이 페이지를 Colab, Binder 또는 Live Code(위의 로켓 아이콘)로 실행하면 탐색기에서 다른 성장률을 학습해 "
              "점을 추가할 수 있습니다.",
        "zh": "在 Colab、Binder 或 Live Code（上方的火箭图标）中运行本页，即可在探索器中训练更多增长率并添加对应的点。"},
    "show": {"ko": "표시", "zh": "显示"},
    "test accuracy": {"ko": "테스트 정확도", "zh": "测试准确率"},
    "validation accuracy": {"ko": "검증 정확도", "zh": "验证准确率"},
    "training time (s)": {"ko": "학습 시간 (초)", "zh": "训练时间（秒）"},
    "{data}, {epochs} epochs per run (batch {batch}, lr {lr}), blocks {blocks}; {device}, torch {torch}, {date}": {
        "ko": "{data}, 실행마다 {epochs} 에포크 (배치 {batch}, 학습률 {lr}), 블록 {blocks}; {device}, torch {torch}, {date}",
        "zh": "{data}，每次运行 {epochs} 轮（批量 {batch}，学习率 {lr}），块 {blocks}；{device}，torch {torch}，{date}"},
    "{data}, accuracy on a validation split of the training images, {epochs} epochs per run (batch {batch}, "
    "lr {lr}), blocks {blocks}; {device}, torch {torch}, {date}": {
        "ko": "{data}, 학습 이미지에서 떼어 낸 검증 세트의 정확도, 실행마다 {epochs} 에포크 (배치 {batch}, 학습률 {lr}), "
              "블록 {blocks}; {device}, torch {torch}, {date}",
        "zh": "{data}，在训练图像划出的验证集上的准确率，每次运行 {epochs} 轮（批量 {batch}，学习率 {lr}），"
              "块 {blocks}；{device}，torch {torch}，{date}"},
    "unknown device": {"ko": "알 수 없는 장치", "zh": "未知设备"},
    "sweep": {"ko": "성장률 탐색", "zh": "增长率扫描"},
    "trained here": {"ko": "여기서 학습함", "zh": "在此训练"},
    "{label} against growth rate k": {"ko": "성장률 k에 따른 {label}", "zh": "{label}随增长率 k 的变化"},
    "k={k}": {"ko": "k={k}", "zh": "k={k}"},
    "k={k} (trained here)": {"ko": "k={k} (여기서 학습함)", "zh": "k={k}（在此训练）"},
    "acc {acc}, {seconds} s, {params} params": {
        "ko": "정확도 {acc}, {seconds}초, 매개변수 {params}개", "zh": "准确率 {acc}，{seconds} 秒，{params} 个参数"},
    "train k": {"ko": "학습할 k", "zh": "训练 k"},
    "Train and add the point": {"ko": "학습하고 점 추가", "zh": "训练并添加该点"},
    "Stop": {"ko": "중지", "zh": "停止"},
    "training k={k} ...": {"ko": "k={k} 학습 중 ...", "zh": "正在训练 k={k} ..."},
    "training failed: {error}": {"ko": "학습 실패: {error}", "zh": "训练失败：{error}"},
    "stopped: k={k} was not added": {"ko": "중지됨: k={k}는 추가되지 않았습니다", "zh": "已停止：未添加 k={k}"},
    "k={k}: test accuracy {acc} in {seconds} s (added)": {
        "ko": "k={k}: 테스트 정확도 {acc}, {seconds}초 (추가됨)", "zh": "k={k}：测试准确率 {acc}，用时 {seconds} 秒（已添加）"},
    "k={k}: validation accuracy {acc} in {seconds} s (added)": {
        "ko": "k={k}: 검증 정확도 {acc}, {seconds}초 (추가됨)", "zh": "k={k}：验证准确率 {acc}，用时 {seconds} 秒（已添加）"},
    # ----- training curves (progress.LivePlot)
    "train loss": {"ko": "학습 손실", "zh": "训练损失"},
    "test loss": {"ko": "테스트 손실", "zh": "测试损失"},
    "train accuracy": {"ko": "학습 정확도", "zh": "训练准确率"},
    "epoch": {"ko": "에포크", "zh": "轮次"},
    # ----- chapter 3: feature reuse heat maps (experiments.plot_feature_reuse) and the title chapter 3 gives them
    "feature reuse in block 1": {"ko": "블록 1의 특징 재사용", "zh": "块 1 中的特征重用"},
    "Block 1: weight L1 norm per input feature map": {
        "ko": "블록 1: 입력 특징 맵당 가중치 L1 노름", "zh": "块 1：每个输入特征映射的权重 L1 范数"},
    "before training": {"ko": "학습 전", "zh": "训练前"},
    "after training": {"ko": "학습 후", "zh": "训练后"},
    "after / before": {"ko": "학습 후 / 학습 전", "zh": "训练后 / 训练前"},
    "source s (0 = block input)": {"ko": "출처 s (0 = 블록 입력)", "zh": "来源 s（0 = 块的输入）"},
    "target layer l": {"ko": "대상 계층 l", "zh": "目标层 l"},
    "L1 norm per input map": {"ko": "입력 특징 맵당 L1 노름", "zh": "每个输入特征映射的 L1 范数"},
    "ratio": {"ko": "비율", "zh": "比值"},
    # ----- the chapters' own matplotlib figures (code cells of book/en, via figure_text)
    "Taylor approximations of exp(x) around 0": {"ko": "0 근처에서 exp(x)의 테일러 근사", "zh": "exp(x) 在 0 处的泰勒近似"},
    "{name}: x{factor} per block": {"ko": "{name}: 블록당 x{factor}", "zh": "{name}：每块 x{factor}"},
    "depth (blocks)": {"ko": "깊이 (블록 수)", "zh": "深度（块数）"},
    "gradient norm at layer 1 (log scale)": {"ko": "계층 1의 기울기 노름 (로그 척도)", "zh": "第 1 层的梯度范数（对数刻度）"},
    "training error (%)": {"ko": "학습 오차 (%)", "zh": "训练误差 (%)"},
    "digits, {epochs} epochs, mean over seeds {seeds}": {
        "ko": "digits, {epochs} 에포크, 시드 {seeds}의 평균", "zh": "digits，{epochs} 轮，种子 {seeds} 的平均"},
    "newest source": {"ko": "가장 최근 출처", "zh": "最新来源"},
    "weights: trained / untrained": {"ko": "가중치: 학습 후 / 학습 전", "zh": "权重：训练后 / 训练前"},
    "Block 1: how the weights on two sources change": {
        "ko": "블록 1: 두 출처에 대한 가중치의 변화", "zh": "块 1：两个来源上的权重如何变化"},
    "layers in the block": {"ko": "블록의 계층 수", "zh": "块中的层数"},
    "saved activations (MiB)": {"ko": "저장된 활성화 값 (MiB)", "zh": "保存的激活值（MiB）"},
    # ----- the book's SVG diagrams (densenet_lab.diagrams: WORDS and ALT); "stem" and "block output" are above
    "ResNet: add": {"ko": "ResNet: 덧셈", "zh": "ResNet：相加"},
    "DenseNet: concatenate": {"ko": "DenseNet: 연결", "zh": "DenseNet：连结"},
    "identity: x is passed on": {"ko": "항등: x를 그대로 전달", "zh": "恒等：x 原样传递"},
    "layers": {"ko": "계층", "zh": "层"},
    "concat": {"ko": "연결", "zh": "连结"},
    "C channels": {"ko": "C 채널", "zh": "C 个通道"},
    "k channels": {"ko": "k 채널", "zh": "k 个通道"},
    "C + k channels": {"ko": "C + k 채널", "zh": "C + k 个通道"},
    "x and {fx} mixed": {"ko": "x와 {fx}가 섞임", "zh": "x 与 {fx} 混合"},
    "x kept, {fx} beside it": {"ko": "x는 그대로, 옆에 {fx}", "zh": "x 保留，{fx} 在旁"},
    "A dense block: L = {L} layers, k₀ = {k0}, growth rate k = {k}": {
        "ko": "고밀도 블록: 계층 L = {L}개, k₀ = {k0}, 성장률 k = {k}", "zh": "稠密块：L = {L} 层，k₀ = {k0}，增长率 k = {k}"},
    "{n} direct connections, L(L+1)/2": {"ko": "직접 연결 {n}개, L(L+1)/2", "zh": "{n} 条直接连接，L(L+1)/2"},
    "input of H{layer}": {"ko": "H{layer}의 입력", "zh": "H{layer} 的输入"},
    "each column is the concatenation of all feature maps so far": {
        "ko": "각 열은 지금까지의 모든 특징 맵을 연결한 것", "zh": "每一列是到此为止所有特征映射的连结"},
    "Transition layer {i} of {name} (θ = {theta})": {
        "ko": "{name}의 전이 계층 {i} (θ = {theta})", "zh": "{name} 的过渡层 {i}（θ = {theta}）"},
    "BN, ReLU,": {"ko": "BN, ReLU,", "zh": "BN、ReLU、"},
    "1×1 conv": {"ko": "1×1 컨벌루션", "zh": "1×1 卷积"},
    "2×2 average": {"ko": "2×2 평균 풀링,", "zh": "2×2 平均"},  # one phrase on two lines: "2×2 average / pool, stride 2"
    "pool, stride 2": {"ko": "스트라이드 2", "zh": "汇聚，步幅 2"},
    "channels: ⌊θ·C⌋": {"ko": "채널: ⌊θ·C⌋", "zh": "通道：⌊θ·C⌋"},
    "height, width halved:": {"ko": "높이, 너비 절반:", "zh": "高、宽减半："},
    "channels × height × width": {"ko": "채널 × 높이 × 너비", "zh": "通道 × 高 × 宽"},
    "{name}: growth rate k = {k}, compression θ = {theta}": {
        "ko": "{name}: 성장률 k = {k}, 압축 θ = {theta}", "zh": "{name}：增长率 k = {k}，压缩 θ = {theta}"},
    "{size} × {size} image": {"ko": "{size} × {size} 이미지", "zh": "{size} × {size} 图像"},
    "7×7 conv, stride 2; 3×3 max pool, stride 2": {
        "ko": "7×7 컨벌루션, 스트라이드 2; 3×3 최대 풀링, 스트라이드 2", "zh": "7×7 卷积，步幅 2；3×3 最大汇聚，步幅 2"},
    "3×3 conv": {"ko": "3×3 컨벌루션", "zh": "3×3 卷积"},
    "dense block {i}": {"ko": "고밀도 블록 {i}", "zh": "稠密块 {i}"},
    "{n} layers, each adds k = {k} channels": {
        "ko": "계층 {n}개, 각각 k = {k} 채널 추가", "zh": "{n} 层，每层增加 k = {k} 个通道"},
    "transition {i}": {"ko": "전이 {i}", "zh": "过渡 {i}"},
    "1×1 conv to ⌊θ·C⌋; 2×2 average pool": {
        "ko": "1×1 컨벌루션으로 ⌊θ·C⌋; 2×2 평균 풀링", "zh": "1×1 卷积到 ⌊θ·C⌋；2×2 平均汇聚"},
    "global average pool": {"ko": "전역 평균 풀링", "zh": "全局平均汇聚"},
    "BN, ReLU, then the mean of each channel": {"ko": "BN, ReLU, 그다음 채널별 평균", "zh": "BN、ReLU，然后取每个通道的均值"},
    "linear layer": {"ko": "선형 계층", "zh": "线性层"},
    "one score per class": {"ko": "클래스마다 점수 하나", "zh": "每个类别一个分数"},
    "{n} classes": {"ko": "클래스 {n}개", "zh": "{n} 个类别"},
    "the block's input, passed on unchanged": {"ko": "블록의 입력, 그대로 전달", "zh": "块的输入，原样传递"},
    "added by the block's layers, k channels each": {
        "ko": "블록의 계층이 추가한 채널, 각 k개", "zh": "块中各层新增的通道，每层 k 个"},
    # the diagrams' alt texts (diagrams.ALT)
    "Two diagrams. Top, ResNet: the input x with C channels goes through layers g; an identity "
    "path carries x around them, and the two are added, so the output x + g(x) still has C "
    "channels and x is mixed into it. Bottom, DenseNet: layers f1 make k new channels from x, "
    "and x is concatenated with them, so the output [x, f1(x)] has C + k channels with x kept "
    "unchanged on top.": {
        "ko": "두 개의 도식. 위, ResNet: C 채널의 입력 x가 계층 g를 지나고, 항등 경로가 x를 그 둘레로 옮겨 둘을 "
              "더하므로 출력 x + g(x)는 여전히 C 채널이며 x가 그 안에 섞입니다. 아래, DenseNet: 계층 f1이 x에서 "
              "새 채널 k개를 만들고 x를 그것과 연결하므로 출력 [x, f1(x)]는 C + k 채널이며 x는 위쪽에 그대로 남습니다.",
        "zh": "两幅示意图。上方，ResNet：有 C 个通道的输入 x 经过层 g；恒等路径把 x 绕过这些层传过去，二者相加，"
              "因此输出 x + g(x) 仍有 C 个通道，x 混在其中。下方，DenseNet：层 f1 由 x 生成 k 个新通道，x 与它们连结，"
              "因此输出 [x, f1(x)] 有 C + k 个通道，x 原样保留在上方。"},
    "A dense block with {L} layers, k0 = {k0} input channels and growth rate k = {k}. Columns "
    "of stacked feature maps grow from left to right: layers H1 to H{L} read {reads} channels; "
    "each layer adds {k} channels under the stack and every earlier feature map is carried to "
    "every later layer, {connections} direct connections in all. The block outputs {out} channels.": {
        "ko": "계층 {L}개, 입력 채널 k0 = {k0}, 성장률 k = {k}인 고밀도 블록. 쌓인 특징 맵의 열이 왼쪽에서 오른쪽으로 "
              "자랍니다: 계층 H1부터 H{L}까지 각각 {reads} 채널을 읽고, 각 계층은 쌓인 맵 아래에 {k} 채널을 더하며, "
              "앞선 모든 특징 맵이 뒤의 모든 계층으로 전달되어 직접 연결은 모두 {connections}개입니다. "
              "블록은 {out} 채널을 출력합니다.",
        "zh": "一个有 {L} 层、k0 = {k0} 个输入通道、增长率 k = {k} 的稠密块。由堆叠的特征映射组成的列从左向右增长："
              "层 H1 到 H{L} 分别读取 {reads} 个通道；每层在堆叠下方增加 {k} 个通道，之前的每个特征映射都传给之后的"
              "每一层，共 {connections} 条直接连接。该块输出 {out} 个通道。"},
    "A transition layer drawn as three boxes: a {c} × {s} × {s} tensor goes through batch "
    "normalisation, ReLU and a 1×1 convolution that keeps floor({theta} × {c}) = {out} channels, "
    "giving {out} × {s} × {s}; 2×2 average pooling with stride 2 then halves the height and "
    "width, giving {out} × {s2} × {s2}.": {
        "ko": "세 개의 상자로 그린 전이 계층: {c} × {s} × {s} 텐서가 배치 정규화, ReLU, 그리고 floor({theta} × {c}) = "
              "{out}개의 채널을 남기는 1×1 컨벌루션을 거쳐 {out} × {s} × {s}가 됩니다. 이어서 스트라이드 2의 2×2 평균 "
              "풀링이 높이와 너비를 절반으로 줄여 {out} × {s2} × {s2}가 됩니다.",
        "zh": "画成三个方框的过渡层：一个 {c} × {s} × {s} 的张量经过批量规范化、ReLU 和一个保留 floor({theta} × {c}) = "
              "{out} 个通道的 1×1 卷积，得到 {out} × {s} × {s}；随后步幅为 2 的 2×2 平均汇聚把高和宽减半，"
              "得到 {out} × {s2} × {s2}。"},
    "{name} drawn top to bottom, each band as wide as its number of channels. The stem turns "
    "a {c_in} × {size} × {size} image into {k0} channels at {s0} × {s0}; then {steps}; then "
    "global average pooling and a linear layer give {classes} class scores.": {
        "ko": "위에서 아래로 그린 {name}, 각 띠의 너비는 채널 수에 비례합니다. 스템이 {c_in} × {size} × {size} 이미지를 "
              "{s0} × {s0} 크기의 {k0} 채널로 바꾸고, 이어서 {steps}; 마지막으로 전역 평균 풀링과 선형 계층이 "
              "클래스 점수 {classes}개를 냅니다.",
        "zh": "从上到下画出的 {name}，每条带的宽度与其通道数成正比。主干把 {c_in} × {size} × {size} 的图像变为 "
              "{s0} × {s0} 上的 {k0} 个通道；然后{steps}；最后全局平均汇聚和一个线性层给出 {classes} 个类别分数。"},
    "dense block {i} ({n} layers) grows {a} to {b} channels at {s} × {s}": {
        "ko": "고밀도 블록 {i}(계층 {n}개)이 {s} × {s}에서 {a} 채널을 {b} 채널로 늘립니다",
        "zh": "稠密块 {i}（{n} 层）在 {s} × {s} 上把 {a} 个通道增加到 {b} 个通道"},
    "transition {i} compresses to {c} channels at {s} × {s}": {
        "ko": "전이 {i}가 {s} × {s}에서 {c} 채널로 압축합니다", "zh": "过渡 {i} 在 {s} × {s} 上压缩到 {c} 个通道"},
    "; then ": {"ko": "; 이어서 ", "zh": "；然后"},
    # ----- setup (book) and fonts
    "Runs are scaled down for this profile; on a GPU runtime they run at full size.": {
        "ko": "이 프로필에서는 실행 규모를 줄였습니다. GPU 런타임에서는 전체 규모로 실행됩니다.",
        "zh": "此配置下运行规模已缩小；在 GPU 运行时上会以完整规模运行。"},
    "font for figures: {font}": {"ko": "그림 글꼴: {font}", "zh": "图表字体：{font}"},
}


def current_language() -> str:
    """The reader's language, one of :data:`LANGUAGES`: the last ``setup(lang=...)``, else ``"en"``."""
    return _language


def set_language(lang: str) -> str:
    """Make ``lang`` (one of :data:`LANGUAGES`) the current language; returns it.

    Anything else is a ValueError naming ``lang`` and the allowed values."""
    global _language
    _language = check_choice("lang", lang, LANGUAGES)
    return _language


def resolve(lang: str | None) -> str:
    """``lang`` checked (a ValueError naming ``lang`` and the allowed values), or the current language for ``None``."""
    return current_language() if lang is None else check_choice("lang", lang, LANGUAGES)


def t(text: str, lang: str | None = None, **fields: object) -> str:
    """``text`` (English, a key of :data:`LABELS`) in ``lang`` (``None``: the current language),
    with ``fields`` filled in: ``t("order {order}", "ko", order=3) == "3차"``. A text with no
    entry stays English (and is noted in :data:`MISSING`)."""
    lang = resolve(lang)
    template = text if lang == "en" else LABELS.get(text, {}).get(lang)
    if template is None:
        MISSING.add(text)
        template = text
    return template.format(**fields) if fields else template


def figure_language(lang: str | None = None) -> str:
    """The language of matplotlib figure texts for a reader of ``lang``: that language when a
    font with its glyphs is installed (``fonts.use_cjk_font``), else ``"en"``."""
    lang = resolve(lang)
    return lang if lang == "en" or use_cjk_font(lang) else "en"


def figure_text(text: str, lang: str | None = None, **fields: object) -> str:
    """:func:`t` for a text matplotlib draws: English when no CJK font can be had."""
    return t(text, figure_language(lang), **fields)
