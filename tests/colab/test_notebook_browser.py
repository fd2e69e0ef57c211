"""The live explorers as a student meets them: the classic ``jupyter notebook`` (6.5, Colab's
frontend) with ipywidgets 7.7.1, driven in headless Chromium by playwright.

Each test copies a chapter's first cells, up to its explorer, into a temporary folder, opens
it, runs every cell through Notebook's own JavaScript (``Jupyter.notebook.execute_all_cells``)
and works the explorer as a reader would: a slider's handle with the keyboard, buttons with clicks. Screenshots go to
``$DENSENET_LAB_SCREENSHOTS`` when set (else to the test's temporary folder).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Generous: the CI machine has 2 cores and the other may be busy with another test.
CELLS_TIMEOUT_S = 600
WIDGET_TIMEOUT_S = 180


def chromium() -> str:
    """Debian's Chromium; missing, the test fails under CI (the README's command installs it), else skips."""
    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser test: the README's test command installs Debian's chromium")
        pytest.skip("chromium is not installed")
    return path


def chapter_until(name: str, marker: str, folder: Path, extra: Sequence[str] = ()) -> Path:
    """A copy of ``book/en/<name>`` in ``folder`` that ends with the first code cell containing
    ``marker`` (the explorer), with the ``extra`` code cells inserted just before that cell."""
    notebook = json.loads((ROOT / "book" / "en" / name).read_text())
    cells = notebook["cells"]
    end = next(i for i, c in enumerate(cells) if c["cell_type"] == "code" and marker in "".join(c["source"]))
    added = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}
             for source in extra]
    if notebook["nbformat_minor"] >= 5:  # cell ids from nbformat 4.5 on; before it, an id is invalid
        added = [{**cell, "id": f"test-{i}"} for i, cell in enumerate(added)]
    notebook["cells"] = cells[:end] + added + [cells[end]]
    path = folder / name
    path.write_text(json.dumps(notebook))
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_server(process: subprocess.Popen, url: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter notebook exited with {process.returncode}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=5) as reply:
                if reply.status == 200:
                    return
        time.sleep(0.5)
    raise RuntimeError(f"jupyter notebook did not answer {url} within {timeout_s} s")


@pytest.fixture(scope="module")
def notebook_server(tmp_path_factory):
    """``(base URL, token, folder)`` of a classic ``jupyter notebook`` on 127.0.0.1 serving a
    temporary folder, in the ci profile, with its configuration kept out of the user's home."""
    home = tmp_path_factory.mktemp("jupyter")
    folder = home / "notebooks"
    folder.mkdir()
    token = secrets.token_hex(16)
    env = {**os.environ, "DENSENET_LAB_PROFILE": "ci", "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_DATA_DIR": str(home / "data"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "IPYTHONDIR": str(home / "ipython")}
    log = (home / "server.log").open("w")
    for _attempt in range(3):  # a port taken between choosing and binding it: choose again
        port = _free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "notebook", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
             "--NotebookApp.port_retries=0", f"--NotebookApp.token={token}",
             "--allow-root", f"--notebook-dir={folder}"],  # --allow-root: CI containers run as root
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
        try:
            _wait_for_server(process, f"http://127.0.0.1:{port}/api/status?token={token}")
            break
        except RuntimeError:
            process.kill()
            process.wait()
    else:
        pytest.fail(f"jupyter notebook did not start; its log:\n{(home / 'server.log').read_text()[-3000:]}")
    yield f"http://127.0.0.1:{port}", token, folder
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


@pytest.fixture
def page():
    """A fresh headless Chromium page (playwright drives Debian's Chromium; nothing is downloaded)."""
    from playwright.sync_api import sync_playwright

    path = chromium()
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=path, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        page.set_default_timeout(WIDGET_TIMEOUT_S * 1000)
        yield page
        browser.close()


