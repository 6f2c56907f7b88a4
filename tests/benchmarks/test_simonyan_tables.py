"""simonyan_tables' pure parts: the Table 2 configurations, fused metrics and the tables."""

from __future__ import annotations

import experiments  # a benchmark script: benchmarks/ is on the tests' path (setup.cfg)
import simonyan_tables as simonyan  # a benchmark script: benchmarks/ is on the tests' path (setup.cfg)

from keras_video_zoo.data.synthetic_dataset import TARGET_CLASSES, class_order


def test_flow_inputs_cover_the_papers_table_2():
    keys = {f.key: f for f in (*simonyan.FLOW_INPUTS, *simonyan.FLOW_INPUTS_WITHOUT_MEAN)}
    assert {"L1", "L5", "L10", "L1_no_mean", "L5_no_mean", "L10_no_mean", "trajectory_L10", "bidirectional_L5"} == set(
        keys
    )
    assert not keys["L10_no_mean"].mean_subtraction and keys["L10"].mean_subtraction
    assert keys["bidirectional_L5"].fields == 10 and keys["bidirectional_L5"].mode == "bidirectional"


def test_fused_results_score_video_level_fusion():
    names = class_order(spec.name for spec in TARGET_CLASSES)
    reference = {"video_ids": ["a", "b"], "video_labels": [[0], [4]], "class_names": names}
    results = simonyan.fused_results(["b", "a"], [[0, 0, 0, 0, 1.0], [0, 1.0, 0, 0, 0]], reference, "target")
    assert results["clip_hit@1"] is None
    assert results["video_hit@1"] == 0.5


def test_tables_put_every_summary_in_its_row():
    hit = experiments.seed_summary([0.25, 0.75])
    keys = ["spatial", "temporal_L10", "fusion_average", "fusion_svm", "temporal_L1_no_mean", "target_multitask"]
    summary = {key: {"video_hit@1": hit} for key in keys}
    setup = {"target_train_videos": 60, "target_test_videos": 20}
    (_, table1), (_, table2), (title3, table3) = simonyan.tables(summary, setup)
    assert table1.count("0.500 ± 0.354") == 4
    assert "| single field, L = 1 | 0.500 ± 0.354 | — | — |" in table2
    assert "60 train / 20 test" in title3 and "| multi-task, source + target" in table3
