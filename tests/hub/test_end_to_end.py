"""Publish -> download -> load with the real huggingface_hub client against a loopback Hub."""

import hashlib
import json
from pathlib import Path

import keras
import numpy as np
import pytest
from huggingface_hub import HfApi, ModelCard

from keras_video_zoo import from_pretrained, push_to_hub
from keras_video_zoo.hub import PretrainedNotFoundError, PretrainedUnavailableError, fetch_checkpoint
from keras_video_zoo.weights import ChecksumError
from tests.helpers.models import LABELS

RECORD = {
    "tag": "demo",
    "labels": LABELS,
    "metrics": {"video_hit@1": 0.75, "clip_hit@1": 0.5},
    "dataset": {"name": "kvz-synthetic-source", "split": 1},
    "recipe": {"command": "kvz train slow_fusion_tiny --epochs 1", "optimizer": "sgd"},
    "evaluation": {"protocol": "karpathy", "clips": 20, "views": 4},
    "base_model": "me/slow_fusion_tiny-sports",
    "license": "apache-2.0",
}


def _perturbed(model, seed):
    """The same architecture with different weights (a 'retrained' model)."""
    rng = np.random.default_rng(seed)
    clone = keras.models.clone_model(model)
    clone.set_weights([w + rng.normal(0, 0.05, w.shape).astype(w.dtype) for w in model.get_weights()])
    return clone


def test_publish_download_load_gives_identical_predictions(hub, hub_options, tiny_model, clips):
    published = push_to_hub(tiny_model, "me/tiny", endpoint=hub.url, token=hub.token, **RECORD)
    files = set(HfApi(endpoint=hub.url, token=hub.token).list_repo_files("me/tiny"))
    assert {"config.json", "metadata.json", "model.weights.h5", "keras_video_zoo.json", "README.md"} <= files

    model = from_pretrained("hf://me/tiny", **hub_options)
    np.testing.assert_array_equal(model.predict(clips, verbose=0), tiny_model.predict(clips, verbose=0))

    checkpoint = fetch_checkpoint("hf://me/tiny", **hub_options)
    assert checkpoint.commit == published.commit
    spec = checkpoint.record
    assert model.record.labels == tuple(LABELS) and model.record.metrics == RECORD["metrics"]
    assert spec.labels == tuple(LABELS) and spec.num_classes == 3 and spec.metrics == RECORD["metrics"]
    assert spec.num_params == tiny_model.count_params() and spec.inputs[0].shape == (10, 64, 64, 3)
    assert spec.recipe == RECORD["recipe"] and spec.dataset == RECORD["dataset"]
    for name, digest in spec.files.items():
        assert hashlib.sha256((checkpoint.directory / name).read_bytes()).hexdigest() == digest

    readme = HfApi(endpoint=hub.url).hf_hub_download("me/tiny", "README.md", cache_dir=hub_options["cache_dir"])
    card = ModelCard.load(readme)
    assert card.data.library_name == "keras" and card.data.base_model == "me/slow_fusion_tiny-sports"
    assert card.data.license == "apache-2.0" and card.data.eval_results[0].metric_value == 0.75
    assert card.data.datasets == ["kvz-synthetic-source"] and "video_hit@1" in card.data.metrics
    assert "slow_fusion_tiny" in card.data.tags and "hf://me/tiny" in card.text


def test_plain_keras_loads_the_published_folder(hub, hub_options, tiny_model, clips):
    push_to_hub(tiny_model, "me/tiny", endpoint=hub.url, token=hub.token)
    checkpoint = fetch_checkpoint("hf://me/tiny", **hub_options)
    model = keras.saving.load_model(checkpoint.directory, safe_mode=True)
    np.testing.assert_array_equal(model.predict(clips, verbose=0), tiny_model.predict(clips, verbose=0))


def test_second_revision_and_branch_are_pinned(hub, hub_options, tiny_model, clips):
    first = push_to_hub(tiny_model, "me/tiny", endpoint=hub.url, token=hub.token)
    retrained = _perturbed(tiny_model, seed=1)
    second = push_to_hub(retrained, "me/tiny", endpoint=hub.url, token=hub.token)
    branch_model = _perturbed(tiny_model, seed=2)
    on_branch = push_to_hub(branch_model, "me/tiny", revision="experiment", endpoint=hub.url, token=hub.token)
    assert len({first.commit, second.commit, on_branch.commit}) == 3

    def predictions(source, **kwargs):
        return from_pretrained(source, **hub_options, **kwargs).predict(clips, verbose=0)

    np.testing.assert_array_equal(predictions("hf://me/tiny"), retrained.predict(clips, verbose=0))
    np.testing.assert_array_equal(predictions(f"hf://me/tiny@{first.commit}"), tiny_model.predict(clips, verbose=0))
    on_experiment = predictions("hf://me/tiny", revision="experiment")
    np.testing.assert_array_equal(on_experiment, branch_model.predict(clips, verbose=0))
    assert not np.array_equal(on_experiment, tiny_model.predict(clips, verbose=0))
    refs = HfApi(endpoint=hub.url).list_repo_refs("me/tiny")
    assert {ref.name for ref in refs.branches} == {"main", "experiment"}


