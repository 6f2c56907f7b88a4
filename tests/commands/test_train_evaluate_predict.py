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
    model = keras.saving.load_model(trained_run / "model.keras")  # plain Keras reads it
    assert model.name == MODEL  # the un-augmented model
    assert model.output_shape == (None, 5)
    assert _epochs_logged(trained_run) == ["0"]
    assert (trained_run / "checkpoints" / "last.keras").is_file()
    class_names = list(ucf101(data_root, subset="train").class_names)
    assert json.loads((trained_run / "run.json").read_text())["classes"] == class_names
    # The run folder and its .keras are model SOURCEs that know their labels and rebuild with today's code.
    for source in (trained_run, trained_run / "model.keras"):
        loaded = create_model(source)
        assert list(loaded.record.labels) == class_names and loaded.record.inputs[0].shape == (1, 64, 64, 3)
        assert loaded.build_arguments.model == MODEL and loaded.record.model_kwargs == {"num_classes": 5}
        clip = np.zeros((1, 1, 64, 64, 3), "uint8")
        np.testing.assert_allclose(loaded.predict_on_batch(clip), model.predict_on_batch(clip), atol=1e-6)


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
        (["--model", "no_such_model"], "Unknown model 'no_such_model'"),
        (["--model", "slow_fusion_tiny.sythetic"], "Tags for 'slow_fusion_tiny': slow_fusion_tiny.synthetic."),
        (["--model", MODEL, "--transfer", "top"], "needs a checkpoint to transfer from"),
        (["--model", MODEL, "--recipe", "karpathy"], "epochs"),
        (["--model", "runs/nowhere"], "no such folder or file"),
    ],
)
def test_train_bad_input_exits_2_before_training(data_root, tmp_path, capsys, extra, message):
    run_dir = tmp_path / "run"
    assert main(["train", str(data_root), "--run-dir", str(run_dir), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kvz train:") and message in err
    assert not (run_dir / "model.keras").exists()


def test_model_is_never_read_as_an_abbreviation(capsys):
    with pytest.raises(SystemExit):
        main(["evaluate", "data", "--out", "x", "--model", MODEL, "--mod", MODEL])  # no abbreviated options
    assert "unrecognized arguments: --mod" in capsys.readouterr().err


def test_a_checkpoint_with_other_classes_gets_a_new_head(data_root, tmp_path, capsys):
    weights = tmp_path / "ten.keras"
    create_model(MODEL).save(weights)  # 10 classes, a plain Keras file; the dataset has 5
    argv = ["train", str(data_root), "--model", str(weights), "--run-dir", str(tmp_path / "run")]
    assert main([*argv, "--epochs", "1", "--batch-size", "8", "--no-progress"]) == 0
    trained = create_model(tmp_path / "run")
    assert trained.output_shape == (None, 5) and trained.record.base_model == str(weights)
    assert list(trained.record.labels) == list(ucf101(data_root, subset="train").class_names)


def test_finetune_top_changes_only_the_head(data_root, trained_run, tmp_path, capsys):
    run_dir = tmp_path / "finetune"
    weights = str(trained_run / "model.keras")
    argv = ["finetune", str(data_root), "--model", weights, "--transfer", "top", "--run-dir", str(run_dir)]
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


def test_finetune_a_bundled_checkpoint_on_other_classes(data_root, tmp_path, capsys):
    run_dir = tmp_path / "finetune"
    argv = ["finetune", str(data_root), "--model", "single_frame_tiny.synthetic", "--run-dir", str(run_dir)]
    assert main([*argv, "--epochs", "1", "--batch-size", "8", "--seed", "0", "--no-progress"]) == 0
    tuned = create_model(run_dir)
    assert tuned.output_shape == (None, 5) and tuned.record.base_model == "single_frame_tiny.synthetic"
    assert list(tuned.record.labels) == list(ucf101(data_root, subset="train").class_names)
    assert tuned.get_layer("fc6_dropout").rate == 0.9  # top3's dropout, restored from the saved model


def test_finetune_requires_a_model():
    with pytest.raises(SystemExit) as exit_info:
        main(["finetune", "data", "--run-dir", "run"])
    assert exit_info.value.code == 2


def test_evaluate_multi_view_protocol_writes_the_report(data_root, trained_run, tmp_path, capsys):
    out = tmp_path / "report"
    argv = ["evaluate", str(data_root), "--model", str(trained_run), "--out", str(out)]
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
    argv = ["evaluate", str(data_root), "--model", str(trained_run / "model.keras"), "--out", str(tmp_path)]
    assert main([*argv, *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kvz evaluate:") and message in err


def test_evaluate_missing_model_exits_2(data_root, tmp_path, capsys):
    argv = ["evaluate", str(data_root), "--model", str(tmp_path / "none.keras"), "--out", str(tmp_path)]
    assert main(argv) == 2
    assert "does not exist" in capsys.readouterr().err


def test_evaluate_refuses_a_model_of_other_classes(data_root, tmp_path, capsys):
    argv = ["evaluate", str(data_root), "--model", "single_frame_tiny.synthetic", "--out", str(tmp_path)]
    assert main(argv) == 2
    assert "are not the dataset's" in capsys.readouterr().err


def test_predict_gives_every_file_a_line_with_label_names_or_a_reason(data_root, trained_run, tmp_path, capsys):
    videos = sorted(data_root.rglob("*.avi"))[:2]
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(videos[1], folder)
    (folder / "notes.txt").write_text("not a video")
    (folder / "broken.avi").write_bytes(b"not a video either")
    argv = ["predict", str(videos[0]), str(folder), str(tmp_path / "missing.mp4"), "--model", str(trained_run)]
    assert main([*argv, "--top", "3"]) == 0  # the work completed; the bad files are reported
    captured = capsys.readouterr()
    lines = dict(line.split(": ", 1) for line in captured.out.splitlines())
    expected = [videos[0], folder / videos[1].name, folder / "broken.avi"]  # notes.txt is not a candidate
    assert sorted(lines) == sorted(map(str, [*expected, tmp_path / "missing.mp4"]))
    class_names = ucf101(data_root, subset="train").class_names
    for video in (videos[0], folder / videos[1].name):
        predictions = lines[str(video)].split(", ")
        assert len(predictions) == 3 and all(p.rsplit(" ", 1)[0] in class_names for p in predictions)
    assert lines[str(tmp_path / "missing.mp4")] == "skipped: no such file."
    assert lines[str(folder / "broken.avi")] == "skipped: not a video: a text file."
    assert "kvz predict: predicted 2 of 4 videos; 2 skipped (" in captured.err
    assert main([*argv, "--strict"]) == 1


def test_predict_with_a_bundled_tag_prints_its_class_names(data_root, capsys):
    video = str(next(data_root.rglob("*.avi")))
    assert main(["predict", video, "--model", "slow_fusion_tiny.synthetic", "--top", "10"]) == 0
    names = [item.rsplit(" ", 1)[0] for item in capsys.readouterr().out.split(": ", 1)[1].split(", ")]
    assert sorted(names) == sorted(create_model("slow_fusion_tiny.synthetic").record.labels)


def test_predict_labels_file_overrides_and_must_match(data_root, trained_run, tmp_path, capsys):
    video = str(next(data_root.rglob("*.avi")))
    model = str(trained_run / "model.keras")
    labels = tmp_path / "labels.txt"
    labels.write_text("a\nb\nc\nd\ne\n")
    assert main(["predict", video, "--model", model, "--labels", str(labels)]) == 0
    assert {p.rsplit(" ", 1)[0] for p in capsys.readouterr().out.split(": ")[1].split(", ")} == set("abcde")
    labels.write_text("a\nb\n")
    assert main(["predict", video, "--model", model, "--labels", str(labels)]) == 2
    assert "names 2 classes but the model predicts 5" in capsys.readouterr().err


def test_predict_scores_a_temporal_stream_on_flow_computed_on_the_fly(data_root, capsys):
    video = str(next(data_root.rglob("*.avi")))
    assert main(["predict", video, "--model", "temporal_stream_tiny.synthetic", "--clips", "2", "--top", "2"]) == 0
    line = capsys.readouterr().out.strip()
    names = create_model("temporal_stream_tiny.synthetic").record.labels
    assert line.startswith(f"{video}: ") and all(
        p.rsplit(" ", 1)[0] in names for p in line[len(video) + 2 :].split(", ")
    )
