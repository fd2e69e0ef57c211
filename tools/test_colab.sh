#!/usr/bin/env bash
# The explorers on Colab's stack (issue 15): Python 3.13, torch 2.11, ipywidgets 7.7.1 and the
# classic Notebook 6.5, as pinned in tests/colab/requirements.txt.
#
# Makes .venv-colab (reused when it exists: pip then has nothing to do), installs the pins and
# the test tools, then this package as a notebook's install cell does on Colab (no extras), checks
# that the install left Colab's versions alone, and runs in that environment: tests/colab/ (the
# pins, and the live explorers driven in headless Chromium through `jupyter notebook`),
# tests/test_widgets.py, and the chapters with explorers under nbval in the ci profile; then the
# quick tests of the models and training, on Colab's torch, the oldest the package claims.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-colab
PINS=tests/colab/requirements.txt

# Python 3.13 (Colab's) when this machine has it: on PATH, else from pyenv; python3 otherwise.
pick_python() {
  if python3.13 -c "" 2>/dev/null; then
    echo python3.13
    return
  fi
  local candidate
  for candidate in "$(pyenv root 2>/dev/null || echo /nonexistent)"/versions/3.13*/bin/python3.13; do
    if [ -x "$candidate" ]; then
      echo "$candidate"
      return
    fi
  done
  echo python3
}

if [ ! -x "$VENV/bin/python" ]; then
  python=$(pick_python)
  echo "test_colab: creating $VENV with $python ($("$python" --version 2>&1))"
  "$python" -m venv "$VENV"
else
  echo "test_colab: reusing $VENV ($("$VENV/bin/python" --version 2>&1))"
fi

# The pins and the test tools in one resolve, so no test tool can move a pin.
"$VENV/bin/pip" install -q -r "$PINS" -r tests/colab/requirements-test.txt
# What the install cell does: the package with its plain dependencies, no extras.
"$VENV/bin/pip" install -q -e .

# The install must not have replaced Colab's torch (or ipywidgets, numpy, ...).
"$VENV/bin/python" - "$PINS" <<'EOF'
import sys
from importlib.metadata import version

pins = [line.split("#")[0].strip() for line in open(sys.argv[1])]
wrong = [f"{name}: pinned {want}, installed {version(name)}"
         for name, want in (p.split("==") for p in pins if p) if version(name) != want]
if wrong:
    sys.exit("test_colab: installing densenet-lab changed Colab's stack:\n  " + "\n  ".join(wrong))
print("test_colab: Colab's pins are installed:", ", ".join(p for p in pins if p))
EOF

# PYTHONPATH unset: the package and every tool come from .venv-colab alone.
env -u PYTHONPATH DENSENET_LAB_COLAB_STACK=1 DENSENET_LAB_PROFILE=ci \
  "$VENV/bin/python" -m pytest -n 2 -p no:cacheprovider --nbval-current-env \
  tests/colab tests/test_widgets.py \
  book/en/01_taylor_to_dense.ipynb book/en/03_dense_blocks.ipynb book/en/04_whole_network.ipynb \
  book/en/05_training.ipynb book/en/06_memory_and_speed.ipynb

# Colab's torch is the oldest the package claims (pyproject: torch>=2.11): the tests of the
# models, memory-efficient mode, training and analysis (the quick ones) run on it too.
env -u PYTHONPATH DENSENET_LAB_PROFILE=ci "$VENV/bin/python" -m pytest -n 2 -p no:cacheprovider -m "not slow" \
  tests/test_models.py tests/test_memory_efficient.py tests/test_shared_buffer.py tests/test_train.py \
  tests/test_training.py tests/test_runs.py tests/test_analysis.py
