"""The ``densenet-lab`` command.

    densenet-lab list                         the registered models and the paper's figures
    densenet-lab info densenet121             the architecture table of one model
    densenet-lab info densenet_bc100_k12 --input-size 32 --batch 64 --memory-efficient
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from . import __version__, analysis
from ._checks import check_int, check_lr
from .models import create_model, get_entry, list_models
from .models.registry import FAMILIES
from .results import format_table
from .threads import use_default_threads

if TYPE_CHECKING:
    from .runs import RunDir


def _si(value: float, unit: str) -> str:
    for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:.2f} {prefix}{unit}"
    return f"{value:.0f} {unit}"


def _mib(nbytes: float) -> str:
    return f"{nbytes / 2**20:.1f} MiB"


def cmd_list(args: argparse.Namespace) -> int:
    rows = []
    for name in list_models(args.family):
        e = get_entry(name)
        params = ", ".join(f"{p:,} ({n} classes)" for n, p in e.params.items()) or "-"
        errors = ", ".join(f"{k} {v:.2f}%" for k, v in e.errors.items()) or "-"
        rows.append((name, e.description, params, errors))
    print(format_table(("model", "what it is", "parameters", "paper error"), rows, align="llll"))
    return 0


def _physical_memory() -> int | None:
    """Bytes of memory this machine has, or ``None`` where that cannot be told."""
    try:
        import psutil

        return int(psutil.virtual_memory().total)
    except ImportError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def _check_info_fits(args: argparse.Namespace, entry, size: int, batch: int) -> None:
    """Refuse an ``info`` that would allocate more memory than the machine has: the model is
    first built on the ``meta`` device (shapes only, no memory), and for the models that are
    measured rather than computed, their training forward pass runs there too."""
    if entry.config is None and size < entry.min_input_size:
        raise ValueError(f"input_size={size} is too small for {entry.name}: the minimum is {entry.min_input_size}")
    with torch.device("meta"):
        meta = create_model(args.model, num_classes=args.num_classes, image_channels=args.image_channels,
                            memory_efficient=args.memory_efficient)
    need = sum(p.numel() * p.element_size() for p in meta.parameters())
    if entry.config is None:
        image_channels = args.image_channels or entry.image_channels
        need += analysis.measure_activation_memory(meta, size, batch, image_channels=image_channels)
    have = _physical_memory()
    if have is not None and need > have:
        raise ValueError(
            f"info {args.model} at --input-size {size} --batch {batch} would need about {need / 2**30:,.1f} GiB "
            f"(weights and activations), more than this machine's {have / 2**30:,.1f} GiB: "
            "choose a smaller --input-size, --batch or --num-classes"
        )


def cmd_info(args: argparse.Namespace) -> int:
    entry = get_entry(args.model)
    size = check_int("--input-size", entry.input_size if args.input_size is None else args.input_size)
    batch = check_int("--batch", args.batch)
    _check_info_fits(args, entry, size, batch)
    model = create_model(args.model, num_classes=args.num_classes, image_channels=args.image_channels,
                         memory_efficient=args.memory_efficient)
    rows = analysis.stages(model, size, batch) if entry.config is not None else None  # checks size, batch
    total_params = analysis.count_parameters(model)
    print(f"{args.model}: {entry.description}")
    print(f"input {batch} x {args.image_channels or entry.image_channels} x {size} x {size}, "
          f"{total_params:,} parameters")
    if entry.config is None:  # not one of the paper's DenseNets: measured totals only
        image_channels = args.image_channels or entry.image_channels
        flops = analysis.measure_flops(model, size, batch, image_channels=image_channels)
        saved = analysis.measure_activation_memory(model, size, batch, image_channels=image_channels)
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


def _model_for_data(name: str, info, memory_efficient: bool = False):
    """The registered model ``name`` shaped for the data: its channels and classes."""
    model = create_model(name, num_classes=info.num_classes, image_channels=info.channels,
                         memory_efficient=memory_efficient)
    config = getattr(model, "config", None)
    minimum = config.min_input_size if config is not None else get_entry(name).min_input_size
    if info.image_size < minimum:
        raise ValueError(
            f"model {name} needs images of at least {minimum}x{minimum}, "
            f"but --data {info.name} gives {info.image_size}x{info.image_size}: "
            f"pass --image-size {minimum} or more, or pick a model for small images"
        )
    return model


# The settings a resumed run keeps (runs.KEPT_ON_RESUME), as flags. --epochs may change (it
# extends the run) and --device may differ (it says where, not what, to train).
_RUN_FLAGS = (  # (flag, attribute of args, the setting as runs.resume_view names it)
    ("--model", "model", "model"), ("--data", "data", "data"), ("--recipe", "recipe", "recipe"),
    ("--batch", "batch", "recipe batch_size"), ("--lr", "lr", "recipe lr"),
    ("--image-size", "image_size", "image_size"),
    ("--amp", "amp", "amp"), ("--channels-last", "channels_last", "channels_last"), ("--compile", "compile", "compile"),
    ("--memory-efficient", "memory_efficient", "memory_efficient"), ("--seed", "seed", "seed"),
    ("--deterministic", "deterministic", "deterministic"),
)
_NEW_RUN_DEFAULTS = {"recipe": "quick", "seed": 0, "channels_last": False, "compile": False,
                     "memory_efficient": False, "deterministic": False}


def _run_settings(args: argparse.Namespace, resumed: RunDir | None) -> dict[str, Any]:
    """The settings to train with: for a new run, the flags (with their defaults); for
    ``--resume``, the run's own (``resumed``, its ``RunDir``), refusing every flag that
    contradicts them (``RunDir.check_resume``, the check ``fit`` makes too)."""
    from .runs import resume_view

    given = {attr: getattr(args, attr) for _, attr, _ in _RUN_FLAGS}
    if resumed is None:
        if args.model is None or args.data is None:
            raise ValueError("--model and --data are needed to start a run (only --resume DIR takes them from its run)")
        return {**given, **{k: v for k, v in _NEW_RUN_DEFAULTS.items() if given[k] is None}}
    resumed.check_resume({key: given[attr] for _, attr, key in _RUN_FLAGS if given[attr] is not None},
                         flags={key: flag for flag, _, key in _RUN_FLAGS})
    recipe = resumed.recipe()
    recorded = resume_view(resumed.record())
    settings: dict[str, Any] = {}
    for _, attr, key in _RUN_FLAGS:
        if key in recorded:
            settings[attr] = recorded[key]
        else:  # a run.json from an older version: the flag, or its default
            settings[attr] = given[attr] if given[attr] is not None else _NEW_RUN_DEFAULTS.get(attr)
    settings["recipe"] = recipe
    return settings


def _resume_device(run: dict[str, Any], run_dir: str) -> str | None:
    """The device to continue a run on when --device is not given: the kind it trained on."""
    from .device import pick_device

    kind, best = run.get("device"), pick_device().type
    if kind is None or kind == best:
        return None  # the best device, with the local rank's GPU under torchrun
    if kind == "cpu":
        return "cpu"
    raise ValueError(f"{run_dir} trained on {kind}, which this machine does not have: pass --device {best} "
                     "to continue it here (it then differs from an uninterrupted run in the last bits)")


def _resume_command(out: str) -> str:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    start = f"torchrun --nproc_per_node {world} -m densenet_lab.cli" if world > 1 else "densenet-lab"
    return f"{start} train --resume {shlex.quote(str(out))}"


def cmd_train(args: argparse.Namespace) -> int:
    from . import runs
    from .device import pick_device

    if args.resume and args.out and Path(args.resume) != Path(args.out):
        raise ValueError("--resume DIR continues the run in DIR: do not also pass a different --out")
    out = args.resume or args.out
    if args.batch is not None:
        check_int("--batch", args.batch, maximum=65_536)
    if args.lr is not None:
        check_lr("--lr", args.lr)
    if args.epochs is not None:
        check_int("--epochs", args.epochs, maximum=100_000)
    device = args.device
    pick_device(device, name="--device")  # an unknown or absent device fails now
    run_dir = runs.RunDir(out) if out is not None else None
    run = None
    if args.resume:
        run_dir.check(resume=True)  # "nothing to resume" without a run.json
        run = run_dir.record(required=("model", "data"))
        runs.check_world_size(args.resume, run.get("world_size", 1), int(os.environ.get("WORLD_SIZE", "1")))
        if device is None:
            device = _resume_device(run, args.resume)
    settings = _run_settings(args, run_dir if args.resume else None)
    get_entry(settings["model"])  # an unknown name fails before any download
    if run_dir is not None:  # refuse to mix runs before any download or training
        run_dir.check(resume=bool(args.resume), force=args.force)
    main_process = int(os.environ.get("RANK", "0")) == 0  # under torchrun only rank 0 holds the folder
    with run_dir.lock() if run_dir is not None and main_process else nullcontext():  # a second writer is refused
        return _train(args, settings, run, run_dir, device, main_process)


def _train(args: argparse.Namespace, settings: dict[str, Any], run: dict[str, Any] | None, run_dir: RunDir | None,
           device: str | None, main_process: bool) -> int:
    from . import checkpoint, data, recipes, runs, train
    from .device import seed_everything

    out = args.resume or args.out
    recipe = settings["recipe"]
    recipe = recipe if isinstance(recipe, recipes.Recipe) else recipes.RECIPES[recipe]
    done = 0
    if run is not None and run_dir.checkpoint.exists():
        state = checkpoint.load_checkpoint(run_dir.checkpoint)  # a broken checkpoint fails now, clearly
        done = len(state.get("history") or [])
        if args.epochs is not None and args.epochs < done:
            raise ValueError(f"--epochs {args.epochs} is fewer than the {done} epochs {out} has already trained: "
                             f"pass --epochs {done + 1} or more to extend the run, or leave --epochs out")
        if done >= (args.epochs or recipe.epochs):
            print(f"{out} has trained all its {done} epochs: pass --epochs N (more than {done}) to extend the run")
            return 0
    dataset = data.load_data(settings["data"], image_size=settings["image_size"])
    if run is not None and dataset.info.fallback_for != run.get("fallback_for"):  # the data may not change mid-run
        title = data.INFO[settings["data"]].title
        raise runs.RunDirError(
            f"cannot resume {out}: it trained on the digits standing in for {title} (its download had failed), "
            f"and {title} itself loads now: start a new run on it" if run.get("fallback_for") else
            f"cannot resume {out} on the digits: {title} could not be loaded this time (see the warning above), "
            f"and the run trained on {title} itself: resume it when {title} loads"
        )
    seed_everything(settings["seed"], settings["deterministic"])  # the same seed, the same initial weights
    model = _model_for_data(settings["model"], dataset.info, settings["memory_efficient"])
    info = dataset.info
    record = {"model": settings["model"], "data": settings["data"], "image_size": info.image_size,
              "channels": info.channels, "num_classes": info.num_classes, "fallback_for": info.fallback_for,
              "memory_efficient": settings["memory_efficient"], "command": args.command_line}
    if main_process:
        what = "continuing" if run is not None else "training"
        print(f"{what} {settings['model']} ({analysis.count_parameters(model):,} parameters) on {info.title}, "
              f"recipe {recipe.name}", flush=True)
    bar_end = "" if args.quiet else "\n"  # the message on a line of its own, not after a progress bar
    try:
        history = train.fit(
            model, dataset, recipe, epochs=args.epochs, batch_size=settings["batch"], lr=settings["lr"],
            out_dir=run_dir, resume=run is not None, force=args.force, device=device, amp=settings["amp"],
            channels_last=settings["channels_last"], compile=settings["compile"], seed=settings["seed"],
            deterministic=settings["deterministic"], progress=not args.quiet, run=record,
        )
    except KeyboardInterrupt:
        if main_process:
            print(f"{bar_end}densenet-lab: interrupted: {_kept(out)}", file=sys.stderr, flush=True)
        return 130
    except checkpoint.SaveError as err:
        if main_process:
            print(f"{bar_end}densenet-lab: training stopped: {err}; {_kept(out, 'free some space, then ')}",
                  file=sys.stderr, flush=True)
        return 1
    last = history.last
    if main_process:
        print(f"done: test accuracy {last['test_acc']:.4f} after {last['epoch']} epochs"
              + (f"; checkpoint and history in {out}" if out else ""))
    return 0


def _kept(out: str | None, advice: str = "") -> str:
    """What a stopped run kept (the checkpoint on disk says), and how to continue it."""
    from . import checkpoint

    if out is None:
        return "nothing was kept (pass --out DIR to keep a checkpoint after every epoch)"
    try:
        epoch = checkpoint.load_checkpoint(out).get("epoch", 0) if (Path(out) / checkpoint.CHECKPOINT).exists() else 0
    except checkpoint.CheckpointError:
        epoch = 0
    if epoch == 0:
        return (f"no epoch had finished, so {out} holds no checkpoint yet; "
                f"{advice}start it again with: {_resume_command(out)}")
    return f"kept the checkpoint of epoch {epoch} in {out}; {advice}continue with: {_resume_command(out)}"


def cmd_evaluate(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from . import checkpoint, data, runs, train
    from .device import pick_device

    device = pick_device(args.device, name="--device")
    path = Path(args.run)
    run_dir = runs.RunDir(path if path.is_dir() else path.parent)
    state = checkpoint.load_checkpoint(path)
    run = run_dir.record(required=("model", "data"))
    trained = data.INFO.get(run["data"])
    classes = run.get("num_classes", trained.num_classes if trained else None)
    channels = run.get("channels", trained.channels if trained else None)
    name = args.data or ("digits" if run.get("fallback_for") else run["data"])  # what it trained on
    dataset = data.load_data(name, image_size=run.get("image_size"), channels=channels)
    if classes is not None and dataset.info.num_classes != classes:
        raise ValueError(
            f"--data {name} has {dataset.info.num_classes} classes, but the model in {run_dir.path} was trained on "
            f"{run['data']} with {classes}: evaluate it on a data set with {classes} classes"
        )
    model = _model_for_data(run["model"], replace(dataset.info, num_classes=classes or dataset.info.num_classes),
                            bool(run.get("memory_efficient", False)))
    checkpoint.load_model_state(model, state, path if path.is_file() else run_dir.checkpoint)
    batch = run_dir.recipe().batch_size if "recipe" in run else 256
    result = train.evaluate(model.to(device), dataset.test, dataset.info, device=device, batch_size=max(batch, 256),
                            amp=run.get("amp"), channels_last=bool(run.get("channels_last", False)))
    print(f"{run['model']} on {dataset.info.title} (epoch {state.get('epoch', len(state.get('history') or []))}): "
          f"test accuracy {result['acc']:.4f}, loss {result['loss']:.4f} on {result['count']} images")
    return 0


def _names(option: str, text: str, example: str) -> list[str]:
    """``"a,b"`` -> ``["a", "b"]``; an empty name (``""``, ``"a,,b"``) is refused."""
    names = [n.strip() for n in text.split(",")]
    if not all(names):
        raise ValueError(f"{option} must be comma-separated names, none empty (e.g. {example}), got {text!r}")
    return names


def cmd_bench(args: argparse.Namespace) -> int:
    from . import bench, results
    from .device import pick_device

    models = (_names("--models", args.models, "densenet_bc100_k12,densenet121") if args.models is not None
              else list(bench.WORKLOADS))
    modes = (_names("--modes", args.modes, "fp32,fp32+shared") if args.modes is not None
             else list(bench.QUICK_MODES if args.quick else bench.MODES))
    for option in ("warmup", "iters"):
        if getattr(args, option) is not None:
            check_int(f"--{option}", getattr(args, option))
    if args.batch is not None:
        check_int("--batch", args.batch, maximum=65_536)
    results.check_out(args.out)  # before any model runs
    if not args.quick and args.batch is None and pick_device(args.device).type != "cuda":
        print("note: the full-size benchmark is meant for a GPU (batch 256 of DenseNet-BC-100 needs ~8 GB "
              "and minutes per mode on a CPU); --quick checks the modes on a CPU, --batch N sets a smaller batch",
              file=sys.stderr)
    report = bench.run_bench(models, modes, quick=args.quick, sweep=args.sweep, device=args.device,
                             warmup=args.warmup, iters=args.iters, batch=args.batch, command=args.command_line)
    print(bench.summary(report))
    print(f"results written to {bench.save_report(report, args.out)}")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from . import data, results
    from .experiments import growth_rate_sweep

    try:
        growth_rates = [int(k) for k in args.growth_rates.split(",")]
    except ValueError:
        raise ValueError(f"--growth-rates must be comma-separated integers such as 4,8,12, got {args.growth_rates!r}") from None
    for k in growth_rates:
        check_int("--growth-rates", k, maximum=256)
    epochs = check_int("--epochs", args.epochs, maximum=100_000)
    results.check_out(args.out)  # before any download or training
    dataset = data.load_data(args.data, image_size=args.image_size)
    if args.limit is not None:  # a smaller training set, for a quick run
        dataset = data.limit(dataset, check_int("--limit", args.limit))
    sweep = growth_rate_sweep(dataset, growth_rates, epochs, seed=args.seed, command=args.command_line)
    out = sweep.save(args.out if args.out else results.results_path(f"sweep-{args.data}", sweep.environment))
    print(f"results written to {out}")
    return 0


RESULTS_HELP = (
    "Writes results/{kind}-<device>-<date>.json under the current folder; a later run the same day "
    "writes ...-2.json, -3.json: a result is never overwritten. results/ is in .gitignore: commit a "
    "result on purpose, with git add -f results/FILE."
)


def cmd_assignments(args: argparse.Namespace) -> int:
    try:
        import nbformat
        import nbgrader  # noqa: F401  (the release uses its preprocessors)

        from . import assignments
    except ImportError as err:
        raise ValueError(f"assignments needs the instructor extra ({err.name} is missing): "
                         'pip install "densenet-lab[instructor]"') from None
    source = Path(args.source) if args.source else assignments.default_source()
    if args.action == "release":
        chapters = assignments.parse_chapters(args.chapters, assignments.chapter_notebooks(source, args.lang))
        for path in assignments.release(source, args.lang, chapters, Path(args.out), force=args.force):
            graded = assignments.grade_cells(nbformat.read(path, as_version=4))
            points = sum(c.metadata["nbgrader"].get("points", 0) for c in graded)
            print(f"wrote {path}: {len(graded)} graded cells, {points:g} points")
        return 0
    assignments.grade(Path(args.folder), Path(args.out), timeout=args.timeout, lang=args.lang, source=source,
                      force=args.force)
    return 0


def _add_list(sub) -> None:
    """``densenet-lab list``: the registered models."""
    p = sub.add_parser("list", help="list the registered models with the paper's figures")
    p.add_argument("--family", choices=FAMILIES, help="only this family")
    p.set_defaults(func=cmd_list)


def _add_info(sub) -> None:
    """``densenet-lab info``: a model's architecture table."""
    p = sub.add_parser("info", help="print a model's architecture table (channels, parameters, FLOPs, memory)")
    p.add_argument("model", help="a model name from 'densenet-lab list'")
    p.add_argument("--input-size", type=int, metavar="N", help="image height = width (default: the model's own)")
    p.add_argument("--batch", type=int, default=1, metavar="B", help="batch size for FLOPs and memory (default 1)")
    p.add_argument("--num-classes", type=int, metavar="C", help="classifier outputs (default: the model's own)")
    p.add_argument("--image-channels", "--in-channels", type=int, metavar="C", dest="image_channels",
                   help="channels of the input images (default: the model's own)")
    p.add_argument("--memory-efficient", action="store_true", help="the checkpointed variant")
    p.set_defaults(func=cmd_info)


