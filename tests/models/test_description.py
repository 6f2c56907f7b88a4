"""A model describes itself: streams, fusion, flow stacking and protocol, the same after every way of saving it."""

import re
from pathlib import Path

import keras
import pytest

from keras_video_zoo import create_model, from_pretrained, list_models, push_to_hub, temporal_stream, two_stream
from keras_video_zoo.hub import save_keras_file, save_pretrained
from keras_video_zoo.models.description import describe

PACKAGE = Path(__file__).resolve().parents[2] / "keras_video_zoo"
TWO_STREAM_FAMILY = ("spatial_stream", "temporal_stream", "two_stream")


def _summary(model) -> tuple:
    description = describe(model)
    return (
        description.rgb is not None,
        description.flow is not None,
        description.fusion,
        description.stacking,
        description.protocol,
    )


@pytest.mark.parametrize("name", list_models("*_tiny"))
def test_every_registered_model_describes_itself_the_same_after_saving(name, tmp_path):
    model = create_model(name)
    rgb, flow, fusion, stacking, protocol = summary = _summary(model)
    channels = [spec.shape[-1] for spec in model.inputs]
    assert rgb == (3 in [int(c) for c in channels]) and flow == (2 in [int(c) for c in channels])
    assert fusion == ("average" if rgb and flow else None) and stacking == ("forward" if flow else None)
    assert protocol == ("two_stream" if name.startswith(TWO_STREAM_FAMILY) else "karpathy")
    save_pretrained(model, tmp_path / "folder")
    save_keras_file(model, tmp_path / "model.keras")
    assert _summary(create_model(str(tmp_path / "folder"))) == summary
    assert _summary(create_model(str(tmp_path / "model.keras"))) == summary
    keras.backend.clear_session()


def test_a_recorded_stacking_survives_a_model_rebuilt_from_its_saved_config(tmp_path):
    flow = temporal_stream(input_shape=(4, 64, 64, 2), width=0.125, fc_units=16, num_classes=3, stacking="centred")
    spatial = create_model("spatial_stream_tiny", num_classes=3)
    fused = two_stream(spatial, flow, fusion="svm")  # streams as objects: no build arguments, loads from its config
    assert fused.build_arguments is None
    save_pretrained(fused, tmp_path / "fused")
    loaded = create_model(str(tmp_path / "fused"))
    assert _summary(loaded) == (True, True, "svm", "centred", "two_stream")
    assert describe(temporal_stream(input_shape=(4, 64, 64, 2), bidirectional=True, width=0.125)).stacking == (
        "bidirectional"
    )
    with pytest.raises(ValueError, match="stacking must be one of"):
        temporal_stream(input_shape=(4, 64, 64, 2), stacking="sideways", width=0.125)


def test_the_description_travels_through_the_hub(hub, hub_options):
    model = create_model("two_stream_tiny")
    push_to_hub(model, "me/described", endpoint=hub.url, token=hub.token)
    assert _summary(from_pretrained("hf://me/described", **hub_options)) == _summary(model)


def test_nothing_recognises_a_model_by_its_name_or_a_layer_by_its_class_name():
    # Layer names are a documented contract (conv1, fc6, predictions ...); a model's name is the user's to choose.
    sniffing = re.compile(
        r"in [\w.]*(model|stream|flow|rgb|spatial|temporal)\.name\b|(model|stream|family)\w*(\.name)?\.startswith\("
        r"|type\([^)]*\)\.__name__\s*=="
        r"|\.model\s*(in\s*[(\[{]|==|!=)"  # a record's registry name compared with known names (spec.model in ...)
    )
    found = [
        f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
        for path in PACKAGE.rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if sniffing.search(line)
    ]
    assert not found, found
