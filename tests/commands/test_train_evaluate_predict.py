"""kvz train / finetune / evaluate / predict end to end on a tiny generated dataset."""

import csv
import importlib
import json
import shutil
from pathlib import Path

import keras
import numpy as np
import pytest

from keras_video_zoo import create_model
from keras_video_zoo.cli import build_parser, main
from keras_video_zoo.data import generate_dataset
from keras_video_zoo.data.layouts import ucf101

MODEL = "single_frame_tiny"


@pytest.fixture(scope="module")
def data_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("data")
    # 5 target classes x 4 videos in 2 groups: 10 train and 10 test videos of 48x48, 12 frames.
    return generate_dataset(root, kind="target", videos_per_class=4, groups=2, size=(48, 48), frames=12)


@pytest.fixture(scope="module")
def trained_run(data_root, tmp_path_factory) -> Path:
    run_dir = tmp_path_factory.mktemp("run")
    argv = ["train", str(data_root), "--model", MODEL, "--run-dir", str(run_dir), "--epochs", "1"]
    assert main([*argv, "--batch-size", "8", "--seed", "0", "--no-progress"]) == 0
    return run_dir


def _epochs_logged(run_dir: Path) -> list[str]:
    with open(run_dir / "log.csv") as log:
        return [row["epoch"] for row in csv.DictReader(log)]


def test_commands_are_listed_in_help():
    text = build_parser().format_help()
    for name in ("train", "finetune", "evaluate", "predict"):
        assert name in text


def test_train_saves_the_plain_model_logs_one_epoch_and_names_the_classes(data_root, trained_run):
    model = keras.saving.load_model(trained_run / "model.keras")
    assert model.name == MODEL  # the un-augmented model
    assert model.output_shape == (None, 5)
    assert _epochs_logged(trained_run) == ["0"]
    assert (trained_run / "checkpoints" / "last.keras").is_file()
    run_info = json.loads((trained_run / "run.json").read_text())
    assert run_info["classes"] == list(ucf101(data_root, subset="train").class_names)


def test_rerun_of_a_finished_run_trains_no_more(data_root, trained_run, capsys):
    saved = (trained_run / "model.keras").stat().st_mtime_ns
    argv = ["train", str(data_root), "--model", MODEL, "--run-dir", str(trained_run), "--epochs", "1"]
    assert main([*argv, "--batch-size", "8", "--no-progress"]) == 0
    assert "already finished" in capsys.readouterr().err
    assert _epochs_logged(trained_run) == ["0"]
    assert (trained_run / "model.keras").stat().st_mtime_ns == saved


class _Interrupt(keras.callbacks.Callback):
    """Kills the run after its first epoch, once that epoch's backup is written."""

    def on_epoch_end(self, epoch, logs=None):
        raise KeyboardInterrupt


def test_interrupted_run_resumes_where_it_stopped(data_root, tmp_path, monkeypatch):
    fit_module = importlib.import_module("keras_video_zoo.training.video_training")  # where kvz train calls fit
    real_fit = fit_module.fit
    argv = ["train", str(data_root), "--model", MODEL, "--run-dir", str(tmp_path), "--epochs", "2"]
    argv += ["--batch-size", "8", "--seed", "0", "--no-progress"]
    with monkeypatch.context() as patch:
        patch.setattr(fit_module, "fit", lambda *a, **k: real_fit(*a, callbacks=[_Interrupt()], **k))
        with pytest.raises(KeyboardInterrupt):
            main(argv)
    assert _epochs_logged(tmp_path) == ["0"] and not (tmp_path / "model.keras").exists()
    assert main(argv) == 0
    assert _epochs_logged(tmp_path) == ["0", "1"]  # epoch 0 is not trained again
    assert (tmp_path / "model.keras").is_file()