def _add_train(sub) -> None:
    """``densenet-lab train``: training, resuming a run."""
    from .data import DATASETS
    from .train import RECIPES

    p = sub.add_parser(
        "train",
        help="train a model on a data set (runs offline on scikit-learn's digits)",
        description="Train a registered model. Example: densenet-lab train --model densenet_bc40_k12 "
        "--data digits --recipe cpu --out runs/digits; continue it to 12 epochs: densenet-lab train "
        "--resume runs/digits --epochs 12. Ctrl-C keeps the checkpoint of the last finished epoch. "
        "Several GPUs or machines: torchrun --nproc_per_node 4 -m densenet_lab.cli train ...",
    )
    p.add_argument("--model", help="a model name from 'densenet-lab list' (with --resume: the run's)")
    p.add_argument("--data", choices=DATASETS, help="data set (digits needs no download; with --resume: the run's)")
    p.add_argument("--recipe", choices=tuple(RECIPES),
                   help="textbook: d2l's SGD, 10 epochs; paper: 300 epochs, Nesterov, steps at 50%%/75%%; "
                   "quick: seconds; cpu: a small real run (default: quick)")
    p.add_argument("--epochs", type=int, metavar="N",
                   help="override the recipe's epochs. With --resume: train the run to N epochs in all (not fewer "
                   "than it has done); the learning-rate schedule is then recomputed over N epochs from the step "
                   "reached, so after an extension a cosine schedule rises again and anneals to 0 at epoch N")
    p.add_argument("--batch", type=int, help="override the recipe's batch size")
    p.add_argument("--lr", type=float, help="override the recipe's learning rate")
    p.add_argument("--image-size", type=int, help="resize images to N x N (default: the data set's)")
    p.add_argument("--amp", choices=("bf16", "fp16"), help="mixed precision")
    p.add_argument("--channels-last", action="store_true", default=None,
                   help="channels_last memory format (faster on GPUs)")
    p.add_argument("--compile", action="store_true", default=None, help="torch.compile the model")
    p.add_argument("--memory-efficient", action="store_true", default=None,
                   help="checkpoint the concatenations (less memory)")
    p.add_argument("--device", help="cuda, cuda:N, mps or cpu (default: the best available; with --resume: "
                   "the kind the run trained on)")
    p.add_argument("--seed", type=int, help="random seed for the weights, data order and dropout (default 0)")
    p.add_argument("--deterministic", action="store_true", default=None,
                   help="deterministic kernels (with --seed: bitwise repeatable on a CPU)")
    p.add_argument("--out", help="folder for checkpoint.pt, history.json/.csv and run.json (every setting)")
    p.add_argument("--resume", metavar="DIR",
                   help="continue the run saved in DIR with its own settings (model, data, recipe, epochs, batch, "
                   "lr, image size, amp, seed...): a flag that contradicts them is refused, except --epochs")
    p.add_argument("--force", action="store_true", help="overwrite the run already in --out")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_train)


