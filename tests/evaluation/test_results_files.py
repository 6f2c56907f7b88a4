"""Reports: JSON round trip, Markdown, and PNG plots of sensible size."""

import csv
import json

import matplotlib.image
import numpy as np
import pytest

from keras_video_zoo import create_model
from keras_video_zoo.evaluation import (
    ap_difference_markdown,
    ap_difference_table,
    evaluate_video_scores,
    plots,
    read_results_json,
    results_markdown,
    write_report,
    write_results_json,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def check_png(path, min_side=100):
    assert path.read_bytes()[:8] == PNG_MAGIC
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and min(image.shape[:2]) >= min_side and image.shape[2] in (3, 4)
    assert image[..., :3].std() > 0  # not a blank canvas
    return image


@pytest.fixture
def results(rng):
    classes = [f"class_{i}" for i in range(6)]
    ids = [f"v{i}" for i in range(12) for _ in range(3)]
    labels = {f"v{i}": i % 6 for i in range(12)}
    return evaluate_video_scores(
        rng.random((36, 6)), ids, labels, class_names=classes, groups={"even": classes[::2]}, protocol={"clips": 3}
    )


def test_json_round_trip(tmp_path, results):
    results = {**results, "nan_metric": float("nan"), "array": np.arange(3), "scalar": np.float32(0.5)}
    path = write_results_json(results, tmp_path / "deep" / "results.json")
    loaded = read_results_json(path)
    assert loaded["nan_metric"] is None and loaded["array"] == [0, 1, 2] and loaded["scalar"] == 0.5
    assert loaded["per_class_ap"] == pytest.approx(results["per_class_ap"])
    assert loaded["confusion_matrix"] == results["confusion_matrix"]
    assert json.loads(path.read_text())["protocol"] == {"clips": 3}
    with pytest.raises(ValueError, match="Cannot read results from"):
        read_results_json(tmp_path / "missing.json")


def test_markdown(results):
    text = results_markdown(results, title="slow fusion")
    assert text.startswith("# slow fusion")
    assert f"| video_hit@1 | {100 * results['video_hit@1']:.1f} |" in text
    assert "## mAP per class group" in text and "| even |" in text
    assert "| class_5 |" in text and '"clips": 3' in text
    rows = ap_difference_table([0.2, 0.9], [0.6, 0.4], ["run", "swim"])
    assert ap_difference_markdown(rows, "single", "slow").splitlines()[2:] == [
        "| run | 20.0 | 60.0 | +40.0 |",
        "| swim | 90.0 | 40.0 | -50.0 |",
    ]


def test_write_report(tmp_path, results):
    written = write_report(results, tmp_path)
    assert set(written) == {"json", "markdown", "confusion_matrix", "per_class_ap"}
    check_png(written["confusion_matrix"])
    check_png(written["per_class_ap"])
    assert read_results_json(written["json"])["num_videos"] == 12


def test_training_curves(tmp_path):
    log = tmp_path / "log.csv"
    with open(log, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["epoch", "accuracy", "loss", "val_accuracy", "val_loss"])
        for epoch in range(5):
            writer.writerow([epoch, 0.2 * epoch, 2 - 0.3 * epoch, 0.15 * epoch, 2.1 - 0.2 * epoch])
    image = check_png(plots.plot_training_curves(log, tmp_path / "curves.png"))
    assert image.shape[1] > image.shape[0]  # two panels side by side
    with pytest.raises(ValueError, match="Cannot read the training log"):
        plots.plot_training_curves(tmp_path / "none.csv", tmp_path / "x.png")


def test_training_log_reads_keras_na_as_missing(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("epoch,loss,val_loss\n0,2.0,NA\n1,1.5,1.7\n")  # CSVLogger's "NA": not logged that epoch
    values = plots.read_training_log(log)
    assert values["loss"] == [2.0, 1.5] and np.isnan(values["val_loss"][0]) and values["val_loss"][1] == 1.7


@pytest.mark.parametrize(
    ("name", "slices"), [("slow_fusion_tiny", 4), ("early_fusion_tiny", 10), ("temporal_stream_tiny", 20)]
)
def test_first_layer_filters(tmp_path, name, slices):
    model = create_model(name)
    kernel = model.get_layer("conv1").get_weights()[0]
    images = plots.filter_slices(kernel)
    assert images.shape[:2] == (kernel.shape[-1], slices) and images.min() >= 0 and images.max() <= 1
    check_png(plots.plot_first_layer_filters(model, tmp_path / "filters.png"))


def test_first_layer_filters_of_multires_name_the_stream(tmp_path):
    model = create_model("slow_fusion_multires_tiny")
    with pytest.raises(ValueError, match=r"no layer 'conv1'; its first convs are \['fovea_conv1', 'context_conv1'\]"):
        plots.plot_first_layer_filters(model, tmp_path / "f.png")
    check_png(plots.plot_first_layer_filters(model, tmp_path / "f.png", layer_name="fovea_conv1"))


def test_top5_prediction_bars(tmp_path, rng):
    classes = [f"sport {i}" for i in range(20)]
    samples = [
        {
            "scores": rng.dirichlet(np.ones(20)),
            "labels": [i],
            "title": f"video {i}",
            "frame": rng.integers(0, 255, (32, 48, 3), dtype=np.uint8),
        }
        for i in range(5)
    ]
    check_png(plots.plot_top5_predictions(samples, classes, tmp_path / "top5.png"), min_side=300)
    with pytest.raises(ValueError, match=r"scores of shape \(3,\), expected \(20,\)"):
        plots.plot_top5_predictions([{"scores": [0.1, 0.2, 0.7]}], classes, tmp_path / "bad.png")
