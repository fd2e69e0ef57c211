"""What a run shows while it trains: a progress bar per epoch, a line per epoch, live curves.

The bar is tqdm's: a widget in a notebook, text in a terminal. A widget's saved output keeps
the text of its *first* state ("0%"), and that text is what a static page (the built book)
shows; the notebook bar here replaces itself with its final line when it closes.
"""

from __future__ import annotations

from typing import Any

from .i18n import figure_text


def epoch_bar(total: int, desc: str, enabled: bool):
    """A tqdm bar for one epoch of ``total`` steps; a bar that shows nothing when not ``enabled``."""
    if not enabled:
        from tqdm import tqdm

        return tqdm(total=total, disable=True)
    from tqdm.auto import tqdm
    from tqdm.notebook import tqdm_notebook

    if issubclass(tqdm, tqdm_notebook):  # tqdm.auto chose the widget: we are in a notebook
        return _notebook_bar(tqdm_notebook, total, desc)
    return tqdm(total=total, desc=desc, leave=False)


def _notebook_bar(base: type, total: int, desc: str):
    """A notebook bar whose saved output ends as the finished bar's text: it is displayed
    with a display id and, when closed, replaced by its final line."""
    from IPython.display import Pretty, display

    class NotebookBar(base):
        def __init__(self) -> None:
            super().__init__(total=total, desc=desc, display=False)
            self.handle = display(self.container, display_id=True)

        def close(self) -> None:
            if self.disable:
                return
            final = self.format_meter(**self.format_dict)
            super().close()
            self.handle.update(Pretty(final))

    return NotebookBar()


def print_epoch(e: dict[str, Any]) -> None:
    """One line for a finished epoch (an entry of ``History.epochs``)."""
    print(f"epoch {e['epoch']}: loss {e['train_loss']:.4f}, train acc {e['train_acc']:.3f}, "
          f"test acc {e['test_acc']:.3f}, {e['examples_per_s']:.0f} examples/s", flush=True)


class LivePlot:
    """Loss and accuracy curves, redrawn in place in a notebook after every epoch; their labels
    in ``lang`` (``None``: the reader's language; English when no CJK font is installed)."""

    def __init__(self, lang: str | None = None) -> None:
        import matplotlib.pyplot as plt
        from IPython.display import display

        self.lang = lang
        self.fig, self.axes = plt.subplots(1, 2, figsize=(9, 3.2))
        plt.close(self.fig)
        self.handle = display(self.fig, display_id=True)

    def update(self, history) -> None:
        """Redraw from a ``History``."""
        epochs = history.column("epoch")
        loss_ax, acc_ax = self.axes
        loss_ax.clear()
        acc_ax.clear()
        for ax, column, label in ((loss_ax, "train_loss", "train loss"), (loss_ax, "test_loss", "test loss"),
                                  (acc_ax, "train_acc", "train accuracy"), (acc_ax, "test_acc", "test accuracy")):
            ax.plot(epochs, history.column(column), label=figure_text(label, self.lang))
        for ax in self.axes:
            ax.set_xlabel(figure_text("epoch", self.lang))
            ax.legend()
        self.handle.update(self.fig)
