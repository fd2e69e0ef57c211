"""Checks for the exercises at the end of each chapter, one module per chapter.

An exercise in a notebook is two cells, in nbgrader's format: a *solution* cell the student
edits (the reference answer between ``### BEGIN SOLUTION`` and ``### END SOLUTION``, which a
released notebook replaces with a placeholder) and a read-only *grade* cell that calls a
check from here, with its points in the cell's nbgrader metadata. A check runs the answer
and prints ``Correct: ...`` or raises ``ExerciseError`` saying what was expected, what came
out, and a hint (``core``'s docstring has the details), in the reader's language (English,
Korean or Chinese, as ``setup(lang=...)`` set it; the texts are in ``messages``). ``densenet-lab assignments`` releases
and grades the notebooks; nbgrader itself works on them too.
"""

from .ch0 import check_classifier_share, check_largest_under, check_parameter_counts
from .ch1 import check_keep_and_reduce, check_readout_matrix, check_terms_needed
from .ch2 import check_first_depth_below, check_plain_tanh, check_projection_block, check_small_residual
from .ch3 import check_block_channels, check_connections, check_dense_block, check_plain_block_parameters
from .ch4 import (
                  check_any_size_head,
                  check_imagenet_densenet,
                  check_textbook_network,
                  check_transition,
                  check_transition_channels,
)
from .ch5 import check_best_epoch, check_best_growth_rate, check_dense_mlp, check_diabetes_training, check_train_step
from .ch6 import check_largest_batch, check_saved_channels
from .ch7 import check_images_per_process, check_scaled_lr
from .core import ExerciseError, NotAnswered, correct, fail

__all__ = ["ExerciseError", "NotAnswered", "correct", "fail",
           "check_parameter_counts", "check_largest_under", "check_classifier_share",
           "check_terms_needed", "check_readout_matrix", "check_keep_and_reduce",
           "check_first_depth_below", "check_projection_block", "check_plain_tanh",
           "check_small_residual",
           "check_block_channels", "check_connections", "check_dense_block",
           "check_plain_block_parameters",
           "check_any_size_head", "check_imagenet_densenet", "check_textbook_network",
           "check_transition", "check_transition_channels",
           "check_best_epoch", "check_best_growth_rate", "check_dense_mlp",
           "check_diabetes_training", "check_train_step",
           "check_largest_batch", "check_saved_channels",
           "check_images_per_process", "check_scaled_lr"]