def _add_bench(sub) -> None:
    """``densenet-lab bench``: throughput and memory per mode."""
    p = sub.add_parser(
        "bench",
        help="measure training/inference throughput and peak memory per mode (GPU figures for the book)",
        description="Benchmark d2l_densenet (96x96), densenet_bc100_k12 (32x32) and densenet121 (224x224) "
        "in fp32, bf16, channels_last, torch.compile and memory-efficient modes, beside torchvision's "
        "densenet121, on synthetic batches. " + RESULTS_HELP.format(kind="bench"),
    )
    p.add_argument("--models", help="comma-separated subset of d2l_densenet,densenet_bc100_k12,densenet121")
    p.add_argument("--modes", help="comma-separated modes (default: all; with --quick: fp32,bf16,fp32+shared,fp32+mem,tv:fp32)")
    p.add_argument("--quick", action="store_true", help="tiny batches and few steps: a CPU check, not a measurement")
    p.add_argument("--sweep", action="store_true", help="also find the largest training batch that fits (GPU)")
    p.add_argument("--warmup", type=int, help="untimed steps first, at least 1 (default 5; 1 with --quick)")
    p.add_argument("--iters", type=int, help="timed steps, at least 1 (default 20; 2 with --quick)")
    p.add_argument("--batch", type=int, metavar="N",
                   help="batch size for every model (default: 256, 256, 64; 2, 4, 2 with --quick)")
    p.add_argument("--device", help="cuda, mps or cpu (default: the best available)")
    p.add_argument("--out", help="new JSON file to write, in an existing folder; an existing file is refused "
                   "(default: results/bench-<device>-<date>.json)")
    p.set_defaults(func=cmd_bench)


