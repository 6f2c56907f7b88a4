"""The package as users install it, in fresh virtual environments outside the checkout (slow: each installs TensorFlow).

- A wheel (``KVZ_WHEEL``, which CI builds, or one built here) with its bundled weights: ``kvz``
  runs, every bundled tag loads, ``kvz predict`` names the classes; TV-L1 is refused with the fix.
- A Colab-like environment (``opencv-python`` and ``ipykernel`` preinstalled) where notebook 01
  installs the package from git as its first cell does on Colab, then runs top to bottom; then
  the OpenCV wheels change under it (opencv-python removed, reinstalled, the contrib build
  swapped in) and the zoo keeps working or says how to repair it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[1]
TAG = "slow_fusion_tiny.synthetic"


def _environment() -> dict[str, str]:
    """The user's environment: nothing pointing at this checkout or its virtual environment."""
    dropped = ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "KVZ_WEIGHTS_DIR", "TF_CPP_MIN_LOG_LEVEL")
    environment = {key: value for key, value in os.environ.items() if key not in dropped}
    environment["PATH"] = os.pathsep.join(p for p in environment["PATH"].split(os.pathsep) if ".venv" not in p)
    return environment | {"PIP_DISABLE_PIP_VERSION_CHECK": "1"}


class Environment:
    """A fresh virtual environment and a working folder outside the checkout."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.work = root / "work"
        self.work.mkdir(parents=True)
        venv.create(root / "venv", with_pip=True)
        self.bin = root / "venv" / "bin"
        self.pip("install", "--upgrade", "pip")  # a current pip, as Colab has (ensurepip's may be years old)

    def run(self, *command: str | Path, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [str(part) for part in command],
            cwd=self.work,
            env=_environment() | (env or {}),
            capture_output=True,
            text=True,
            timeout=1500,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{command} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
            )
        return result

    def pip(self, *arguments: str | Path) -> subprocess.CompletedProcess:
        return self.run(self.bin / "python", "-m", "pip", "--quiet", *arguments)

    def python(self, code: str, **kwargs) -> subprocess.CompletedProcess:
        return self.run(self.bin / "python", "-c", textwrap.dedent(code), **kwargs)

    def kvz(self, *arguments: str | Path, **kwargs) -> subprocess.CompletedProcess:
        return self.run(self.bin / "kvz", *arguments, **kwargs)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """CI's wheel (``KVZ_WHEEL``), or one built from this checkout."""
    if os.environ.get("KVZ_WHEEL"):
        return Path(os.environ["KVZ_WHEEL"]).resolve()
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", folder, REPO_ROOT],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return next(folder.glob("keras_video_zoo-*.whl"))


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Environment:
    environment = Environment(tmp_path_factory.mktemp("wheel-install"))
    environment.pip("install", f"{wheel}[hub]")
    environment.python(  # a few videos to classify, made by the installed package
        """
        from keras_video_zoo.data.synthetic_dataset import generate_dataset
        generate_dataset("videos", kind="source", videos_per_class=2, groups=2, frames=12)
        """
    )
    return environment


def test_the_wheel_carries_its_weights_and_every_tag_loads(installed):
    result = installed.python(
        """
        import keras_video_zoo as kvz
        from keras_video_zoo.weights import list_weights, weights_dir
        print("weights:", weights_dir())
        for name in list_weights():
            model = kvz.create_model(name)
            assert model.count_params() == model.record.num_params and model.record.labels, name
            print("loaded", name)
        """
    )
    assert f"{os.sep}site-packages{os.sep}keras_video_zoo{os.sep}bundled_weights" in result.stdout
    assert result.stdout.count("loaded ") == 7, result.stdout


def test_kvz_runs_from_the_wheel(installed):
    assert "predict" in installed.kvz("--help").stdout
    table = installed.kvz("models", "*tiny").stdout
    assert "| slow_fusion_tiny | (10, 64, 64, 3) | 112,070 |" in table and "synthetic" in table


