"""The ``densenet-lab`` command.

    densenet-lab list                         the registered models and the paper's figures
    densenet-lab info densenet121             the architecture table of one model
    densenet-lab info densenet_bc100_k12 --input-size 32 --batch 64 --memory-efficient
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__, analysis
from ._checks import check_int
from .models import create_model, get_entry, list_models


def _si(value: float, unit: str) -> str:
    for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:.2f} {prefix}{unit}"
    return f"{value:.0f} {unit}"


def _mib(nbytes: float) -> str:
    return f"{nbytes / 2**20:.1f} MiB"


def format_table(header: Sequence[str], rows: Sequence[Sequence[object]], align: str = "") -> str:
    """A plain-text table. ``align`` has an ``l`` or ``r`` per column (default: the first
    column left-aligned, the others right-aligned)."""
    align = align or "l" + "r" * (len(header) - 1)
    cells = [list(map(str, header))] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = []
    for n, row in enumerate(cells):
        line = "  ".join(c.ljust(w) if align[i] == "l" else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
        lines.append(line.rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def cmd_list(args: argparse.Namespace) -> int:
    rows = []
    for name in list_models(args.family):
        e = get_entry(name)
        params = ", ".join(f"{p:,} ({n} classes)" for n, p in e.params.items()) or "-"
        errors = ", ".join(f"{k} {v:.2f}%" for k, v in e.errors.items()) or "-"
        rows.append((name, e.description, params, errors))
    print(format_table(("model", "what it is", "parameters", "paper error"), rows, align="llll"))
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    entry = get_entry(args.model)
    model = create_model(
        args.model, num_classes=args.num_classes, in_channels=args.in_channels,
        **({"memory_efficient": True} if args.memory_efficient else {}),
    )
    size = check_int("--input-size", entry.input_size if args.input_size is None else args.input_size)
    batch = check_int("--batch", args.batch)
    rows = analysis.stages(model, size, batch) if entry.config is not None else None  # checks size, batch
    total_params = analysis.count_parameters(model)
    print(f"{args.model}: {entry.description}")
    print(f"input {batch} x {getattr(model, 'config', entry).in_channels} x {size} x {size}, "
          f"{total_params:,} parameters")
    if entry.config is None:  # not one of the paper's DenseNets: measured totals only
        flops = analysis.measure_flops(model, size, batch, in_channels=args.in_channels or entry.in_channels)
        saved = analysis.measure_activation_memory(model, size, batch, in_channels=args.in_channels or entry.in_channels)
        print(f"forward FLOPs {_si(flops, 'FLOPs')}, training activations {_mib(saved)} (measured)")
        return 0
    assert rows is not None
    table = [
        (s.name, s.layers, s.in_channels, s.out_channels, f"{s.size}->{s.out_size}", f"{s.params:,}",
         _si(s.flops, "FLOPs"), _mib(s.activation_bytes))
        for s in rows
    ]
    table.append(("total", sum(s.layers for s in rows if s.name.startswith("denseblock")), "", "", "",
                  f"{sum(s.params for s in rows):,}", _si(sum(s.flops for s in rows), "FLOPs"),
                  _mib(sum(s.activation_bytes for s in rows))))
    print(format_table(("stage", "layers", "ch in", "ch out", "size", "params", "FLOPs", "activations"), table))
    other = analysis.estimate_activation_memory(model, size, batch, memory_efficient=not model.config.memory_efficient)
    mode = "naive" if model.config.memory_efficient else "memory-efficient"
    print(f"activations: float32 tensors a training step keeps for backward; {mode} would keep {_mib(other)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="densenet-lab",
        description="DenseNet models, measurements and training from the densenet-lab course.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("list", help="list the registered models with the paper's figures")
    p.add_argument("--family", choices=("cifar", "imagenet", "textbook", "resnet"), help="only this family")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("info", help="print a model's architecture table (channels, parameters, FLOPs, memory)")
    p.add_argument("model", help="a model name from 'densenet-lab list'")
    p.add_argument("--input-size", type=int, metavar="N", help="image height = width (default: the model's own)")
    p.add_argument("--batch", type=int, default=1, metavar="B", help="batch size for FLOPs and memory (default 1)")
    p.add_argument("--num-classes", type=int, metavar="C", help="classifier outputs (default: the model's own)")
    p.add_argument("--in-channels", type=int, metavar="C", help="image channels (default: the model's own)")
    p.add_argument("--memory-efficient", action="store_true", help="the checkpointed variant")
    p.set_defaults(func=cmd_info)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ValueError as err:  # bad input: a message and exit code 2, not a traceback
        parser.exit(2, f"{parser.prog}: error: {err}\n")


if __name__ == "__main__":
    sys.exit(main())
