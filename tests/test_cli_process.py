"""kvz as a user runs it, in fresh processes: light (--help and models load no TensorFlow) and quiet."""

import os
import re
import subprocess
import sys
import textwrap

import pytest

from keras_video_zoo import vocabulary
from keras_video_zoo.data.synthetic_dataset import generate_dataset
from keras_video_zoo.flow import extraction
from keras_video_zoo.training import recipes

# What TensorFlow's C++ code and FFmpeg write on their own, which kvz must not show by default.
RAW_LINE = re.compile(r"^(WARNING: All log messages|[IWE]\d{4} |\[\w+ @ 0x|.*(cudart_stub|cpu_feature_guard|absl::))")


def _python(code: str, *, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**environment, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("argv", [["--help"], ["models"], ["models", "slow*"], ["predict", "--help"]])
def test_help_and_models_load_no_tensorflow(argv):
    result = _python(
        f"""
        import sys
        from keras_video_zoo.cli import main
        try:
            code = main({argv!r})
        except SystemExit as exit:
            code = exit.code
        heavy = sorted(name for name in ("tensorflow", "keras", "cv2") if name in sys.modules)
        print("loaded:", heavy, "exit:", code)
        """
    )
    assert result.returncode == 0, result.stderr
    assert "loaded: [] exit: 0" in result.stdout


def test_import_keras_video_zoo_is_light():
    result = _python(
        """
        import sys, keras_video_zoo
        print(sorted(name for name in ("tensorflow", "keras", "cv2") if name in sys.modules))
        keras_video_zoo.create_model  # the first public name loads the models
        print("keras" in sys.modules)
        """
    )
    assert result.stdout.split() == ["[]", "True"], result.stderr


def test_the_librarys_registries_offer_what_the_shared_vocabulary_names():
    """The flags' choices come from keras_video_zoo.vocabulary; the registries behind them must agree with it."""
    assert set(extraction.ALGORITHMS) == set(vocabulary.FLOW_ALGORITHMS)
    assert set(recipes.RECIPES) == set(vocabulary.RECIPE_NAMES)


@pytest.fixture(scope="module")
def mixed_folder(tmp_path_factory):
    """Good videos, a damaged one (FFmpeg reports errors while decoding it), a truncated one and a text file."""
    root = generate_dataset(tmp_path_factory.mktemp("data"), kind="target", videos_per_class=2, groups=2)
    folder = tmp_path_factory.mktemp("mixed")
    videos = sorted(root.rglob("*.avi"))
    for index, video in enumerate(videos[:3]):
        data = bytearray(video.read_bytes())
        if index == 1:  # flip bytes all through the middle: the decoder complains frame after frame
            for offset in range(len(data) // 4, 3 * len(data) // 4, 97):
                data[offset] ^= 0x5A
        if index == 2:
            data = data[: len(data) // 3]
        (folder / f"{['good', 'damaged', 'truncated'][index]}.avi").write_bytes(bytes(data))
    (folder / "notes.txt").write_text("a shopping list")  # not a candidate: left out
    (folder / "list.mp4").write_text("a shopping list")  # named like a video: tried, and reported
    return folder


def test_predict_output_is_kvz_s_own_unless_verbose(mixed_folder):
    code = f"""
        import sys
        from keras_video_zoo.cli import main
        sys.exit(main(ARGS + ["predict", "{mixed_folder}", "--model", "slow_fusion_tiny.synthetic"]))
        """
    quiet = _python(code.replace("ARGS", "[]"))
    assert quiet.returncode == 0, quiet.stderr
    lines = quiet.stdout.splitlines()
    assert [line.split(": ")[0].rsplit("/", 1)[1] for line in lines] == [
        "damaged.avi",
        "good.avi",
        "list.mp4",
        "truncated.avi",
    ]
    by_file = dict(line.split(": ", 1) for line in lines)
    assert by_file[str(mixed_folder / "list.mp4")] == "skipped: not a video: a text file."
    assert "(damaged: " in by_file[str(mixed_folder / "damaged.avi")]
    raw = [line for line in (quiet.stdout + quiet.stderr).splitlines() if RAW_LINE.match(line)]
    assert raw == [], raw
    assert "Traceback" not in quiet.stderr
    verbose = _python(code.replace("ARGS", '["--verbose"]'))
    assert verbose.returncode == 0
    assert any(RAW_LINE.match(line) for line in verbose.stderr.splitlines()), verbose.stderr[-2000:]
