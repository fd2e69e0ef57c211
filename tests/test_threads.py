"""The CPU thread count is chosen on purpose (densenet_lab.threads)."""

import json
import subprocess
import sys

import pytest
import torch

from densenet_lab import threads


@pytest.fixture
def clean_env(monkeypatch):
    monkeypatch.delenv(threads.ENV, raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(threads, "usable_cores", lambda: 2)
    before = torch.get_num_threads()
    yield monkeypatch
    torch.set_num_threads(before)


def test_one_thread_for_ci_and_one_core_left_free_otherwise(clean_env):
    assert threads.default_threads("ci") == 1
    assert threads.default_threads("cpu") == 1  # 2 cores: one for us, one for everything else
    clean_env.setattr(threads, "usable_cores", lambda: 16)
    assert threads.default_threads("cpu") == threads.default_threads(None) == 15
    clean_env.setattr(threads, "usable_cores", lambda: 1)
    assert threads.default_threads("gpu") == 1


def test_the_user_choice_wins(clean_env):
    clean_env.setenv(threads.ENV, "3")
    assert threads.default_threads("ci") == 3
    assert threads.use_default_threads() == 3 == torch.get_num_threads()
    clean_env.delenv(threads.ENV)
    clean_env.setenv("OMP_NUM_THREADS", "2")
    assert threads.default_threads("cpu") is None  # torch already follows OMP_NUM_THREADS
    clean_env.setenv(threads.ENV, "many")
    with pytest.raises(ValueError, match=r"DENSENET_LAB_THREADS must be an integer in \[1, 1024\], got 'many'"):
        threads.default_threads()


def test_notebook_setup_and_the_command_line_apply_it(tmp_path):
    """In a fresh process (like a notebook kernel): setup() and the CLI set torch's threads."""
    code = (
        "import json, torch\n"
        "from densenet_lab.book import setup\n"
        "setup()\n"
        "a = torch.get_num_threads()\n"
        "from densenet_lab.cli import main\n"
        "import os; os.environ['DENSENET_LAB_THREADS'] = '2'\n"
        "main(['list'])\n"
        "print(json.dumps([a, torch.get_num_threads()]))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "DENSENET_LAB_PROFILE": "ci"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "CPU threads: 1" in result.stdout
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [1, 2]
