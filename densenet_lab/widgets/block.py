"""Chapter 3's explorer: one dense block, its growing concatenation and its parameters."""

from __future__ import annotations

from ..analysis import layer_schedule
from ..models.densenet import DenseNetConfig
from .core import Control, Explorer, Figure, Frame, Trace


def block_config(growth_rate: int, in_channels: int, num_layers: int, bottleneck: bool) -> DenseNetConfig:
    """A one-block network whose only dense block is the one explored."""
    return DenseNetConfig(growth_rate=growth_rate, block_config=(num_layers,), num_init_features=in_channels,
                          bottleneck=bottleneck, compression=1.0, stem="cifar", num_classes=10)


class BlockExplorer(Explorer):
    """Growth rate k, input channels k0 and layers L: each layer reads ``k0 + (l - 1) k`` channels."""

    key = "block"  # links: #block:k=12,k0=24,L=6,b=0
    title = "A dense block: every layer reads all earlier outputs"
    note = "Bars: what layer l reads (the block input, then k channels from each earlier layer); the last bar is the block's output."
    controls = (
        Control("growth_rate", "growth rate k", tuple(range(1, 65)), 12, static=(4, 8, 12, 16, 24, 32), key="k"),
        Control("in_channels", "input channels k0", tuple(range(1, 257)), 24, static=(16, 24, 32, 64), key="k0"),
        Control("num_layers", "layers L", tuple(range(1, 33)), 6, static=(*range(1, 9), 12, 16, 24, 32), key="L"),
        Control("bottleneck", "1x1 bottleneck (DenseNet-B)", (False, True), False, key="b"),
    )

    def compute(self, growth_rate: int, in_channels: int, num_layers: int, bottleneck: bool) -> Frame:
        k, k0, L = growth_rate, in_channels, num_layers
        text = self.figure_text
        schedule = layer_schedule(block_config(k, k0, L, bottleneck))
        out = k0 + L * k
        names = [str(r.layer) for r in schedule] + [text("out")]
        traces = [
            Trace(text("block input (k0)"), names, [k0] * (L + 1), kind="bar", color="#7f7f7f"),
            Trace(text("outputs of earlier layers (k each)"), names, [r.in_channels - k0 for r in schedule] + [L * k],
                  kind="bar", color="#1f77b4"),
        ]
        if bottleneck:  # the 1x1 convolution squeezes every input to 4k channels for the 3x3
            traces.append(Trace(text("bottleneck: what each 3x3 conv reads (4k)"), names[:-1],
                                [schedule[0].bottleneck_channels] * L, color="#d62728", dash=True))
        frame = self.new_frame([Figure(traces, title=text("channels read by each layer (k0={k0}, k={k}, L={L})", k0=k0, k=k, L=L),
                                       xlabel=text("layer"), ylabel=text("channels"), stacked=True)])
        frame.add("block input", f"(N, {k0}, H, W)")
        frame.add("block output", f"(N, {out}, H, W)")
        frame.add("output channels k0 + L*k", out)
        frame.add("last layer reads", schedule[-1].in_channels)
        if bottleneck:
            frame.add("bottleneck width 4k (each 3x3 conv's input)", schedule[-1].bottleneck_channels)
        frame.add("connections L(L+1)/2", L * (L + 1) // 2)
        frame.add("parameters", sum(r.params for r in schedule))
        return frame
