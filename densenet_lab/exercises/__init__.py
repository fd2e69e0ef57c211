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
from .ch0 import check_classifier_share, check_largest_under, check_parameter_counts
from .ch1 import check_dense_mlp, check_readout_matrix, check_terms_needed
from .ch2 import (check_first_depth_below, check_plain_tanh, check_projection_block,
                  check_small_residual)
from .ch3 import check_block_channels, check_connections, check_parameters
from .ch4 import check_model_output

__all__ = ["ExerciseError", "NotAnswered", "correct", "fail", "check_block_channels",
           "check_connections", "check_parameters", "check_model_output",
           "check_parameter_counts", "check_largest_under", "check_classifier_share",
           "check_terms_needed", "check_readout_matrix", "check_dense_mlp",
           "check_first_depth_below", "check_projection_block", "check_plain_tanh",
           "check_small_residual"]
