"""The weights index: registered "model.tag" names for create_model, weights= and from_pretrained."""

import json
from dataclasses import replace

import numpy as np
import pytest

from keras_video_zoo import create_model, from_pretrained, push_to_hub, slow_fusion
from keras_video_zoo.hub import save_pretrained
from keras_video_zoo.weights import (
    INDEX_FILENAME,
    ChecksumError,
    InputSpec,
    UnknownWeightsError,
    WeightsSpec,
    get_weights_spec,
    list_weights,
    load_index,
    register_weights,
    weights_dir,
)
from tests.hub.conftest import LABELS


@pytest.fixture
def bundled(tmp_path, tiny_model, monkeypatch):
    """A weights folder with one bundled checkpoint, registered as slow_fusion_tiny.demo."""
    root = tmp_path / "weights"
    spec = save_pretrained(tiny_model, root / "slow_fusion_tiny.demo", tag="demo", labels=LABELS)
    register_weights(replace(spec, path="slow_fusion_tiny.demo"), root / INDEX_FILENAME)
    monkeypatch.setenv("KVZ_WEIGHTS_DIR", str(root))
    return root


def test_the_shipped_index_is_valid_and_every_entry_names_a_registered_model():
    from keras_video_zoo import list_models

    data = json.loads((weights_dir() / INDEX_FILENAME).read_text())
    assert data["format"] == "keras_video_zoo.weights_index" and data["version"] == 1
    assert all(spec.model in list_models() for spec in load_index().values())


@pytest.mark.parametrize("name", list_weights())
def test_every_registered_checkpoint_loads_with_its_hashes_and_parameter_count(name):
    spec = get_weights_spec(name)
    if spec.repo_id:
        pytest.skip(f"{name} is on the Hub ({spec.repo_id}); the suite runs without network")
    model = from_pretrained(name)  # verifies every file's sha256 against the index
    assert model.count_params() == spec.num_params
    assert [tuple(t.shape[1:]) for t in model.inputs] == [i.shape for i in spec.inputs]


def test_unknown_tag_lists_the_registered_ones(bundled):
    with pytest.raises(UnknownWeightsError, match=r"'slow_fusion_tiny.sports1m'\. Tags for 'slow_fusion_tiny': "):
        create_model("slow_fusion_tiny.sports1m")
    with pytest.raises(UnknownWeightsError, match=r"Registered weights: slow_fusion_tiny\.demo\."):
        from_pretrained("early_fusion_tiny.demo")


def test_an_empty_index_says_none_yet(tmp_path):
    with pytest.raises(UnknownWeightsError, match="No pretrained weights are registered as 'a.b'. .*none yet"):
        get_weights_spec("a.b", tmp_path / INDEX_FILENAME)
    assert list_weights(index_path=tmp_path / INDEX_FILENAME) == []


def test_registered_tag_loads_through_create_model_factories_and_from_pretrained(bundled, tiny_model, clips):
    expected = tiny_model.predict(clips, verbose=0)
    assert list_weights() == ["slow_fusion_tiny.demo"]
    by_name = create_model("slow_fusion_tiny.demo", num_classes=3)
    by_weights = create_model("slow_fusion_tiny", num_classes=3, weights="demo")
    loaded = from_pretrained("slow_fusion_tiny.demo")
    for model in (by_name, by_weights, loaded):
        np.testing.assert_array_equal(model.predict(clips, verbose=0), expected)


def test_weights_that_do_not_fit_say_how_the_checkpoint_was_made(bundled):
    with pytest.raises(ValueError, match=r"made with \{'num_classes': 3\}.*num_classes=N, transfer='top'"):
        create_model("slow_fusion_tiny.demo")  # the registry default is 10 classes
    with pytest.raises(UnknownWeightsError, match="'slow_fusion.demo'"):  # a factory looks up its own name
        slow_fusion(weights="demo", input_shape=(10, 64, 64, 3), width=0.125, fc_units=64, num_classes=3)


def test_factories_accept_a_weights_file_a_folder_and_refuse_other_values(tmp_path, tiny_model, clips):
    save_pretrained(tiny_model, tmp_path / "ckpt")
    tiny_model.save_weights(tmp_path / "w.weights.h5")
    for weights in (tmp_path / "ckpt", tmp_path / "w.weights.h5"):
        model = create_model("slow_fusion_tiny", num_classes=3, weights=weights)
        np.testing.assert_array_equal(model.predict(clips, verbose=0), tiny_model.predict(clips, verbose=0))
    with pytest.raises(ValueError, match="does not exist"):
        create_model("slow_fusion_tiny", weights=tmp_path / "missing.weights.h5")
    with pytest.raises(ValueError, match="weights must be None, a registered tag"):
        create_model("slow_fusion_tiny", weights="some/where.bin")


def test_index_entry_is_the_authority_over_the_folder_record(bundled):
    folder = bundled / "slow_fusion_tiny.demo"
    record = json.loads((folder / "keras_video_zoo.json").read_text())
    record["files"]["config.json"] = "0" * 64
    (folder / "keras_video_zoo.json").write_text(json.dumps(record))
    with pytest.raises(ChecksumError, match="not the registered one"):
        from_pretrained("slow_fusion_tiny.demo")


def test_hub_hosted_index_entry_is_pinned_and_verified(hub, hub_options, tiny_model, clips, tmp_path):
    published = push_to_hub(tiny_model, "me/tiny", endpoint=hub.url, token=hub.token, tag="hubdemo", labels=LABELS)
    index = tmp_path / "index" / INDEX_FILENAME
    register_weights(replace(published.spec, repo_id="me/tiny", revision=published.commit), index)
    push_to_hub(create_model("slow_fusion_tiny", num_classes=3), "me/tiny", endpoint=hub.url, token=hub.token)
    model = from_pretrained("slow_fusion_tiny.hubdemo", index_path=index, **hub_options)  # still the pinned commit
    np.testing.assert_array_equal(model.predict(clips, verbose=0), tiny_model.predict(clips, verbose=0))


def test_record_round_trips_and_refuses_unknown_fields():
    spec = WeightsSpec(
        "slow_fusion_tiny", "x", labels=("a",), num_classes=1, inputs=(InputSpec("clip", 10, 64, 64, 3),)
    )
    assert WeightsSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    with pytest.raises(ValueError, match=r"unknown fields \['colour'\]"):
        WeightsSpec.from_dict({**spec.to_dict(), "colour": "red"})
    with pytest.raises(ValueError, match="version 2"):
        WeightsSpec.from_dict({**spec.to_dict(), "version": 2})


def test_register_needs_a_location_a_tag_and_hashes(tmp_path):
    spec = WeightsSpec("slow_fusion_tiny", "x", files={"config.json": "0" * 64})
    with pytest.raises(ValueError, match="bundled .* or on the Hub"):
        register_weights(spec, tmp_path / INDEX_FILENAME)
    with pytest.raises(ValueError, match="needs a tag"):
        register_weights(replace(spec, tag="", path="x"), tmp_path / INDEX_FILENAME)
    with pytest.raises(ValueError, match="sha256"):
        register_weights(replace(spec, files={}, path="x"), tmp_path / INDEX_FILENAME)


def test_labels_must_match_the_classes(tmp_path, tiny_model):
    with pytest.raises(ValueError, match="labels has 2 names but model 'slow_fusion_tiny' has 3 classes"):
        save_pretrained(tiny_model, tmp_path / "ckpt", labels=["a", "b"])
