"""Chapter 5's explorer: accuracy, time and parameters against growth rate, from real runs.

The points come from a ``Sweep`` (``densenet_lab.experiments``) that the notebook ran in
its profile or loaded from a results file; live, a button trains one more growth rate
in the background and adds its point (the button is off while a run goes; Stop ends it).
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

from ..experiments import Sweep, train_point
from .core import Control, Explorer, Figure, Frame, LiveView, Trace

METRICS = {"test_acc": "test accuracy", "seconds": "training time (s)", "params": "parameters"}


class Stopped(Exception):
    """Raised inside training when the reader presses Stop."""


class AccuracyExplorer(Explorer):
    """Accuracy (or time, or parameters) against growth rate.

    Args:
        sweep: the measured points and their provenance.
        dataset: the data the sweep trained on; with it the live explorer can train more points.
    """

    title = "Accuracy against growth rate, from real training runs"
    controls = (Control("metric", "show", tuple(METRICS), "test_acc", names=tuple(METRICS.values())),)
    live_note = ("Run this page in Colab, Binder or with Live Code (rocket icon above) to train more growth "
                 "rates from the explorer and add their points.")

    def __init__(self, sweep: Sweep, dataset=None, **defaults: Any) -> None:
        super().__init__(**defaults)
        if not isinstance(sweep, Sweep):
            raise ValueError(f"sweep must be a densenet_lab.experiments.Sweep, got {type(sweep).__name__}")
        self.sweep, self.dataset = sweep, dataset
        self.labels = {**METRICS, "test_acc": f"{sweep.held_out} accuracy"}  # a sweep may select on validation
        self.controls = tuple(replace(c, names=tuple(self.labels.values())) if c.name == "metric" else c
                              for c in self.controls)
        env = sweep.environment
        split = ", accuracy on a validation split of the training images" if sweep.held_out == "validation" else ""
        self.note = (f"{sweep.data}{split}, {sweep.epochs} epochs per run (batch {sweep.batch_size}, lr {sweep.lr}), "
                     f"blocks {sweep.block_config}; "
                     f"{env.get('device', 'unknown device')}, torch {env.get('torch', '?')}, {env.get('date', '?')[:10]}")

    def compute(self, metric: str) -> Frame:
        points = sorted(self.sweep.points, key=lambda p: p["growth_rate"])
        runs = [p for p in points if not p.get("added")]
        added = [p for p in points if p.get("added")]
        traces = [Trace("sweep", [p["growth_rate"] for p in runs], [p[metric] for p in runs], kind="lines+markers")]
        if added:
            traces.append(Trace("trained here", [p["growth_rate"] for p in added], [p[metric] for p in added],
                                kind="markers", color="#d62728"))
        label = self.labels[metric]
        frame = Frame([Figure(traces, title=f"{label} against growth rate k", xlabel="growth rate k", ylabel=label)])
        for p in points:
            frame.add(f"k={p['growth_rate']}" + (" (trained here)" if p.get("added") else ""), p[metric],
                      f"acc {p['test_acc']:.3f}, {p['seconds']:.1f} s, {p['params']:,} params")
        return frame

    def live_extras(self, view: LiveView) -> list:
        if self.dataset is None:
            return []
        view.trainer = Trainer(self, view)
        return [view.trainer.box]


class Trainer:
    """The live 'train one more point' row: growth rate, Train, Stop, a progress bar."""

    def __init__(self, explorer: AccuracyExplorer, view: LiveView) -> None:
        import ipywidgets as w

        self.explorer, self.view = explorer, view
        self.growth_rate = w.IntSlider(value=16, min=1, max=64, description="train k", style={"description_width": "initial"})
        self.train_button = w.Button(description="Train and add the point", button_style="primary", icon="play",
                                     layout=w.Layout(width="auto"))
        self.stop_button = w.Button(description="Stop", icon="stop", disabled=True)
        self.progress = w.IntProgress(value=0, min=0, max=1, layout=w.Layout(width="220px"))
        self.status = w.HTML()
        self.train_button.on_click(lambda _: self.start(self.growth_rate.value))
        self.stop_button.on_click(lambda _: self.stop())
        self.thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.box = w.VBox([w.HBox([self.growth_rate, self.train_button, self.stop_button, self.progress]), self.status])

    def start(self, growth_rate: int) -> None:
        """Train ``growth_rate`` in a background thread (the kernel stays responsive)."""
        if self.thread is not None and self.thread.is_alive():
            return
        self._stop.clear()
        self.train_button.disabled, self.stop_button.disabled, self.growth_rate.disabled = True, False, True
        self.status.value = f"training k={growth_rate} ..."
        self.thread = threading.Thread(target=self._run, args=(growth_rate,), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _step(self, done: int, total: int) -> None:
        if self._stop.is_set():
            raise Stopped
        self.progress.max, self.progress.value = total, done

    def _run(self, growth_rate: int) -> None:
        sweep = self.explorer.sweep
        try:
            point = train_point(growth_rate, self.explorer.dataset, sweep, on_step=self._step)
        except Stopped:
            self.status.value = f"stopped: k={growth_rate} was not added"
        except Exception as error:  # shown, not lost in a thread
            self.status.value = f"<span style='color:#a94400'>training failed: {type(error).__name__}: {error}</span>"
        else:
            sweep.points.append({**point, "added": True})
            self.status.value = f"k={growth_rate}: test accuracy {point['test_acc']:.3f} in {point['seconds']:.1f} s (added)"
            self.view.render()
        finally:
            self.train_button.disabled, self.stop_button.disabled, self.growth_rate.disabled = False, True, False