def test_offline_reload_from_the_cache(hub, hub_options, tiny_model, clips):
    push_to_hub(tiny_model, "me/tiny", endpoint=hub.url, token=hub.token)
    expected = from_pretrained("hf://me/tiny", **hub_options).predict(clips, verbose=0)
    hub.stop()  # no Hub at all from here on

    offline = from_pretrained("hf://me/tiny", local_files_only=True, **hub_options)
    np.testing.assert_array_equal(offline.predict(clips, verbose=0), expected)
    # Online mode with the Hub unreachable also falls back to the cache.
    np.testing.assert_array_equal(from_pretrained("hf://me/tiny", **hub_options).predict(clips, verbose=0), expected)

    with pytest.raises(PretrainedUnavailableError, match="not in the Hub cache .* downloads are off"):
        from_pretrained("hf://me/other", local_files_only=True, **hub_options)


def test_tampered_cached_file_is_refused_until_downloaded_again(hub, hub_options, tiny_model, clips):
    push_to_hub(tiny_model, "me/tiny", endpoint=hub.url, token=hub.token)
    checkpoint = fetch_checkpoint("hf://me/tiny", **hub_options)
    weights = (checkpoint.directory / "model.weights.h5").resolve()  # the cache blob behind the symlink
    data = bytearray(weights.read_bytes())
    data[-100] ^= 0xFF
    weights.write_bytes(bytes(data))

    with pytest.raises(ChecksumError, match=r"model\.weights\.h5 has sha256 .* refused"):
        from_pretrained("hf://me/tiny", **hub_options)
    with pytest.raises(ChecksumError):
        from_pretrained("hf://me/tiny", local_files_only=True, **hub_options)
    restored = from_pretrained("hf://me/tiny", force_download=True, **hub_options)
    np.testing.assert_array_equal(restored.predict(clips, verbose=0), tiny_model.predict(clips, verbose=0))


def test_file_replaced_on_the_hub_without_its_record_is_refused(hub, hub_options, tiny_model, tmp_path):
    push_to_hub(tiny_model, "me/tiny", endpoint=hub.url, token=hub.token)
    other = tmp_path / "other.weights.h5"
    _perturbed(tiny_model, seed=3).save_weights(other)
    HfApi(endpoint=hub.url, token=hub.token).upload_file(
        path_or_fileobj=str(other), path_in_repo="model.weights.h5", repo_id="me/tiny"
    )
    with pytest.raises(ChecksumError, match="modified or corrupted"):
        from_pretrained("hf://me/tiny", **hub_options)


def test_missing_repo_or_revision_gives_a_clear_error(hub, hub_options, tiny_model):
    push_to_hub(tiny_model, "me/tiny", endpoint=hub.url, token=hub.token)
    with pytest.raises(PretrainedNotFoundError, match="repository 'me/missing' was not found"):
        from_pretrained("hf://me/missing", **hub_options)
    with pytest.raises(PretrainedNotFoundError, match="revision 'v9' does not exist. Branches and tags: main"):
        from_pretrained("hf://me/tiny@v9", **hub_options)
    with pytest.raises(PretrainedNotFoundError, match="For a Hub repo write 'hf://me/tiny'"):
        from_pretrained("me/tiny", **hub_options)


def test_repo_without_a_record_is_not_a_zoo_checkpoint(hub, hub_options):
    api = HfApi(endpoint=hub.url, token=hub.token)
    api.create_repo("me/plain")
    api.upload_file(path_or_fileobj=b"{}", path_in_repo="config.json", repo_id="me/plain")
    with pytest.raises(PretrainedNotFoundError, match="not published by keras_video_zoo"):
        from_pretrained("hf://me/plain", **hub_options)


