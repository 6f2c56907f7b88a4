"""The two-stream paper's recipe from a real start, end to end on generated files, as the README tells it.

CNN-M-2048 (a width-scaled look-alike of VGG's ImageNet file) -> kvz convert -> kvz finetune --transfer all
--cross-modality (the spatial stream fine-tuned, the temporal stream started from it, fused) -> kvz evaluate ->
kvz push; and a converted very deep pair (the CUHK files' look-alikes) fused in Python -> kvz evaluate and
kvz predict straight away.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from keras_video_zoo import create_model, two_stream
from keras_video_zoo.cli import main
from keras_video_zoo.convert import lookalikes as fx
from keras_video_zoo.data import generate_dataset
from keras_video_zoo.hub import save_pretrained


@pytest.fixture(scope="module")
def data_and_flow(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("data")
    data = generate_dataset(root, kind="target", videos_per_class=4, groups=2, size=(80, 80), frames=14)
    flow = root / "flow"
    assert main(["flow", str(data), str(flow), "--layout", "ucf101", "--subset", "all", "--no-progress"]) == 0
    return data, flow


def test_imagenet_cnn_m_to_a_fine_tuned_fused_two_stream_model_on_the_hub(data_and_flow, tmp_path, hub):
    data, flow = data_and_flow
    rng = np.random.default_rng(0)
    source = fx.write_caffemodel(tmp_path / "VGG_CNN_M_2048.caffemodel", fx.cnn_m_2048(rng, size=64, classes=1000),
                                 input_dims=[1, 3, 64, 64])  # fmt: skip
    assert main(["convert", str(source), str(tmp_path / "cnn_m")]) == 0
    run = tmp_path / "runs" / "two_stream"
    argv = ["finetune", str(data), "--layout", "ucf101", "--model", str(tmp_path / "cnn_m"), "--transfer", "all",
            "--cross-modality", "--flow", str(flow), "--run-dir", str(run), "--recipe", "small_adam", "--epochs", "1",
            "--batch-size", "8", "--seed", "0", "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    assert (run / "spatial" / "log.csv").is_file() and (run / "temporal" / "log.csv").is_file()
    fused = create_model(str(run))
    streams = {layer.name: layer for layer in fused.layers if hasattr(layer, "layers")}
    assert set(streams) == {"spatial_stream", "temporal_stream"}
    assert fused.record.base_model == str(tmp_path / "cnn_m")
    out = tmp_path / "report"
    evaluate = ["evaluate", str(data), "--layout", "ucf101", "--subset", "test", "--model", str(run), "--flow",
                str(flow), "--out", str(out), "--clips", "2", "--no-plots", "--no-progress"]  # fmt: skip
    assert main(evaluate) == 0
    assert set(json.loads((out / "results.json").read_text())["streams"]) == {"spatial", "temporal"}
    # huggingface_hub reads HF_ENDPOINT when it is imported: push from a process of its own, as a user does.
    env = {**os.environ, "HF_ENDPOINT": hub.url, "HF_TOKEN": hub.token, "HF_HOME": str(tmp_path / "hf-home")}
    push = [sys.executable, "-m", "keras_video_zoo.cli", "push", "me/two-stream-from-imagenet", "--model", str(run)]
    done = subprocess.run(push, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Published two_stream" in done.stdout


def test_a_converted_very_deep_pair_evaluates_and_predicts_straight_away(data_and_flow, tmp_path, capsys):
    data, flow = data_and_flow
    rng = np.random.default_rng(1)
    classes = sorted(p.name for p in (data / "UCF-101").iterdir())
    labels = tmp_path / "classInd_names.txt"
    labels.write_text("\n".join(classes) + "\n")
    for kind, channels in (("spatial", 3), ("temporal", 20)):
        layers = fx.vgg16(rng, size=64, classes=len(classes), channels=channels)
        source = fx.write_caffemodel(tmp_path / f"cuhk_action_{kind}_vgg_16_split1.caffemodel", layers,
                                     input_dims=[1, channels, 64, 64])  # fmt: skip
        assert main(["convert", str(source), str(tmp_path / kind), "--labels", str(labels)]) == 0
    spatial, temporal = create_model(str(tmp_path / "spatial")), create_model(str(tmp_path / "temporal"))
    assert spatial.record.dataset == {"name": "ucf101", "split": 1}
    save_pretrained(two_stream(spatial, temporal), tmp_path / "pair", labels=spatial.record.labels,
                    dataset=spatial.record.dataset, license=spatial.record.license)  # fmt: skip
    out = tmp_path / "report"
    evaluate = ["evaluate", str(data), "--layout", "ucf101", "--subset", "test", "--model", str(tmp_path / "pair"),
                "--flow", str(flow), "--out", str(out), "--clips", "2", "--no-plots", "--no-progress"]  # fmt: skip
    assert main(evaluate) == 0
    results = json.loads((out / "results.json").read_text())
    assert results["num_videos"] == 10 and set(results["streams"]) == {"spatial", "temporal"}
    capsys.readouterr()
    video = next((data / "UCF-101" / classes[0]).glob("*.avi"))
    assert main(["predict", str(video), "--model", str(tmp_path / "pair"), "--clips", "2", "--top", "2"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"{video}: ") and any(name in printed for name in classes)
