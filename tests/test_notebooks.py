"""The Colab notebooks: valid, outputs cleared, install cell first, and each runs top to bottom (slow)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
EXPECTED = ("01_quick_start", "02_transfer_learning", "03_two_stream", "04_multiresolution", "05_converted_weights")
CELL_TIMEOUT_S = 300


def _ids(paths) -> list[str]:
    return [path.stem for path in paths]


def test_every_notebook_is_present():
    assert set(EXPECTED) <= set(_ids(NOTEBOOKS))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_is_valid_cleared_and_installs_first(path: Path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for index, cell in enumerate(code_cells):
        assert cell.outputs == [], f"{path.name}: code cell {index} has outputs; clear them before committing."
        assert cell.execution_count is None, f"{path.name}: code cell {index} has an execution count."
    install = code_cells[0].source
    assert "REPO_URL" in install and "import keras_video_zoo" in install and "except ImportError" in install
    assert "%pip install" in install and "git+{REPO_URL}" in install
    parameters = code_cells[1].source
    assert 'os.environ.get("KVZ_NOTEBOOK_FAST", "0") == "1"' in parameters
    everything = "\n".join(cell.source for cell in notebook.cells)
    assert "KVZ_WEIGHTS_DIR" not in everything, "notebooks use the bundled weights"


def _install_kernel(prefix: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Installs a 'python3' kernel running this interpreter (the venv's) under ``prefix``, found first."""
    from ipykernel.kernelspec import install

    install(prefix=str(prefix), kernel_name="python3")
    monkeypatch.setenv(
        "JUPYTER_PATH", os.pathsep.join([str(prefix / "share" / "jupyter"), os.environ.get("JUPYTER_PATH", "")])
    )
    return "python3"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs_top_to_bottom(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from jupyter_client.kernelspec import KernelSpecManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    monkeypatch.setenv("KVZ_NOTEBOOK_FAST", "1")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    kernel_name = _install_kernel(tmp_path / "jupyter", monkeypatch)
    spec = KernelSpecManager().get_kernel_spec(kernel_name)
    assert spec.argv[0] == sys.executable, f"the kernel must run this interpreter ({sys.executable}); got {spec.argv}"
    workdir = tmp_path / "work"
    workdir.mkdir()
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, kernel_name=kernel_name, timeout=CELL_TIMEOUT_S, resources={"metadata": {"path": str(workdir)}}
    )
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as error:
        pytest.fail(f"{path.name} failed:\n{error}", pytrace=False)
    print(f"{path.name}: {time.perf_counter() - start:.1f} s")
    images = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if "image/png" in output.get("data", {})
    ]
    assert images, f"{path.name} drew no plots"
    assert (workdir / "kvz_data").is_dir(), "notebooks write their generated data to ./kvz_data"