def test_kvz_predict_with_a_bundled_tag_names_the_classes(installed):
    result = installed.kvz("predict", "videos/UCF-101", "--model", TAG, "--top", "2")
    lines = result.stdout.splitlines()
    assert len(lines) == 20 and "predicted 20 of 20 videos" in result.stderr
    labels = installed.python(f"import keras_video_zoo as kvz; print(kvz.create_model('{TAG}').record.labels)").stdout
    for line in lines:
        assert all(f"'{item.rsplit(' ', 1)[0]}'" in labels for item in line.split(": ", 1)[1].split(", ")), line


def test_kvz_over_real_world_videos_from_the_wheel(installed):
    """The wheel's own generator and decoders (PyAV is a core dependency): every candidate gets its line."""
    installed.kvz("synthetic", "messy", "--kind", "real-world")
    manifest = json.loads((installed.work / "messy" / "real_world_videos.json").read_text())
    candidates = [entry for entry in manifest if entry["expect"] != "ignored"]
    result = installed.kvz("predict", "messy", "--model", TAG, "--top", "1")
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    assert len(lines) == len(candidates)
    for entry in candidates:
        line = lines[str(Path("messy") / entry["path"])]
        assert line.startswith("skipped: ") == (entry["expect"] == "skipped"), (entry, line)
        assert ("(damaged: " in line) == (entry["expect"] == "damaged"), (entry, line)
    flow = installed.kvz("flow", "messy", "flow", "--layout", "folder_per_class", "--no-progress")
    assert "kvz flow: extracted the flow of" in flow.stderr


def test_kvz_convert_from_the_wheel_names_the_published_classes(installed):
    """The wheel carries the converter's class lists and look-alike writer: a CNN-M-2048 look-alike gets ImageNet's."""
    installed.kvz("synthetic", "published", "--kind", "checkpoints")
    result = installed.kvz("convert", "published/VGG_CNN_M_2048.caffemodel", "cnn-m")
    assert "spatial_stream (cnn_m_2048)" in result.stdout and "1000 labels" in result.stdout
    labels = installed.python("import keras_video_zoo as kvz; print(kvz.create_model('cnn-m').record.labels[:2])")
    assert "('tench', 'goldfish')" in labels.stdout
    assert "cuhk_temporal_vgg16" in installed.kvz("convert", "--list").stdout


def test_tvl1_without_opencv_contrib_is_one_clear_message(installed):
    refused = installed.kvz("flow", "videos/UCF-101", "flow", "--algorithm", "tvl1", check=False)
    assert refused.returncode == 2, refused.stderr
    assert "kvz flow: TV-L1 optical flow (--algorithm tvl1) is in OpenCV's contrib modules" in refused.stderr
    assert "pip install --force-reinstall --no-deps opencv-contrib-python-headless==" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert installed.kvz("flow", "videos/UCF-101", "flow", "--no-progress").returncode == 0  # DIS works


def _git_snapshot(destination: Path) -> str:
    """This working tree (committed or not) as a git repository, so pip can install it with ``git+file://``."""
    files = (
        subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=REPO_ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, files):
        if (REPO_ROOT / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / name, destination / name)
    identity = ["-c", "user.name=kvz tests", "-c", "user.email=tests@localhost"]
    for command in (["init", "-q"], ["add", "-A"], [*identity, "commit", "-qm", "snapshot"]):
        subprocess.run(["git", *command], cwd=destination, check=True, capture_output=True)
    return destination.as_uri()


@pytest.fixture(scope="module")
def colab(tmp_path_factory) -> Environment:
    """A Colab-like environment: opencv-python and ipykernel preinstalled, keras_video_zoo not."""
    environment = Environment(tmp_path_factory.mktemp("colab"))
    environment.pip("install", "opencv-python", "ipykernel")
    environment.run(environment.bin / "python", "-m", "ipykernel", "install", "--prefix", environment.root / "jupyter")
    return environment


