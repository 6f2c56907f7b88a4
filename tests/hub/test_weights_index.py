"""The weights index: pointers from "model.tag" names to checkpoint records, and the records themselves."""

import json
from dataclasses import replace

import numpy as np
import pytest

from keras_video_zoo import create_model, from_pretrained, list_models, push_to_hub, slow_fusion
from keras_video_zoo.checkpoints import PretrainedNotFoundError
from keras_video_zoo.hub import fetch_checkpoint, save_pretrained
from keras_video_zoo.weights import (
    INDEX_FILENAME,
    RECORD_FILENAME,
    ChecksumError,
    IndexEntry,
    InputSpec,
    WeightsIndexError,
    WeightsSpec,
    default_index_path,
    list_weights,
    load_index,
    read_record,
    register_folder,
    register_weights,
    sha256_file,
)
from tests.helpers.models import LABELS


@pytest.fixture
def bundled(tmp_path, tiny_model, monkeypatch):
    """A weights folder with one checkpoint, registered as slow_fusion_tiny.demo, in place of the bundled one."""
    root = tmp_path / "weights"
    save_pretrained(tiny_model, root / "slow_fusion_tiny.demo", tag="demo", labels=LABELS)
    register_folder(root / "slow_fusion_tiny.demo", root / INDEX_FILENAME)
    monkeypatch.setenv("KVZ_WEIGHTS_DIR", str(root))
    return root


def test_the_shipped_index_points_at_records_that_name_registered_models():
    data = json.loads(default_index_path().read_text())
    assert data["format"] == "keras_video_zoo.weights_index" and data["version"] == 2
    for name, entry in load_index().items():
        assert set(entry.to_dict()) == {"name", "path", "record_sha256"}  # a pointer, nothing more
        record = read_record(default_index_path().parent / entry.path)
        assert record.name == name and record.model in list_models()
        assert sha256_file(default_index_path().parent / entry.path / RECORD_FILENAME) == entry.record_sha256


@pytest.mark.parametrize("name", list_weights())
def test_every_registered_checkpoint_loads_with_its_hashes_and_parameter_count(name):
    model = from_pretrained(name)  # verifies the record's sha256, then every file's
    assert model.count_params() == model.record.num_params
    assert [tuple(t.shape[1:]) for t in model.inputs] == [i.shape for i in model.record.inputs]


def test_unknown_tag_lists_the_close_and_same_model_ones(bundled):
    with pytest.raises(PretrainedNotFoundError, match=r"'slow_fusion_tiny.sports1m'\. Tags for 'slow_fusion_tiny': "):
        create_model("slow_fusion_tiny.sports1m")
    with pytest.raises(PretrainedNotFoundError, match=r"Did you mean: slow_fusion_tiny\.demo\?"):
        from_pretrained("slow_fusion_tny.demo")
    with pytest.raises(PretrainedNotFoundError, match=r"Registered: slow_fusion_tiny\.demo\."):
        from_pretrained("two_stream.ucf101")


def test_a_missing_or_unreadable_index_says_what_is_wrong(tmp_path, monkeypatch):
    monkeypatch.setenv("KVZ_WEIGHTS_DIR", str(tmp_path))
    with pytest.raises(WeightsIndexError, match="index.json does not exist .*KVZ_WEIGHTS_DIR.*Reinstall"):
        list_weights()
    (tmp_path / INDEX_FILENAME).write_text("{not json")
    with pytest.raises(WeightsIndexError, match="cannot be read"):
        create_model("slow_fusion_tiny.synthetic")
    (tmp_path / INDEX_FILENAME).write_text('{"format": "keras_video_zoo.weights_index", "version": 1, "weights": []}')
    with pytest.raises(WeightsIndexError, match="version 1 indexes held whole records"):
        list_weights()


def test_registered_tag_loads_through_create_model_factories_and_from_pretrained(bundled, tiny_model, clips):
    expected = tiny_model.predict(clips, verbose=0)
    assert list_weights() == ["slow_fusion_tiny.demo"]
    by_name = create_model("slow_fusion_tiny.demo")  # rebuilt from the record's build arguments (3 classes)
    by_weights = create_model("slow_fusion_tiny", num_classes=3, weights="demo", name="renamed")
    loaded = from_pretrained("slow_fusion_tiny.demo")
    for model in (by_name, by_weights, loaded):
        np.testing.assert_array_equal(model.predict(clips, verbose=0), expected)
        assert model.record.labels == tuple(LABELS)
    assert by_weights.name == "renamed"  # name= does not change which checkpoint loads


def test_weights_for_other_classes_fill_all_but_the_head(bundled, tiny_model):
    model = create_model("slow_fusion_tiny", weights="demo")  # the variant's default is 10 classes
    assert model.output_shape == (None, 10) and model.record.labels == ()
    np.testing.assert_array_equal(model.get_layer("fc7").kernel, tiny_model.get_layer("fc7").kernel)
    with pytest.raises(ValueError, match=r"do not fit model .*'conv1' has weights"):
        create_model("slow_fusion_tiny", num_classes=3, width=0.25, weights="demo")
    with pytest.raises(PretrainedNotFoundError, match="'slow_fusion.demo'"):  # a factory looks up its own name
        slow_fusion(weights="demo", input_shape=(10, 64, 64, 3), width=0.125, fc_units=64, num_classes=3)


