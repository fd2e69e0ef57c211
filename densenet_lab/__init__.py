"""densenet_lab: the package behind the DenseNet course.

Models faithful to the paper (``densenet_lab.models``), closed-form and measured
analysis (``densenet_lab.analysis``) and the ``densenet-lab`` command (``densenet_lab.cli``).
"""

from .models import DenseNet, DenseNetConfig, create_model, list_models

__version__ = "0.1.0"
__all__ = ["DenseNet", "DenseNetConfig", "__version__", "create_model", "list_models"]
