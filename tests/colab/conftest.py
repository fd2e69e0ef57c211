"""tests/colab/ runs only in Colab's stack (``tools/test_colab.sh`` sets DENSENET_LAB_COLAB_STACK=1).

The main virtual environment has ipywidgets 8 and another torch: these tests would test the
wrong stack there, so its ``pytest`` leaves them out."""

import os

COLAB_STACK = os.environ.get("DENSENET_LAB_COLAB_STACK") == "1"

collect_ignore_glob = [] if COLAB_STACK else ["*.py"]