def test_private_repo_needs_a_token(hub, hub_options, tiny_model):
    push_to_hub(tiny_model, "me/secret", private=True, endpoint=hub.url, token=hub.token)
    assert HfApi(endpoint=hub.url, token=hub.token).model_info("me/secret").private
    with pytest.raises(PretrainedNotFoundError, match="for a private repo, log in"):
        from_pretrained("hf://me/secret", **{**hub_options, "token": False})
    assert from_pretrained("hf://me/secret", **hub_options).count_params() == tiny_model.count_params()


def test_a_card_written_by_a_person_is_never_overwritten(hub, tiny_model):
    api = HfApi(endpoint=hub.url, token=hub.token)
    api.create_repo("me/carded")
    card = "---\nlicense: mit\n---\n# My model\nWritten by hand.\n"
    api.upload_file(path_or_fileobj=card.encode(), path_in_repo="README.md", repo_id="me/carded")
    published = push_to_hub(tiny_model, "me/carded", endpoint=hub.url, token=hub.token)
    assert not published.card_written
    assert Path(api.hf_hub_download("me/carded", "README.md", revision=published.commit)).read_text() == card


def test_a_generated_card_is_refreshed(hub, tiny_model):
    push_to_hub(tiny_model, "me/tiny", endpoint=hub.url, token=hub.token, metrics={"video_hit@1": 0.1})
    again = push_to_hub(tiny_model, "me/tiny", endpoint=hub.url, token=hub.token, metrics={"video_hit@1": 0.9})
    assert again.card_written
    readme = HfApi(endpoint=hub.url).hf_hub_download("me/tiny", "README.md", revision=again.commit)
    assert "0.9" in Path(readme).read_text()


def test_new_classes_get_a_new_head_through_the_transfer_head_swap(hub, hub_options, tiny_model):
    push_to_hub(tiny_model, "me/tiny", endpoint=hub.url, token=hub.token, labels=LABELS, tag="demo")
    with pytest.raises(ValueError, match="transfer must be one of"):
        from_pretrained("hf://me/tiny", num_classes=5, transfer="fc8", **hub_options)

    every_layer = from_pretrained("hf://me/tiny", num_classes=5, seed=0, **hub_options)  # no transfer: all train
    assert every_layer.output_shape == (None, 5) and all(layer.trainable for layer in every_layer.layers)
    assert every_layer.record.labels == () and every_layer.record.base_model == "slow_fusion_tiny.demo"
    again = from_pretrained("hf://me/tiny", num_classes=5, seed=0, **hub_options)
    np.testing.assert_array_equal(every_layer.get_layer("predictions").kernel, again.get_layer("predictions").kernel)

    model = from_pretrained("hf://me/tiny", num_classes=5, transfer="top", **hub_options)
    assert model.output_shape == (None, 5)
    assert model.get_layer("predictions").trainable and not model.get_layer("fc7").trainable
    np.testing.assert_array_equal(model.get_layer("fc7").get_weights()[0], tiny_model.get_layer("fc7").get_weights()[0])


def test_lambda_layers_are_refused(tmp_path):
    from keras_video_zoo.hub import save_pretrained

    inputs = keras.Input((2, 8, 8, 3), name="clip")
    x = keras.layers.Flatten()(keras.layers.Lambda(lambda t: t * 2.0)(inputs))
    model = keras.Model(inputs, keras.layers.Dense(2, name="predictions")(x), name="lambda_model")
    save_pretrained(model, tmp_path / "ckpt")
    config = json.loads((tmp_path / "ckpt" / "config.json").read_text())
    assert "Lambda" in json.dumps(config)
    with pytest.raises(ValueError, match=r"\['Lambda'\] layers, which run arbitrary Python"):
        from_pretrained(tmp_path / "ckpt")


@pytest.mark.parametrize("name", ["slow_fusion_multires_tiny", "temporal_stream_multitask_tiny", "two_stream_tiny"])
def test_every_kind_of_model_round_trips_through_a_folder(name, tmp_path):
    from keras_video_zoo import create_model
    from keras_video_zoo.hub import save_pretrained
    from tests.helpers.models import random_clips

    model = create_model(name)
    spec = save_pretrained(model, tmp_path / "ckpt")
    assert [i.name for i in spec.inputs] == [t.name for t in model.inputs]
    assert spec.num_classes == ({"source": 10, "target": 5} if "multitask" in name else 10)
    inputs = random_clips(model)
    expected, loaded = model.predict(inputs, verbose=0), from_pretrained(tmp_path / "ckpt").predict(inputs, verbose=0)
    for key in expected if isinstance(expected, dict) else [None]:
        np.testing.assert_array_equal(loaded[key] if key else loaded, expected[key] if key else expected)