def _add_sweep(sub) -> None:
    """``densenet-lab sweep``: accuracy against growth rate."""
    from .data import DATASETS

    p = sub.add_parser(
        "sweep",
        help="accuracy, time and parameters against growth rate (chapter 5's explorer shows the file)",
        description="Train a small DenseNet-BC (two blocks of three bottleneck layers) once per growth rate "
        "and record accuracy, time and parameters with the device, versions, date and command. "
        "Example on a GPU: densenet-lab sweep --data cifar10 --growth-rates 4,8,12,24,32 --epochs 15. "
        + RESULTS_HELP.format(kind="sweep-<data>"),
    )
    p.add_argument("--data", required=True, choices=DATASETS, help="data set (digits needs no download)")
    p.add_argument("--growth-rates", default="4,8,12,24", help="comma-separated growth rates (default 4,8,12,24)")
    p.add_argument("--epochs", type=int, default=5, help="epochs per run, quick recipe (default 5)")
    p.add_argument("--image-size", type=int, help="resize images to N x N (default: the data set's)")
    p.add_argument("--limit", type=int, help="train on the first N training images only")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--out", help="new JSON file to write, in an existing folder; an existing file is refused "
                   "(default: results/sweep-<data>-<device>-<date>.json)")
    p.set_defaults(func=cmd_sweep)