def test_train_prints_the_trainable_report(data_root, tmp_path, capsys):
    argv = ["train", str(data_root), "--model", MODEL, "--run-dir", str(tmp_path / "run"), "--epochs", "1"]
    assert main([*argv, "--batch-size", "16", "--frames", "1", "--seed", "1", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "| predictions | 325 | 0 |" in out  # 64 fc7 features x 5 classes + 5 biases
    assert "| total |" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--model", "no_such_model"], "no_such_model"),
        (["--model", MODEL, "--transfer", "top"], "needs --weights"),
        (["--model", MODEL, "--recipe", "karpathy"], "epochs"),
        ([], "name a model with --model"),
    ],
)
def test_train_bad_input_exits_2_before_training(data_root, tmp_path, capsys, extra, message):
    run_dir = tmp_path / "run"
    assert main(["train", str(data_root), "--run-dir", str(run_dir), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kvz train:") and message in err
    assert not (run_dir / "model.keras").exists()


def test_train_weights_with_other_classes_need_a_transfer_mode(data_root, tmp_path, capsys):
    weights = tmp_path / "ten.keras"
    create_model(MODEL).save(weights)  # 10 classes; the dataset has 5
    argv = ["train", str(data_root), "--weights", str(weights), "--run-dir", str(tmp_path / "run")]
    assert main([*argv, "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert "5 classes" in err and "predicts 10" in err


def test_finetune_top_changes_only_the_head(data_root, trained_run, tmp_path, capsys):
    run_dir = tmp_path / "finetune"
    weights = str(trained_run / "model.keras")
    argv = ["finetune", str(data_root), "--weights", weights, "--transfer", "top", "--run-dir", str(run_dir)]
    assert main([*argv, "--epochs", "1", "--batch-size", "8", "--seed", "0", "--no-progress"]) == 0
    assert "| conv1 | 0 | 4,368 |" in capsys.readouterr().out  # frozen
    before = keras.saving.load_model(weights)
    after = keras.saving.load_model(run_dir / "model.keras")
    for layer in before.layers:
        for old, new in zip(layer.get_weights(), after.get_layer(layer.name).get_weights(), strict=True):
            if layer.name == "predictions":
                assert not np.allclose(old, new), layer.name
            else:
                np.testing.assert_array_equal(old, new, err_msg=layer.name)


def test_finetune_requires_weights():
    with pytest.raises(SystemExit) as exit_info:
        main(["finetune", "data", "--run-dir", "run"])
    assert exit_info.value.code == 2


def test_evaluate_multi_view_protocol_writes_the_report(data_root, trained_run, tmp_path, capsys):
    out = tmp_path / "report"
    argv = ["evaluate", str(data_root), "--model-path", str(trained_run / "model.keras"), "--out", str(out)]
    assert main([*argv, "--protocol", "karpathy", "--clips", "2", "--no-progress"]) == 0
    captured = capsys.readouterr()
    assert "| video_hit@1 |" in captured.out
    assert str(out / "results.md") in captured.err
    results = json.loads((out / "results.json").read_text())
    assert results["protocol"]["name"] == "karpathy"
    assert results["protocol"]["clips"] == 2 and len(results["protocol"]["views"]) == 4
    assert results["num_videos"] == 10 and results["num_views"] == 20  # 2 clips per video, 4 views averaged each
    assert 0.0 <= results["video_hit@1"] <= results["video_hit@5"] == 1.0  # top-5 of 5 classes always hits
    for name in ("results.md", "confusion_matrix.png", "per_class_ap.png"):
        assert (out / name).stat().st_size > 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [(["--protocol", "uniform:x"], "unknown protocol"), (["--protocol", "uniform:2", "--clips", "3"], "--clips")],
)
def test_evaluate_bad_protocol_exits_2(data_root, trained_run, tmp_path, capsys, extra, message):
    argv = ["evaluate", str(data_root), "--model-path", str(trained_run / "model.keras"), "--out", str(tmp_path)]
    assert main([*argv, *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kvz evaluate:") and message in err


def test_evaluate_missing_model_exits_2(data_root, tmp_path, capsys):
    argv = ["evaluate", str(data_root), "--model-path", str(tmp_path / "none.keras"), "--out", str(tmp_path)]
    assert main(argv) == 2
    assert "does not exist" in capsys.readouterr().err


def test_predict_prints_top_classes_and_reports_bad_paths(data_root, trained_run, tmp_path, capsys):
    videos = sorted(data_root.rglob("*.avi"))[:2]
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(videos[1], folder)
    (folder / "notes.txt").write_text("not a video")
    (folder / "broken.avi").write_bytes(b"not a video either")
    model_path = str(trained_run / "model.keras")
    argv = ["predict", str(videos[0]), str(folder), str(tmp_path / "missing.mp4"), "--model-path", model_path]
    assert main([*argv, "--top", "3"]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert [line.split(": ")[0] for line in lines] == [str(videos[0]), str(folder / videos[1].name)]
    class_names = ucf101(data_root, subset="train").class_names
    for line in lines:
        predictions = line.split(": ")[1].split(", ")
        assert len(predictions) == 3 and all(p.rsplit(" ", 1)[0] in class_names for p in predictions)
    assert "missing.mp4 does not exist" in captured.err
    assert "skipped 1 files that are not videos" in captured.err
    assert "broken.avi" in captured.err
    assert all(line.startswith("kvz predict:") for line in captured.err.splitlines() if "kvz" in line)


def test_predict_good_videos_exit_0_and_labels_file_must_match(data_root, trained_run, tmp_path, capsys):
    video = str(next(data_root.rglob("*.avi")))
    model_path = str(trained_run / "model.keras")
    labels = tmp_path / "labels.txt"
    labels.write_text("a\nb\nc\nd\ne\n")
    assert main(["predict", video, "--model-path", model_path, "--labels", str(labels)]) == 0
    assert len(capsys.readouterr().out.split(": ")[1].split(", ")) == 5
    labels.write_text("a\nb\n")
    assert main(["predict", video, "--model-path", model_path, "--labels", str(labels)]) == 2
    assert "names 2 classes but the model predicts 5" in capsys.readouterr().err
