"""Interactive explorers for the book: live ipywidgets in Jupyter and Colab, a static
plotly version with every control working in the rendered book (see ``core``).

    from densenet_lab.widgets import BlockExplorer
    BlockExplorer()          # the last line of a cell: shows the explorer
"""

from .accuracy import AccuracyExplorer
from .architecture import ArchitectureExplorer
from .block import BlockExplorer
from .core import Control, Explorer, Frame
from .figure import Figure, Trace
from .taylor import TaylorExplorer

__all__ = ["AccuracyExplorer", "ArchitectureExplorer", "BlockExplorer", "Control", "Explorer", "Figure", "Frame", "TaylorExplorer", "Trace"]