def test_notebook_01_installs_the_package_as_colab_does_and_runs(colab, tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    repo_url = _git_snapshot(tmp_path / "repo")
    monkeypatch.setenv("KVZ_REPO_URL", repo_url)
    monkeypatch.setenv("KVZ_NOTEBOOK_FAST", "1")
    monkeypatch.setenv("JUPYTER_PATH", str(colab.root / "jupyter" / "share" / "jupyter"))
    monkeypatch.delenv("KVZ_WEIGHTS_DIR", raising=False)
    notebook = nbformat.read(REPO_ROOT / "notebooks" / "01_quick_start.ipynb", as_version=4)
    from jupyter_client.kernelspec import KernelSpecManager

    kernel = KernelSpecManager().get_kernel_spec("python3")
    assert Path(kernel.argv[0]).parent == colab.bin, kernel.argv  # the kernel runs in the Colab-like environment
    client = NotebookClient(
        notebook, kernel_name="python3", timeout=900, resources={"metadata": {"path": str(colab.work)}}
    )
    client.execute()
    printed = "\n".join(
        output.get("text", "") for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
    )
    assert "classes: ['BlueCross'" in printed
    installed = colab.run(colab.bin / "python", "-m", "pip", "show", "keras-video-zoo").stdout
    assert "Editable project location" not in installed and "Location:" in installed  # a plain install
    assert {"opencv-python", "opencv-python-headless"} <= set(_opencv_wheels(colab))


def _opencv_wheels(environment: Environment) -> dict[str, str]:
    code = "import json; from keras_video_zoo.opencv import installed_distributions as d; print(json.dumps(d()))"
    return json.loads(environment.python(code).stdout)


CHECK_OPENCV = """
    from keras_video_zoo.data.synthetic_dataset import generate_dataset
    from keras_video_zoo.data.video_io import read_frames
    from keras_video_zoo.flow.extraction import compute_flow
    from keras_video_zoo.opencv import ContribMissingError

    root = generate_dataset("videos", kind="target", videos_per_class=2, groups=2, frames=6)
    frames = read_frames(next(root.rglob("*.avi")))
    print("decode", frames.shape)
    for algorithm in ("dis", "farneback", "tvl1"):
        try:
            print(algorithm, compute_flow(frames, algorithm).shape)
        except ContribMissingError as error:
            print(algorithm, "refused:", error)
"""


def test_opencv_wheels_changing_under_the_zoo(colab):
    # 1. As installed next to Colab's opencv-python: decoding, DIS and Farneback work; TV-L1 names its fix.
    before = colab.python(CHECK_OPENCV).stdout
    assert "decode (6, " in before and "dis (5, " in before and "farneback (5, " in before
    assert "tvl1 refused: TV-L1 optical flow" in before and "opencv-contrib-python-headless==" in before

    # 2. Removing opencv-python deletes the cv2 files both wheels share: kvz says so and how to repair it.
    colab.pip("uninstall", "-y", "opencv-python")
    assert colab.kvz("--help").returncode == 0  # builds its parser without OpenCV
    broken = colab.kvz("predict", "videos/UCF-101", "--model", TAG, check=False)
    assert broken.returncode == 1 and "Traceback" not in broken.stderr
    assert "OpenCV (cv2) is unusable" in broken.stderr
    fix = broken.stderr.split("Repair it with: ", 1)[1].strip()
    assert fix.startswith("pip install --force-reinstall --no-deps opencv-python-headless==")
    colab.pip(*fix.split()[1:])
    assert "predicted 10 of 10 videos" in colab.kvz("predict", "videos/UCF-101", "--model", TAG).stderr

    # 3. Reinstalling opencv-python keeps the zoo working.
    colab.pip("install", "opencv-python")
    assert "dis (5, " in colab.python(CHECK_OPENCV).stdout

    # 4. The fix TV-L1's message names gives TV-L1.
    fix = before.split("pip install ", 1)[1].split(" (or use DIS")[0]
    colab.pip("install", *fix.split())
    after = colab.python(CHECK_OPENCV).stdout
    assert "tvl1 (5, " in after and "dis (5, " in after
