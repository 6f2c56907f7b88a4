"""The bundled checkpoints in weights/: one per family, intact, loadable, and as good as their records say."""

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from keras_video_zoo import create_model, from_pretrained
from keras_video_zoo.data.synthetic_dataset import SOURCE_CLASSES
from keras_video_zoo.weights import INDEX_FILENAME, get_weights_spec, list_weights, load_index, weights_dir

# Re-evaluating a checkpoint decodes the same videos and draws the same clips (seeded protocol), so
# the metrics agree up to float rounding in multi-threaded kernels and video decoding across
# OpenCV builds: allow 3 of the 60 test videos (and 3% of the clip views) to change their vote.
VIDEO_HIT_TOLERANCE = 3 / 60
CLIP_HIT_TOLERANCE = 0.03

FAMILIES = {
    "single_frame_tiny",
    "early_fusion_tiny",
    "late_fusion_tiny",
    "slow_fusion_tiny",
    "slow_fusion_multires_tiny",
    "spatial_stream_tiny",
    "temporal_stream_tiny",
}
BUNDLED = sorted(load_index())


def _builder():
    """weights/train_bundled.py, the command that made the checkpoints (it is a script, not a module)."""
    path = Path(__file__).resolve().parents[2] / "weights" / "train_bundled.py"
    spec = importlib.util.spec_from_file_location("train_bundled", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_every_family_has_a_bundled_checkpoint():
    assert {name.removesuffix(".synthetic") for name in list_weights("*.synthetic")} == FAMILIES
    index = json.loads((weights_dir() / INDEX_FILENAME).read_text())
    assert all(entry["path"] == f"{entry['model']}.{entry['tag']}" for entry in index["weights"])


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_checkpoint_is_intact_loads_and_matches_its_record(name):
    spec = get_weights_spec(name)
    folder = weights_dir() / spec.path
    spec.verify_files(folder)  # sha256 of every file
    assert sorted(spec.files) == ["config.json", "metadata.json", "model.weights.h5"]
    model = from_pretrained(name)
    assert model.count_params() == spec.num_params
    assert tuple(model.input_shape[1:]) == spec.inputs[0].shape
    assert len(spec.labels) == 10 and set(spec.labels) == {c.name for c in SOURCE_CLASSES}
    assert spec.recipe["command"].startswith(f"python weights/train_bundled.py --models {spec.model}")
    assert spec.dataset["name"] == "kvz-synthetic-source" and spec.evaluation["videos"] == 60
    assert {"clip_hit@1", "video_hit@1", "video_hit@5", "video_hit@1_motion", "video_hit@1_appearance"} <= set(
        spec.metrics
    )
    # The factory's weights= takes the same tag and gives the same function.
    by_tag = create_model(name)
    clip = np.random.default_rng(0).integers(0, 256, (1, *spec.inputs[0].shape), dtype=np.uint8)
    np.testing.assert_allclose(by_tag.predict_on_batch(clip), model.predict_on_batch(clip), atol=1e-6)


@pytest.fixture(scope="module")
def source_data(tmp_path_factory):
    """The synthetic source set with the flow of its test videos, regenerated from the recorded seed."""
    builder = _builder()
    return builder, *builder.source_data(tmp_path_factory.mktemp("synthetic"), flow=True)


@pytest.mark.slow
@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_checkpoint_reproduces_its_recorded_metrics(name, source_data):
    builder, root, flow_root = source_data
    spec = get_weights_spec(name)
    bundled = {b.model: b for b in builder.BUNDLED}[spec.model]
    results = builder.evaluate_bundled(from_pretrained(name), bundled, root, flow_root, progress=False)
    assert results["protocol"] == {k: v for k, v in spec.evaluation.items() if k not in ("split", "subset", "videos")}
    assert results["video_hit@1"] == pytest.approx(spec.metrics["video_hit@1"], abs=VIDEO_HIT_TOLERANCE)
    assert results["clip_hit@1"] == pytest.approx(spec.metrics["clip_hit@1"], abs=CLIP_HIT_TOLERANCE)