def test_factories_accept_a_weights_file_a_folder_and_refuse_other_values(tmp_path, tiny_model, clips):
    save_pretrained(tiny_model, tmp_path / "ckpt")
    tiny_model.save_weights(tmp_path / "w.weights.h5")
    for weights in (tmp_path / "ckpt", tmp_path / "w.weights.h5"):
        model = create_model("slow_fusion_tiny", num_classes=3, weights=weights)
        np.testing.assert_array_equal(model.predict(clips, verbose=0), tiny_model.predict(clips, verbose=0))
    with pytest.raises(ValueError, match="does not exist"):
        create_model("slow_fusion_tiny", weights=tmp_path / "missing.weights.h5")
    with pytest.raises(PretrainedNotFoundError, match="some/where.bin: no such folder or file"):
        create_model("slow_fusion_tiny", weights="some/where.bin")


def test_the_index_pins_the_record(bundled):
    folder = bundled / "slow_fusion_tiny.demo"
    record = json.loads((folder / RECORD_FILENAME).read_text())
    record["metrics"] = {"video_hit@1": 1.0}  # an edited record is another checkpoint
    (folder / RECORD_FILENAME).write_text(json.dumps(record))
    with pytest.raises(ChecksumError, match="not the registered one"):
        from_pretrained("slow_fusion_tiny.demo")


def test_hub_hosted_index_entry_is_pinned_and_verified(hub, hub_options, tiny_model, clips, tmp_path):
    published = push_to_hub(tiny_model, "me/tiny", endpoint=hub.url, token=hub.token, tag="hubdemo", labels=LABELS)
    record_file = fetch_checkpoint(f"hf://me/tiny@{published.commit}", **hub_options).directory / RECORD_FILENAME
    index = tmp_path / "index" / INDEX_FILENAME
    entry = IndexEntry(
        "slow_fusion_tiny.hubdemo", sha256_file(record_file), repo_id="me/tiny", revision=published.commit
    )
    register_weights(entry, index)
    push_to_hub(create_model("slow_fusion_tiny", num_classes=3), "me/tiny", endpoint=hub.url, token=hub.token)
    model = from_pretrained("slow_fusion_tiny.hubdemo", index_path=index, **hub_options)  # still the pinned commit
    np.testing.assert_array_equal(model.predict(clips, verbose=0), tiny_model.predict(clips, verbose=0))
    register_weights(replace(entry, record_sha256="0" * 64), index)
    with pytest.raises(ChecksumError, match="is not the registered one"):
        from_pretrained("slow_fusion_tiny.hubdemo", index_path=index, **hub_options)


def test_record_round_trips_reads_version_1_and_refuses_unknown_fields():
    spec = WeightsSpec(
        "slow_fusion_tiny", "x", labels=("a",), num_classes=1, inputs=(InputSpec("clip", 10, 64, 64, 3),)
    )
    assert WeightsSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    with pytest.raises(ValueError, match=r"unknown fields \['colour'\]"):
        WeightsSpec.from_dict({**spec.to_dict(), "colour": "red"})
    with pytest.raises(ValueError, match="versions 1 and 2"):
        WeightsSpec.from_dict({**spec.to_dict(), "version": 3})
    old = {**spec.to_dict(), "version": 1, "path": None, "repo_id": None, "revision": None, "model_kwargs": {"a": 1}}
    assert WeightsSpec.from_dict(old) == replace(spec, model_kwargs=None)  # not complete build arguments


def test_index_entries_need_a_name_a_location_and_a_hash(tmp_path):
    with pytest.raises(ValueError, match="bundled .* or on the Hub"):
        IndexEntry("slow_fusion_tiny.x", "0" * 64)
    with pytest.raises(ValueError, match="named 'model.tag'"):
        IndexEntry("slow_fusion_tiny", "0" * 64, path="x")
    with pytest.raises(ValueError, match="pinned revision"):
        IndexEntry("slow_fusion_tiny.x", "0" * 64, repo_id="me/x")
    with pytest.raises(ValueError, match="hex sha256"):
        IndexEntry("slow_fusion_tiny.x", "abc", path="x")


def test_register_folder_needs_a_tag_and_a_folder_beside_the_index(tmp_path, tiny_model):
    save_pretrained(tiny_model, tmp_path / "untagged")
    with pytest.raises(ValueError, match="needs a tag"):
        register_folder(tmp_path / "untagged", tmp_path / "weights" / INDEX_FILENAME)
    save_pretrained(tiny_model, tmp_path / "elsewhere", tag="x")
    with pytest.raises(ValueError, match="not inside"):
        register_folder(tmp_path / "elsewhere", tmp_path / "weights" / INDEX_FILENAME)


def test_labels_must_match_the_classes(tmp_path, tiny_model):
    with pytest.raises(ValueError, match="labels has 2 names but model 'slow_fusion_tiny' has 3 classes"):
        save_pretrained(tiny_model, tmp_path / "ckpt", labels=["a", "b"])
