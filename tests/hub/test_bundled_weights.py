"""The bundled checkpoints in weights/: one per family, intact, loadable, and as good as their records say."""

import numpy as np
import pytest
from keras_video_zoo.bundled_weights import train_bundled

from keras_video_zoo import create_model, from_pretrained
from keras_video_zoo.checkpoints import resolve_checkpoint
from keras_video_zoo.data.synthetic_dataset import SOURCE_CLASSES
from keras_video_zoo.models.pretrained import load_saved_model
from keras_video_zoo.weights import list_weights, load_index

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


def test_every_family_has_a_bundled_checkpoint():
    assert {name.removesuffix(".synthetic") for name in list_weights("*.synthetic")} == FAMILIES
    assert all(entry.path == name for name, entry in load_index().items())


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_checkpoint_is_intact_loads_and_matches_its_record(name):
    checkpoint = resolve_checkpoint(name)  # sha256 of the record, then of every file
    spec = checkpoint.record
    assert sorted(spec.files) == ["config.json", "metadata.json", "model.weights.h5"]
    model = from_pretrained(name)
    assert model.count_params() == spec.num_params and model.record.labels == spec.labels
    assert tuple(model.input_shape[1:]) == spec.inputs[0].shape
    assert len(spec.labels) == 10 and set(spec.labels) == {c.name for c in SOURCE_CLASSES}
    assert spec.recipe["command"].startswith(f"python weights/train_bundled.py --models {spec.model}")
    assert spec.dataset["name"] == "kvz-synthetic-source" and spec.evaluation["videos"] == 60
    assert {"clip_hit@1", "video_hit@1", "video_hit@5", "video_hit@1_motion", "video_hit@1_appearance"} <= set(
        spec.metrics
    )
    # The factory's weights= takes the same tag, and the rebuilt model computes what was saved.
    by_tag = create_model(spec.model, weights=spec.tag)
    saved = load_saved_model(checkpoint)
    clip = np.random.default_rng(0).integers(0, 256, (2, *spec.inputs[0].shape), dtype=np.uint8)
    for other in (by_tag, saved):
        np.testing.assert_allclose(other.predict_on_batch(clip), model.predict_on_batch(clip), atol=1e-6)


@pytest.fixture(scope="module")
def source_data(tmp_path_factory):
    """The synthetic source set with the flow of its test videos, regenerated from the recorded seed."""
    return train_bundled, *train_bundled.source_data(tmp_path_factory.mktemp("synthetic"), flow=True)


@pytest.mark.slow
@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_checkpoint_reproduces_its_recorded_metrics(name, source_data):
    builder, root, flow_root = source_data
    spec = resolve_checkpoint(name).record
    bundled = {b.model: b for b in builder.BUNDLED}[spec.model]
    results = builder.evaluate_bundled(from_pretrained(name), bundled, root, flow_root, progress=False)
    assert results["protocol"] == {k: v for k, v in spec.evaluation.items() if k not in ("split", "subset", "videos")}
    assert results["video_hit@1"] == pytest.approx(spec.metrics["video_hit@1"], abs=VIDEO_HIT_TOLERANCE)
    assert results["clip_hit@1"] == pytest.approx(spec.metrics["clip_hit@1"], abs=CLIP_HIT_TOLERANCE)
