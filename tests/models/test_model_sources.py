"""create_model over every SOURCE form: one resolver and one loader behind every entry point."""

import json
import zipfile

import keras
import numpy as np
import pytest

from keras_video_zoo import create_model, push_to_hub, slow_fusion
from keras_video_zoo.checkpoints import HubOptions, PretrainedNotFoundError, PretrainedUnavailableError
from keras_video_zoo.hub import save_keras_file, save_pretrained
from keras_video_zoo.layers import FrameWindowConv
from keras_video_zoo.weights import RECORD_FILENAME, ChecksumError
from tests.helpers.models import LABELS, random_clips

# Not a registered variant: 12 frames, 48x48, other temporal kernels.
VARIANT = {
    "input_shape": (12, 48, 48, 3),
    "temporal_kernels": (3, 3, 2),
    "temporal_strides": (3, 1, 1),
    "width": 0.125,
    "fc_units": 16,
    "num_classes": 3,
}


@pytest.fixture(scope="module")
def variant():
    return slow_fusion(**VARIANT, name="my_variant")


def _same_function(a: keras.Model, b: keras.Model) -> None:
    inputs = random_clips(a, seed=1)
    np.testing.assert_allclose(a.predict_on_batch(inputs), b.predict_on_batch(inputs), atol=1e-6)


def test_every_source_form_loads_the_same_model_with_its_record(variant, tmp_path, hub, hub_options):
    save_pretrained(variant, tmp_path / "folder", tag="mine", labels=LABELS)
    save_keras_file(variant, tmp_path / "file.keras", labels=LABELS)
    run = tmp_path / "run"
    run.mkdir()
    (run / "run.json").write_text("{}")
    save_keras_file(variant, run / "model.keras", labels=LABELS)
    push_to_hub(variant, "me/variant", endpoint=hub.url, token=hub.token, labels=LABELS)
    hub_source = HubOptions(cache_dir=hub_options["cache_dir"], endpoint=hub.url, token=hub.token)
    for source, options in (
        (tmp_path / "folder", {}),
        (tmp_path / "file.keras", {}),
        (run, {}),
        ("hf://me/variant", {"hub": hub_source}),
    ):
        model = create_model(source, **options)
        _same_function(model, variant)
        assert model.name == "my_variant" and model.record.labels == tuple(LABELS), source
        assert model.record.inputs[0].shape == (12, 48, 48, 3)
        # The unregistered variant rebuilds from its build arguments, with today's layers.
        assert model.build_arguments.model == "slow_fusion"
        assert model.build_arguments.kwargs["temporal_strides"] == [3, 1, 1]
        assert isinstance(model.get_layer("conv1"), FrameWindowConv)


def test_a_registered_tag_rebuilds_the_conv3d_checkpoint_as_frame_windows():
    from keras_video_zoo.checkpoints import resolve_checkpoint
    from keras_video_zoo.models.pretrained import load_saved_model

    saved = load_saved_model(resolve_checkpoint("slow_fusion_tiny.synthetic"))  # as saved: Conv3D layers
    assert type(saved.get_layer("conv1")).__name__ == "Conv3D"
    model = create_model("slow_fusion_tiny.synthetic")
    assert isinstance(model.get_layer("conv1"), FrameWindowConv)
    _same_function(model, saved)


def test_name_and_new_classes_override_a_checkpoint(variant, tmp_path):
    save_pretrained(variant, tmp_path / "folder", labels=LABELS)
    renamed = create_model(tmp_path / "folder", name="renamed")
    assert renamed.name == "renamed"
    _same_function(renamed, variant)
    five = create_model(tmp_path / "folder", num_classes=5)
    assert five.output_shape == (None, 5) and five.record.labels == () and five.record.num_classes == 5
    np.testing.assert_array_equal(five.get_layer("fc7").kernel, variant.get_layer("fc7").kernel)


def test_a_keras_file_without_a_record_loads_and_derives_its_inputs(variant, tmp_path):
    variant.save(tmp_path / "plain.keras")
    model = create_model(tmp_path / "plain.keras")
    _same_function(model, variant)
    assert model.record.labels == () and model.record.inputs[0].shape == (12, 48, 48, 3)
    assert model.build_arguments is None  # loaded from its saved Keras config
    with pytest.raises(ValueError, match=r"saved Keras config .* \['width'\] cannot be changed"):
        create_model(tmp_path / "plain.keras", width=0.5)


def test_a_record_travels_inside_a_keras_file(variant, tmp_path):
    save_keras_file(variant, tmp_path / "m.keras", labels=LABELS, metrics={"video_hit@1": 0.5})
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        record = json.loads(archive.read(RECORD_FILENAME))
    assert record["labels"] == LABELS and record["files"] == {}
    _same_function(keras.saving.load_model(tmp_path / "m.keras"), variant)  # plain Keras ignores the record


@pytest.mark.parametrize(
    ("source", "error", "message"),
    [
        ("slow_fusion_tny.synthetic", PretrainedNotFoundError, r"Did you mean: slow_fusion_tiny\.synthetic, "),
        ("slow_fuson", ValueError, "Unknown model 'slow_fuson'. Did you mean: slow_fusion"),
        ("runs/missing-run", PretrainedNotFoundError, "runs/missing-run: no such folder or file"),
        ("missing.keras", PretrainedNotFoundError, "missing.keras does not exist"),
        ("hf://only-a-name", PretrainedNotFoundError, "a Hub source is 'hf://org/name'"),
    ],
)
def test_bad_sources_say_what_is_wrong(source, error, message):
    with pytest.raises(error, match=message):
        create_model(source)


def test_folders_that_are_not_checkpoints_and_unfinished_runs(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(PretrainedNotFoundError, match="neither a checkpoint .* nor a kvz train run folder"):
        create_model(tmp_path / "empty")
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "run.json").write_text("{}")
    with pytest.raises(PretrainedNotFoundError, match="has not finished .* rerun the same kvz train"):
        create_model(tmp_path / "run")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(PretrainedNotFoundError, match="not a .keras model"):
        create_model(tmp_path / "notes.txt")


def test_a_hub_source_offline_and_uncached(tmp_path):
    options = HubOptions(cache_dir=tmp_path / "cache", local_files_only=True)
    with pytest.raises(PretrainedUnavailableError, match="not in the Hub cache .* downloads are off"):
        create_model("hf://me/never-downloaded", hub=options)


def test_a_tampered_checkpoint_file_is_refused(variant, tmp_path):
    save_pretrained(variant, tmp_path / "folder")
    weights = tmp_path / "folder" / "model.weights.h5"
    data = bytearray(weights.read_bytes())
    data[-64] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ChecksumError, match=r"model\.weights\.h5 has sha256 .* refused"):
        create_model(tmp_path / "folder")