@pytest.fixture
def screenshots(tmp_path) -> Path:
    folder = Path(os.environ.get("DENSENET_LAB_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# Done when no code cell waits or runs ([*]): the errors of the cells, or [] once every one has
# an execution count (a cell after an error is aborted and keeps none, so an error ends the wait).
_CELLS_DONE = """() => {
  const cells = Jupyter.notebook.get_cells().filter(c => c.cell_type === "code");
  if (cells.some(c => c.input_prompt_number === "*")) return null;
  const errors = [];
  cells.forEach(c => c.output_area.outputs.forEach(o => {
    if (o.output_type === "error") errors.push(o.ename + ": " + o.evalue + "\\n" + o.traceback.join("\\n"));
  }));
  if (errors.length) return {errors: errors};
  return cells.every(c => typeof c.input_prompt_number === "number") ? {errors: []} : null;
}"""


def run_all_cells(page, server, notebook: Path) -> None:
    """Open ``notebook`` in the classic Notebook, run every cell and wait until all are done;
    a cell that raises fails the test with its traceback."""
    base, token, _ = server
    # widgetsnbextension 3.6 first asks for ipywidgets 8's control comm; the ipywidgets 7 kernel
    # closes it, and the manager falls back to asking which widgets exist (comm_info). Cells run
    # before that answer lose their widgets: the manager re-renders their outputs and finds the
    # views removed (seen here with execute_all_cells right after the kernel connected). A reader
    # clicks later than that; the test waits for the fallback, then for a comm_info answer of
    # its own, which the kernel sends after the manager's.
    with page.expect_console_message(lambda m: "jupyter.widget.control" in m.text, timeout=WIDGET_TIMEOUT_S * 1000):
        page.goto(f"{base}/notebooks/{notebook.name}?token={token}")
    page.evaluate("() => new Promise(done => Jupyter.notebook.kernel.comm_info('jupyter.widget', done))")
    page.evaluate("() => Jupyter.notebook.execute_all_cells()")
    done = page.wait_for_function(_CELLS_DONE, timeout=CELLS_TIMEOUT_S * 1000).json_value()
    assert not done["errors"], "a cell raised:\n" + "\n\n".join(done["errors"])


def image_bytes(image) -> str:
    """The PNG bytes an ipywidgets 7 ``Image`` shows (its ``src`` is a blob URL), as base64."""
    return image.evaluate("""async img => {
      const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
      let text = ""; bytes.forEach(b => { text += String.fromCharCode(b); });
      return btoa(text);
    }""")


def last_output(page):
    """The output area of the notebook's last code cell (the explorer's)."""
    return page.locator(".cell.code_cell").last.locator(".output_area")


def numbers_of(numbers) -> dict[str, str]:
    """The explorer's numbers table (``live.numbers_html``) as ``{label: shown value}``."""
    return numbers.evaluate("""el => Object.fromEntries(Array.from(el.querySelectorAll("table.dlab-numbers tr"))
                                  .map(tr => Array.from(tr.cells).map(td => td.innerText.trim())))""")


def test_block_explorer_redraws_when_a_slider_is_moved(notebook_server, page, screenshots):
    """Chapter 3's BlockExplorer: moving the growth-rate slider with the keyboard (released:
    the sliders send their value then) redraws the figure (other PNG bytes) and the numbers,
    which show the new k's output channels."""
    notebook = chapter_until("03_dense_blocks.ipynb", "BlockExplorer()", notebook_server[2])
    run_all_cells(page, notebook_server, notebook)
    explorer = last_output(page)
    slider = explorer.locator(".widget-slider").filter(has_text="growth rate k")
    image = explorer.locator("img.widget-image").first
    numbers = explorer.locator(".widget-html").filter(has=page.locator("table.dlab-numbers"))
    image.wait_for(state="visible")
    before = {"png": image_bytes(image), "numbers": numbers_of(numbers),
              "readout": slider.locator(".widget-readout").inner_text()}
    assert before["readout"] == "12"
    assert before["numbers"]["output channels k0 + L*k"] == "96"  # k0 = 24, L = 6, k = 12
    page.screenshot(path=str(screenshots / "colab-block-explorer-before.png"), full_page=True)

    source = image.get_attribute("src")
    handle = slider.locator(".ui-slider-handle")
    handle.focus()
    for _ in range(4):
        handle.press("ArrowRight")  # keydown, keyup: jQuery UI's slide, then stop: the value is sent
    page.wait_for_function("([img, old]) => img.src !== old", arg=[image.element_handle(), source])
    page.wait_for_function("el => el.innerText.includes('120')", arg=numbers.element_handle())
    after = {"png": image_bytes(image), "numbers": numbers_of(numbers),
             "readout": slider.locator(".widget-readout").inner_text()}
    page.screenshot(path=str(screenshots / "colab-block-explorer-after.png"), full_page=True)
    assert after["readout"] == "16"
    assert after["numbers"]["output channels k0 + L*k"] == "120"  # k = 16
    assert after["numbers"]["parameters"] != before["numbers"]["parameters"]
    assert after["png"] != before["png"], "the slider moved but the figure was not redrawn"


def progress_percent(bar) -> float:
    """How full an ipywidgets 7 ``IntProgress`` is drawn: its bar's CSS width, in percent."""
    return float(bar.evaluate("el => el.style.width").rstrip("%") or 0)


# The sweep's epochs set how long Train runs. The ci profile's 2 epochs on the digits could end
# before Stop arrives; 200 epochs of k = 64 are thousands of steps, so Stop always comes first.
LONG_TRAINING = "sweep.epochs = 200  # test: Train runs long enough for Stop to arrive first"


def test_accuracy_explorer_trains_with_progress_and_stops(notebook_server, page, screenshots):
    """Chapter 5's AccuracyExplorer: with 'train k' at 64, 'Train and add the point' disables
    itself, the progress bar advances, and 'Stop' ends the run: the status says so, no point
    is added, and Train is enabled again."""
    notebook = chapter_until("05_training.ipynb", "AccuracyExplorer(sweep, selection)", notebook_server[2],
                             extra=[LONG_TRAINING])
    run_all_cells(page, notebook_server, notebook)
    explorer = last_output(page)
    train = explorer.locator("button.widget-button").filter(has_text="Train and add the point")
    stop = explorer.locator("button.widget-button").filter(has_text="Stop")
    bar = explorer.locator(".widget-hprogress .progress-bar")  # ipywidgets 7: widget-hprogress
    status = explorer.locator(".widget-html").last
    growth = explorer.locator(".widget-slider").filter(has_text="train k")
    numbers = explorer.locator(".widget-html").filter(has=page.locator("table.dlab-numbers"))
    train.wait_for(state="visible")
    assert train.is_enabled() and stop.is_disabled() and progress_percent(bar) == 0
    points_before = numbers_of(numbers)

    handle = growth.locator(".ui-slider-handle")
    handle.focus()
    handle.press("End")  # the slider's maximum: the slowest setting
    page.wait_for_function("el => el.innerText === '64'", arg=growth.locator(".widget-readout").element_handle())
    train.click()
    page.wait_for_function("el => !el.disabled", arg=stop.element_handle())  # the run has started
    assert "k=64" in status.inner_text()  # it trains the slider's value
    first = _wait_for_progress(page, bar, above=0.0)
    second = _wait_for_progress(page, bar, above=max(first, 2.0))  # advanced, and visible in the screenshot
    page.screenshot(path=str(screenshots / "colab-accuracy-explorer-training.png"), full_page=True)
    assert train.is_disabled() and stop.is_enabled()
    assert 0 < first < second < 100

    stop.click()
    page.wait_for_function("el => el.innerText.includes('stopped')", arg=status.element_handle())
    page.wait_for_function("el => !el.disabled", arg=train.element_handle())
    page.screenshot(path=str(screenshots / "colab-accuracy-explorer-stopped.png"), full_page=True)
    assert "k=64" in status.inner_text() and "added)" not in status.inner_text()
    assert train.is_enabled() and stop.is_disabled()
    assert progress_percent(bar) < 100
    assert numbers_of(numbers) == points_before  # nothing added


def _wait_for_progress(page, bar, above: float) -> float:
    """Wait until the progress bar is drawn fuller than ``above`` percent; returns how full."""
    page.wait_for_function("([el, above]) => parseFloat(el.style.width || '0') > above",
                           arg=[bar.element_handle(), above])
    return progress_percent(bar)
