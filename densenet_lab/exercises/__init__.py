"""Checks for the exercises at the end of each chapter, one module per chapter.

An exercise in a notebook is two cells, in nbgrader's format: a *solution* cell the student
edits (the reference answer between ``### BEGIN SOLUTION`` and ``### END SOLUTION``, which a
released notebook replaces with a placeholder) and a read-only *grade* cell that calls a
check from here, with its points in the cell's nbgrader metadata. A check runs the answer
and prints ``Correct: ...`` or raises ``ExerciseError`` saying what was expected, what came
out, and a hint (``core``'s docstring has the details). ``densenet-lab assignments`` releases
and grades the notebooks; nbgrader itself works on them too.
"""

from .core import ExerciseError, NotAnswered, correct, fail
from .ch3 import (check_block_channels, check_connections, check_dense_block,
                  check_plain_block_parameters)
from .ch4 import (check_any_size_head, check_imagenet_densenet, check_textbook_network,
                  check_transition, check_transition_channels)

__all__ = ["ExerciseError", "NotAnswered", "correct", "fail", "check_block_channels",
           "check_connections", "check_dense_block", "check_plain_block_parameters",
           "check_any_size_head", "check_imagenet_densenet", "check_textbook_network",
           "check_transition", "check_transition_channels"]