def _add_evaluate(sub) -> None:
    """``densenet-lab evaluate``: a trained run's accuracy."""
    from .data import DATASETS

    p = sub.add_parser("evaluate", help="test accuracy of a trained run")
    p.add_argument("run", help="a run folder (or its checkpoint.pt) written by 'densenet-lab train --out'")
    p.add_argument("--data", choices=DATASETS, help="evaluate on another data set (default: the run's)")
    p.add_argument("--device", help="cuda, mps or cpu (default: the best available)")
    p.set_defaults(func=cmd_evaluate)


def _add_assignments(sub) -> None:
    """``densenet-lab assignments``: release and grade the exercises."""
    p = sub.add_parser("assignments", help="student versions of the exercises, and grading (instructor extra)",
                       description="For instructors: book/en/instructors.md explains the whole route.")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = actions.add_parser("release", help="write student notebooks: solutions and hidden tests removed")
    a.add_argument("--chapters", required=True, help="comma-separated chapter numbers, e.g. 3,4")
    a.add_argument("--out", required=True, help="a new (or empty) folder for the student notebooks")
    b = actions.add_parser("grade", help="execute and score a folder of submissions, one CSV row per exercise",
                           description="FOLDER/<student>/<notebook>.ipynb or FOLDER/<student>__<notebook>.ipynb")
    b.add_argument("folder", help="one folder (or file prefix <student>__) per student")
    b.add_argument("--out", required=True, help="the CSV file to write, e.g. grades.csv")
    b.add_argument("--timeout", type=float, default=300, help="seconds per notebook (default 300)")
    for action in (a, b):
        action.add_argument("--lang", default="en", help="the book's language folder (default en)")
        action.add_argument("--source", help="the book/ folder of a clone (default: the one beside the package)")
        action.add_argument("--force", action="store_true", help="replace what --out already holds")
        action.set_defaults(func=cmd_assignments)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="densenet-lab",
        description="DenseNet models, measurements and training from the densenet-lab course.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    _add_list(sub)
    _add_info(sub)
    _add_train(sub)
    _add_bench(sub)
    _add_sweep(sub)
    _add_evaluate(sub)
    _add_assignments(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    args.command_line = " ".join(["densenet-lab", *argv])  # recorded beside results and runs
    try:
        use_default_threads()  # the cores minus one, or DENSENET_LAB_THREADS (see densenet_lab.threads)
        return args.func(args)
    except ValueError as err:  # bad input: a message and exit code 2, not a traceback
        parser.exit(2, f"{parser.prog}: error: {err}\n")
    except KeyboardInterrupt:  # Ctrl-C: one line, and the shell's code for it
        parser.exit(130, f"{parser.prog}: interrupted\n")
    except (RuntimeError, OSError) as err:
        from .checkpoint import SaveError
        from .train import TrainingDiverged

        if isinstance(err, (TrainingDiverged, SaveError)):
            parser.exit(1, f"{parser.prog}: training stopped: {err}\n")
        raise


if __name__ == "__main__":
    sys.exit(main())
