"""Chapter 5's explorer: accuracy, time and parameters against growth rate, from real runs.

The points come from a ``Sweep`` (``densenet_lab.experiments``) that the notebook ran in
its profile or loaded from a results file; live, a button trains one more growth rate
and adds its point (the button is off while a run goes; Stop ends it). The run is a task
on the kernel's event loop, not a thread (``Trainer``).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from ..experiments import Sweep, train_point_steps
from .core import Control, Explorer, Figure, Frame, LiveView, Trace

METRICS = {"test_acc": "test accuracy", "seconds": "training time (s)", "params": "parameters"}


class AccuracyExplorer(Explorer):
    """Accuracy (or time, or parameters) against growth rate.

    Args:
        sweep: the measured points and their provenance.
        dataset: the data the sweep trained on; with it the live explorer can train more points.
        controls, defaults: as for ``Explorer`` (e.g. ``metric="seconds"``).
    """

    key = "accuracy"  # links: #accuracy:metric=seconds
    title = "Accuracy against growth rate, from real training runs"
    controls = (Control("metric", "show", tuple(METRICS), "test_acc", names=tuple(METRICS.values())),)
    live_note = ("Run this page in Colab, Binder or with Live Code (rocket icon above) to train more growth "
                 "rates from the explorer and add their points.")

    def __init__(self, sweep: Sweep, dataset=None, **defaults: Any) -> None:
        super().__init__(**defaults)
        if not isinstance(sweep, Sweep):
            raise ValueError(f"sweep must be a densenet_lab.experiments.Sweep, got {type(sweep).__name__}")
        self.sweep, self.dataset = sweep, dataset
        # English labels (a sweep may select on validation); ``self.t`` shows them in the reader's language
        self.labels = {**METRICS, "test_acc": f"{sweep.held_out} accuracy"}
        self.controls = tuple(replace(c, names=tuple(map(self.t, self.labels.values()))) if c.name == "metric" else c
                              for c in self.controls)
        env = sweep.environment
        split = ", accuracy on a validation split of the training images" if sweep.held_out == "validation" else ""
        self.note = self.t("{data}" + split + ", {epochs} epochs per run (batch {batch}, lr {lr}), blocks {blocks}; "
                           "{device}, torch {torch}, {date}", data=sweep.data, epochs=sweep.epochs, batch=sweep.batch_size,
                           lr=sweep.lr, blocks=sweep.block_config, device=env.get("device") or self.t("unknown device"),
                           torch=env.get("torch", "?"), date=env.get("date", "?")[:10])

    def compute(self, metric: str) -> Frame:
        points = sorted(self.sweep.points, key=lambda p: p["growth_rate"])
        runs = [p for p in points if not p.get("added")]
        added = [p for p in points if p.get("added")]
        text = self.figure_text
        traces = [Trace(text("sweep"), [p["growth_rate"] for p in runs], [p[metric] for p in runs], kind="lines+markers")]
        if added:
            traces.append(Trace(text("trained here"), [p["growth_rate"] for p in added], [p[metric] for p in added],
                                kind="markers", color="#d62728"))
        label = text(self.labels[metric])
        frame = self.new_frame([Figure(traces, title=text("{label} against growth rate k", label=label),
                                       xlabel=text("growth rate k"), ylabel=label)])
        for p in points:
            shown = self.t("acc {acc}, {seconds} s, {params} params", acc=f"{p['test_acc']:.3f}",
                           seconds=f"{p['seconds']:.1f}", params=f"{p['params']:,}")
            if p.get("added"):
                frame.add("k={k} (trained here)", p[metric], shown, k=p["growth_rate"])
            else:
                frame.add("k={k}", p[metric], shown, k=p["growth_rate"])
        return frame

    def live_extras(self, view: LiveView) -> list:
        if self.dataset is None:
            return []
        view.trainer = Trainer(self, view)
        return [view.trainer.box]


class Trainer:
    """The live 'train one more point' row: growth rate, Train, Stop, a progress bar.

    Train starts the run as a task on the kernel's own asyncio event loop (ipywidgets'
    "asynchronous widgets" pattern), never in a thread: the run takes one optimiser step,
    updates the progress bar, and gives the loop back (``await asyncio.sleep(0)``), so the
    kernel handles a click on Stop, a slider or a new cell between two steps, and every
    widget update comes from the kernel's thread (on Colab a widget updated from another
    thread does not refresh). A cell the reader runs meanwhile does not change the run, nor
    the run the cell: it draws only from its own random generators
    (``experiments.train_point_steps``).
    """

    def __init__(self, explorer: AccuracyExplorer, view: LiveView) -> None:
        import ipywidgets as w

        self.explorer, self.view = explorer, view
        text = explorer.t  # the explorer's language
        self.growth_rate = w.IntSlider(value=16, min=1, max=64, description=text("train k"),
                                       style={"description_width": "initial"})
        self.train_button = w.Button(description=text("Train and add the point"), button_style="primary", icon="play",
                                     layout=w.Layout(width="auto"))
        self.stop_button = w.Button(description=text("Stop"), icon="stop", disabled=True)
        self.progress = w.IntProgress(value=0, min=0, max=1, layout=w.Layout(width="220px"))
        self.status = w.HTML()
        self.train_button.on_click(lambda _: self.start(self.growth_rate.value))
        self.stop_button.on_click(lambda _: self.stop())
        self.task: asyncio.Task | None = None
        self._stop_asked = False
        self.box = w.VBox([w.HBox([self.growth_rate, self.train_button, self.stop_button, self.progress]), self.status])

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def start(self, growth_rate: int) -> None:
        """Train ``growth_rate`` as a task on the running event loop (the kernel's); with no
        loop running (a plain script), train to the end before returning."""
        if self.running:
            return
        self._stop_asked = False
        self._set_running(True, self.explorer.t("training k={k} ...", k=growth_rate))
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop: nothing else can happen meanwhile anyway
            asyncio.run(self.train(growth_rate))
        else:
            self.task = loop.create_task(self.train(growth_rate))

    def stop(self) -> None:
        """End the run after the step it is taking; its point is not added."""
        self._stop_asked = True

    async def train(self, growth_rate: int) -> None:
        """Run ``train_point_steps``, yielding to the loop after every step; show the outcome."""
        sweep, text = self.explorer.sweep, self.explorer.t
        try:
            steps = train_point_steps(growth_rate, self.explorer.dataset, sweep)
            point = await self._drive(steps)
        except Exception as error:  # shown in the explorer, not lost in a task
            failed = text("training failed: {error}", error=f"{type(error).__name__}: {error}")
            self.status.value = f"<span style='color:#a94400'>{failed}</span>"
        else:
            if point is None:
                self.status.value = text("stopped: k={k} was not added", k=growth_rate)
            else:
                sweep.points.append({**point, "added": True})
                self.status.value = text("k={k}: " + sweep.held_out + " accuracy {acc} in {seconds} s (added)",
                                         k=growth_rate, acc=f"{point['test_acc']:.3f}", seconds=f"{point['seconds']:.1f}")
                self.view.render()
        finally:
            self._set_running(False)

    async def _drive(self, steps) -> dict[str, Any] | None:
        """Step ``steps`` to its end (its point) or until Stop (``None``), moving the bar in
        about a hundred updates and giving the event loop a turn after every step."""
        shown = 0
        while True:
            if self._stop_asked:
                steps.close()
                return None
            try:
                done, total = next(steps)
            except StopIteration as finished:
                return finished.value
            if done == total or done - shown >= max(1, total // 100):
                self.progress.max, self.progress.value, shown = total, done, done
            await asyncio.sleep(0)

    def _set_running(self, running: bool, status: str | None = None) -> None:
        self.train_button.disabled, self.stop_button.disabled, self.growth_rate.disabled = running, not running, running
        if running:
            self.progress.value = 0
        if status is not None:
            self.status.value = status
