"""Simonyan & Zisserman 2014, Tables 1-3 in miniature, on the synthetic source and target sets.

- Table 1: the spatial stream, the temporal stream (L = 10 forward fields) and their
  fusion by averaging and by a linear SVM on L2-normalised video scores (fitted on the
  training videos' scores, as the paper).
- Table 2: the temporal stream's input: L = 1, 5, 10 forward fields with and without
  mean flow subtraction, trajectory stacking (L = 10) and bidirectional stacking
  (5 forward + 5 backward fields).
- Table 3: multi-task training: one temporal stream with a head per dataset, trained on
  the source and target sets at once (each head's loss on its own samples,
  ``keras_video_zoo.training.multitask``), against training on the target set alone;
  tested on the target set (the small dataset, HMDB-51's role in the paper).

Every stream is trained the way the bundled two-stream weights are
(``weights/train_bundled.py``: ``small_adam``, dropout 0.2, batch 16, 4 random stacks
per video and epoch, mirroring) and tested with the two-stream protocol (evenly spaced
samples x 10 crops). Reported: video hit@1 (the paper's accuracy) as mean ± std over
training seeds, overall and on the motion- and appearance-defined classes.

Run (about 15 minutes on 2 otherwise idle CPU cores)::

    python benchmarks/simonyan_tables.py                  # full: 3 seeds
    python benchmarks/simonyan_tables.py --quick          # 1 seed, 1 epoch, few videos (development)
    python benchmarks/simonyan_tables.py --update-readme  # also refresh README.md's tables

Results: benchmarks/results/simonyan_tables.json and .md.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import experiments as ex
import keras
import numpy as np
import tensorflow as tf

from keras_video_zoo import create_model, two_stream
from keras_video_zoo.data.layouts import ucf101
from keras_video_zoo.data.pipelines import training_dataset
from keras_video_zoo.data.sampling import TwoStreamProtocol
from keras_video_zoo.data.synthetic_dataset import class_kind_groups, default_data_dir
from keras_video_zoo.evaluation.score_fusion import fit_svm_fusion
from keras_video_zoo.evaluation.video_evaluation import evaluate_on_flow, evaluate_on_videos, evaluate_video_scores
from keras_video_zoo.flow.sources import FlowFolders
from keras_video_zoo.layers.clip_augmentation import ClipAugmentation
from keras_video_zoo.markdown import markdown_table
from keras_video_zoo.training.fit import fit
from keras_video_zoo.training.multitask import IGNORE_LABEL
from keras_video_zoo.views import CENTRE

NAME = "simonyan_tables"
DEFAULTS = {"seeds": [0, 1, 2], "epochs": 5, "eval_clips": 5}
QUICK = {"seeds": [0], "epochs": 1, "eval_clips": 2, "train_per_class": 3, "test_per_class": 2}
SVM_TRAIN_CLIPS = 5  # evenly spaced centre-crop samples per training video for the SVM's features


@dataclass(frozen=True)
class FlowInput:
    """One temporal-stream input configuration of Table 2.

    Attributes:
        key: its name in the results.
        label: its row in the table.
        fields: the model's input length (``2 x L/2`` for bidirectional).
        mode: the stacking (``forward``, ``trajectory``, ``bidirectional``).
        mean_subtraction: subtract each field's mean displacement inside the model.
    """

    key: str
    label: str
    fields: int
    mode: str = "forward"
    mean_subtraction: bool = True

    def build(self, num_classes: int | dict[str, int], name: str = "temporal_stream_tiny") -> keras.Model:
        return create_model(
            name,
            num_classes=num_classes,
            dropout=ex.DROPOUT,
            input_shape=(self.fields, 64, 64, 2),
            mean_flow_subtraction=self.mean_subtraction,
            bidirectional=self.mode == "bidirectional",
        )


TEMPORAL = FlowInput("L10", "optical flow stacking, L = 10", 10)
FLOW_INPUTS = (
    FlowInput("L1", "single field, L = 1", 1),
    FlowInput("L5", "optical flow stacking, L = 5", 5),
    TEMPORAL,
    FlowInput("trajectory_L10", "trajectory stacking, L = 10", 10, "trajectory"),
    FlowInput("bidirectional_L5", "bidirectional optical flow stacking, L = 5 + 5", 10, "bidirectional"),
)
# Table 2 varies mean subtraction for plain stacking only (as the paper's left column).
FLOW_INPUTS_WITHOUT_MEAN = tuple(
    FlowInput(f"{f.key}_no_mean", f.label, f.fields, f.mode, mean_subtraction=False) for f in FLOW_INPUTS[:3]
)


def protocol(clips: int, frames: int, views=None) -> TwoStreamProtocol:
    return TwoStreamProtocol(clips=clips, frames=frames, **({} if views is None else {"views": views}))


def train_temporal(model, train, flow_root, *, mode: str, epochs: int, seed: int) -> float:
    return ex.timed_training(
        lambda run_dir: ex.train_flow(model, train, flow_root, run_dir=run_dir, epochs=epochs, mode=mode, seed=seed)
    )


def fused_results(video_ids: list[str], scores: np.ndarray, reference: dict, kind: str) -> dict:
    """Metrics of fused video scores (no clip scores: clip hit@1 does not apply)."""
    labels = dict(zip(reference["video_ids"], [tuple(label) for label in reference["video_labels"]], strict=True))
    results = evaluate_video_scores(
        scores, video_ids, labels, class_names=reference["class_names"], groups=class_kind_groups(kind)
    )
    results["clip_hit@1"] = None
    return results


def svm_fused_scores(spatial, temporal, train_scores: list[dict], test_scores: list[dict], seed: int):
    """The paper's SVM fusion: a linear SVM on the L2-normalised softmax scores of both streams.

    Fitted on the training videos' scores with :func:`fit_svm_fusion`; returns the test
    videos' ids and SVM decision values.
    """
    from sklearn.preprocessing import normalize

    model = two_stream(spatial, temporal, fusion="svm")
    train_ids = list(train_scores[0]["video_ids"])
    features = [ex.aligned_video_scores(r, train_ids) for r in train_scores]
    labels = np.asarray([label[0] for label in train_scores[0]["video_labels"]])  # in train_ids' order
    svm = fit_svm_fusion(model, features, labels, random_state=seed)
    test_ids = list(test_scores[0]["video_ids"])
    test_features = np.hstack([normalize(ex.aligned_video_scores(r, test_ids)) for r in test_scores])
    keras.backend.clear_session(free_memory=True)
    return test_ids, svm.decision_function(test_features)


def multitask_training_data(sets: dict, heads: list[str], fields: int, seed: int) -> tf.data.Dataset:
    """Mixed batches of flow stacks from several datasets; a sample's label is ``IGNORE_LABEL`` for other heads.

    Args:
        sets: ``{head: (VideoDataset, flow_root)}``.
        heads: the model's heads.
        fields: flow fields per stack.
        seed: order, stacks, crops and flips.
    """
    streams = []
    crop = ClipAugmentation(64, resize=None, centre_square=False, flow="uint8", seed=seed)  # random crop + flip
    for head, (videos, flow_root) in sets.items():
        stacks = training_dataset(FlowFolders(videos, flow_root, fields=fields), batch_size=ex.BATCH_SIZE, seed=seed)
        stacks = stacks.map(lambda flow, label: (tf.cast(crop(flow, training=True), tf.uint8), label)).unbatch()

        def relabel(flow, label, head=head):
            return flow, {h: label if h == head else tf.fill(tf.shape(label), IGNORE_LABEL) for h in heads}

        streams.append(stacks.map(relabel).repeat())
    sizes = np.array([len(videos) for videos, _ in sets.values()], np.float64)
    mixed = tf.data.Dataset.sample_from_datasets(streams, weights=list(sizes / sizes.sum()), seed=seed)
    return mixed.batch(ex.BATCH_SIZE).prefetch(tf.data.AUTOTUNE)


def run_seed(seed: int, data: dict, args: argparse.Namespace) -> dict:
    """Every model of the three tables, trained and tested with one seed: {key: {metrics, train_seconds}}."""
    out: dict[str, dict] = {}
    groups = class_kind_groups("source")
    test_protocol = protocol(args.eval_clips, 1)
    svm_protocol = protocol(SVM_TRAIN_CLIPS, 1, views=(CENTRE,))

    def record(key: str, results: dict, seconds: float | None = None) -> None:
        out[key] = {"metrics": ex.flat_metrics(results)}
        if seconds is not None:
            out[key]["train_seconds"] = round(seconds, 1)
        m = out[key]["metrics"]
        ex.log(
            f"seed {seed} {key}: video hit@1 {m['video_hit@1']:.3f} (motion {m.get('video_hit@1_motion', 0):.3f}, "
            f"appearance {m.get('video_hit@1_appearance', 0):.3f})" + (f" in {seconds:.0f} s" if seconds else "")
        )

    # Table 1: spatial, temporal and their fusions.
    keras.utils.set_random_seed(seed)
    spatial = create_model("spatial_stream_tiny", num_classes=10, dropout=ex.DROPOUT)
    seconds = ex.timed_training(
        lambda run_dir: ex.train_rgb(spatial, data["source_train"], run_dir=run_dir, epochs=args.epochs, seed=seed)
    )
    spatial_test = evaluate_on_videos(spatial, data["source_test"], test_protocol, groups=groups, progress=False)
    spatial_train = evaluate_on_videos(spatial, data["source_train"], svm_protocol, progress=False)
    record("spatial", spatial_test, seconds)

    stream_tests = {}
    for flow_input in (*FLOW_INPUTS, *FLOW_INPUTS_WITHOUT_MEAN):
        keras.utils.set_random_seed(seed)
        model = flow_input.build(10)
        seconds = train_temporal(
            model, data["source_train"], data["source_flow"], mode=flow_input.mode, epochs=args.epochs, seed=seed
        )
        flow_protocol = protocol(args.eval_clips, flow_input.fields)
        results = ex.evaluate_flow(
            model, data["source_test"], data["source_flow"], flow_protocol, mode=flow_input.mode, groups=groups
        )
        stream_tests[flow_input.key] = results
        record(f"temporal_{flow_input.key}", results, seconds)
        if flow_input == TEMPORAL:
            svm_flow_protocol = protocol(SVM_TRAIN_CLIPS, flow_input.fields, views=(CENTRE,))
            temporal_train = ex.evaluate_flow(
                model, data["source_train"], data["source_flow"], svm_flow_protocol, mode=flow_input.mode
            )
            ids, scores = ex.average_video_scores([spatial_test, results])
            record("fusion_average", fused_results(ids, scores, results, "source"))
            ids, scores = svm_fused_scores(
                spatial, model, [spatial_train, temporal_train], [spatial_test, results], seed
            )
            record("fusion_svm", fused_results(ids, scores, results, "source"))
        keras.backend.clear_session(free_memory=True)

    # Table 3: the target set alone against multi-task training on source + target.
    target_groups = class_kind_groups("target")
    target_protocol = protocol(args.eval_clips, TEMPORAL.fields)
    keras.utils.set_random_seed(seed)
    single = TEMPORAL.build(data["target_train"].num_classes)
    seconds = train_temporal(
        single, data["target_train"], data["target_flow"], mode="forward", epochs=args.epochs, seed=seed
    )
    results = evaluate_on_flow(
        single, data["target_test"], data["target_flow"], target_protocol, groups=target_groups, progress=False
    )
    record("target_single_task", results, seconds)
    keras.backend.clear_session(free_memory=True)

    keras.utils.set_random_seed(seed)
    heads = {"source": 10, "target": data["target_train"].num_classes}
    multitask = TEMPORAL.build(heads, name="temporal_stream_multitask_tiny")
    sets = {
        "source": (data["source_train"], data["source_flow"]),
        "target": (data["target_train"], data["target_flow"]),
    }
    videos = sum(len(videos) for videos, _ in sets.values())
    seconds = ex.timed_training(
        lambda run_dir: fit(
            multitask,
            multitask_training_data(sets, list(heads), TEMPORAL.fields, seed),
            run_dir=run_dir,
            recipe=ex.RECIPE,
            epochs=args.epochs,
            steps_per_epoch=math.ceil(videos * ex.CLIPS_PER_VIDEO / ex.BATCH_SIZE),
            classes=heads,
            dataset_size=videos,
            batch_size=ex.BATCH_SIZE,
            verbose=0,
        )
    )
    for head, kind in (("target", "target"), ("source", "source")):
        one_head = keras.Model(multitask.inputs, multitask.output[head])
        results = evaluate_on_flow(
            one_head,
            data[f"{kind}_test"],
            data[f"{kind}_flow"],
            target_protocol,
            groups=class_kind_groups(kind),
            progress=False,
        )
        record(f"{kind}_multitask", results, seconds if head == "target" else None)
    keras.backend.clear_session(free_memory=True)
    return out


def tables(summary: dict, setup: dict) -> list[tuple[str, str]]:
    """(title, Markdown table) for Tables 1-3 from {key: {metric: seed summary}}."""
    cell = ex.mean_std_cell

    def hits(key: str) -> list[str]:
        m = summary.get(key, {})
        return [cell(m.get("video_hit@1")), cell(m.get("video_hit@1_motion")), cell(m.get("video_hit@1_appearance"))]

    hit_columns = ("video hit@1", "motion classes", "appearance classes")
    table1 = markdown_table(
        ("model", *hit_columns),
        [
            ["Spatial ConvNet (`spatial_stream_tiny`)", *hits("spatial")],
            ["Temporal ConvNet (`temporal_stream_tiny`, L = 10)", *hits(f"temporal_{TEMPORAL.key}")],
            ["Two-stream, fusion by averaging", *hits("fusion_average")],
            ["Two-stream, fusion by SVM", *hits("fusion_svm")],
        ],
    )
    rows2 = []
    for flow_input in FLOW_INPUTS:
        with_mean = summary.get(f"temporal_{flow_input.key}", {})
        without = summary.get(f"temporal_{flow_input.key}_no_mean", {})
        rows2.append(
            [
                flow_input.label,
                cell(without.get("video_hit@1")),
                cell(with_mean.get("video_hit@1")),
                cell(with_mean.get("video_hit@1_motion")),
            ]
        )
    table2 = markdown_table(
        (
            "temporal stream input",
            "video hit@1, no mean subtraction",
            "video hit@1, mean subtraction",
            "motion classes, mean subtraction",
        ),
        rows2,
    )
    table3 = markdown_table(
        ("training", "target video hit@1", "target motion classes", "target appearance classes", "source video hit@1"),
        [
            ["target set only (`temporal_stream_tiny`, 5 classes)", *hits("target_single_task"), "—"],
            [
                "multi-task, source + target (`temporal_stream_multitask_tiny`)",
                *hits("target_multitask"),
                cell(summary.get("source_multitask", {}).get("video_hit@1")),
            ],
        ],
    )
    return [
        ("Table 1, two streams and their fusion (source set)", table1),
        ("Table 2, temporal stream input (source set)", table2),
        (
            f"Table 3, multi-task training (target set: {setup['target_train_videos']} train / "
            f"{setup['target_test_videos']} test videos)",
            table3,
        ),
    ]


def to_markdown(summary: dict, record: dict, setup: dict) -> str:
    header = (
        f"Mean ± std over seeds {setup['seeds']}; synthetic source set split 1 ({setup['train_videos']} train / "
        f"{setup['test_videos']} test videos); {setup['epochs']} epochs x {ex.CLIPS_PER_VIDEO} stacks (frames) per "
        f"video, `{ex.RECIPE}`, dropout {ex.DROPOUT}; two-stream protocol with {setup['eval_clips']} evenly spaced "
        f"samples x 10 crops; DIS flow, bound 20 px. Measured {record['date']} on {record['machine']} in "
        f"{setup['minutes']:.1f} min: `{record['command']}`."
    )
    parts = [header]
    for title, table in tables(summary, setup):
        parts += [f"**{title}**", table]
    return "\n\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", help=f"training seeds (default {DEFAULTS['seeds']})")
    parser.add_argument("--epochs", type=int, help=f"epochs (default {DEFAULTS['epochs']})")
    parser.add_argument("--eval-clips", type=int, help=f"test samples per video (default {DEFAULTS['eval_clips']})")
    parser.add_argument("--quick", action="store_true", help="1 seed, 1 epoch, 3 train / 2 test videos per class")
    parser.add_argument("--data-dir", type=Path, default=default_data_dir(), help="where the synthetic sets are kept")
    parser.add_argument("--results-dir", type=Path, help="default benchmarks/results (--quick: a temporary folder)")
    parser.add_argument("--update-readme", action="store_true", help="refresh README.md's marked tables")
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    if args.quick and args.update_readme:
        parser.error("--quick results are for development; run without --quick to refresh the README.")
    preset = QUICK if args.quick else DEFAULTS
    args.seeds = args.seeds or preset["seeds"]
    args.epochs = args.epochs or preset["epochs"]
    args.eval_clips = args.eval_clips or preset["eval_clips"]

    paths = ex.synthetic_sets(args.data_dir, target=True, flow=True)
    data = {"source_flow": paths["source_flow"], "target_flow": paths["target_flow"]}
    for kind in ("source", "target"):
        for subset in ("train", "test"):
            videos = ucf101(paths[kind], split=ex.SPLIT, subset=subset)
            data[f"{kind}_{subset}"] = ex.subsample(videos, preset.get(f"{subset}_per_class"))
    started = time.perf_counter()
    per_seed = {seed: run_seed(seed, data, args) for seed in args.seeds}
    minutes = (time.perf_counter() - started) / 60
    summary = {
        key: ex.aggregate([per_seed[seed][key]["metrics"] for seed in args.seeds]) for key in per_seed[args.seeds[0]]
    }
    record = ex.run_record(NAME, argv)
    setup = {
        "seeds": args.seeds,
        "epochs": args.epochs,
        "eval_clips": args.eval_clips,
        "svm_train_clips": SVM_TRAIN_CLIPS,
        "quick": args.quick,
        "train_videos": len(data["source_train"]),
        "test_videos": len(data["source_test"]),
        "target_train_videos": len(data["target_train"]),
        "target_test_videos": len(data["target_test"]),
        "minutes": minutes,
        "recipe": ex.RECIPE,
        "dropout": ex.DROPOUT,
        "stacks_per_video": ex.CLIPS_PER_VIDEO,
        "batch_size": ex.BATCH_SIZE,
        "data_seed": ex.DATA_SEED,
        "split": ex.SPLIT,
    }
    markdown = to_markdown(summary, record, setup)
    payload = {"meta": record | {"setup": setup}, "summary": summary, "per_seed": per_seed}
    folder = ex.results_dir(args.results_dir, args.quick)
    ex.write_results(NAME, payload, markdown, folder, update_readme=args.update_readme)
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
