"""Export to SavedModel, ONNX and LiteRT: the artefact's runtime gives the Keras scores; refusals say why."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from keras_video_zoo import create_model, two_stream
from keras_video_zoo.cli import main
from keras_video_zoo.deployment.export import (
    FORMATS,
    ExportError,
    check_clips,
    export_model,
    load_exported,
    read_export,
)
from keras_video_zoo.weights import list_weights


@pytest.mark.parametrize("format", FORMATS)
def test_a_clip_model_exports_and_its_runtime_gives_the_keras_scores(tmp_path, format):
    model = create_model("slow_fusion_tiny.synthetic")
    exported = export_model(model, tmp_path, format)
    assert exported.max_abs_diff <= 1e-4 and exported.labels == list(model.record.labels)
    assert exported.inputs == [{"name": "clip", "shape": [None, 10, 64, 64, 3], "dtype": "uint8"}]
    again = read_export(tmp_path)
    assert again == exported and json.loads((tmp_path / "kvz_export.json").read_text())["format"] == format
    clips = check_clips(model, batch=3, seed=7)  # other clips than the export's check, and another batch size
    run = load_exported(again.path, format, [spec["name"] for spec in again.inputs])
    np.testing.assert_allclose(run(clips), model.predict_on_batch(clips[0]), atol=1e-4)


@pytest.mark.parametrize("format", FORMATS)
def test_a_two_stream_model_exports_with_both_inputs(tmp_path, format):
    model = two_stream(create_model("spatial_stream_tiny.synthetic"), create_model("temporal_stream_tiny.synthetic"))
    exported = export_model(model, tmp_path, format, labels=[f"c{i}" for i in range(10)])
    assert [spec["name"] for spec in exported.inputs] == ["clip", "flow"] and exported.max_abs_diff <= 1e-4


def test_ops_litert_lacks_are_refused_with_the_zoos_equivalent(tmp_path):
    inputs = keras.Input((4, 16, 16, 3))
    x = keras.layers.MaxPooling3D((1, 2, 2))(keras.layers.Conv3D(4, 3, padding="same")(inputs))
    model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.GlobalAveragePooling3D()(x)), name="conv3d_net")
    with pytest.raises(ExportError, match="LiteRT's builtin ops cannot run MaxPool3D .*FrameMaxPooling"):
        export_model(model, tmp_path, "litert")
    with pytest.raises(ExportError, match="format must be one of"):
        export_model(model, tmp_path, "coreml")


def test_kvz_export_writes_the_artefact_and_its_manifest(tmp_path, capsys):
    assert main(["export", "--model", "single_frame_tiny.synthetic", "--format", "litert", str(tmp_path)]) == 0
    assert "model.tflite" in capsys.readouterr().err and (tmp_path / "model.tflite").is_file()
    assert read_export(tmp_path).labels == list(create_model("single_frame_tiny.synthetic").record.labels)
    assert main(["export", "--model", "no_such_model", "--format", "onnx", str(tmp_path)]) == 2
    assert "Unknown model 'no_such_model'" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("name", list_weights())
def test_every_bundled_checkpoint_exports_to_every_format(tmp_path, name):
    model = create_model(name)
    for format in FORMATS:
        assert export_model(model, tmp_path / format, format).max_abs_diff <= 1e-4, format
