"""Headless Chromium for the tests: find it, serve a folder on localhost, dump a page's DOM.

A browser test skips where Chromium is missing, except under CI (which must run it).
"""

import contextlib
import functools
import http.server
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest


def chromium() -> str:
    """The Chromium executable; skips the test where there is none (fails it under CI)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser test: the README's test command installs Debian's chromium")
        pytest.skip("chromium is not installed")
    return path


@contextlib.contextmanager
def serve(directory: Path):
    """``directory`` on a localhost port (yields its URL) for as long as the block runs."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def dump_dom(chromium: str, url: str, *extra: str) -> str:
    """The DOM of ``url`` once headless Chromium (a fresh profile, no network of its own) has
    loaded it; ``extra`` flags such as ``--virtual-time-budget=30000`` let its scripts run."""
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([chromium, *flags, *extra, f"--user-data-dir={profile}", "--dump-dom", url],
                              capture_output=True, text=True, timeout=180).stdout
