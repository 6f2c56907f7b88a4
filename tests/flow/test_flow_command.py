"""`kvz flow` on real encoded videos: extraction, resuming, failures, settings."""

import json

import numpy as np

from keras_video_zoo.cli import main
from keras_video_zoo.flow.storage import FlowFolder
from tests.helpers.moving_texture import write_video


def test_extracts_every_video_reports_bad_ones_and_resumes(tmp_path, capsys):
    source, out = tmp_path / "videos", tmp_path / "flow"
    write_video(source / "walk" / "v_walk_1.avi")
    write_video(source / "run" / "v_run_1.avi", frames=8)
    write_video(source / "run" / "v_one_frame.avi", frames=1)
    (source / "run" / "v_broken.avi").write_bytes(b"not a video at all")
    (out / ".partial-v_walk_1-dead").mkdir(parents=True)  # left by an interrupted run

    code = main(["flow", str(source), str(out), "--workers", "2", "--backward", "--no-progress"])
    assert code == 1  # some videos failed
    report = json.loads((out / "flow_report.json").read_text())
    assert report["extracted"] == ["v_run_1", "v_walk_1"]
    assert sorted(report["failed"]) == ["v_broken", "v_one_frame"]
    assert "flow needs at least 2" in report["failed"]["v_one_frame"]
    assert "2 extracted, 0 already done, 2 failed" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["flow_report.json", "v_run_1", "v_walk_1"]

    folder = FlowFolder(out / "v_run_1", bound=20)
    assert folder.field_count == 7 and folder.manifest.backward and folder.manifest.algorithm == "dis"
    flow = folder.read_pixels()[:, 16:-16, 16:-16]
    assert abs(np.median(flow[..., 0]) - 2) < 0.3 and abs(np.median(flow[..., 1])) < 0.3  # 2 px right
    assert abs(np.median(folder.read_pixels(direction="backward")[..., 0]) + 2) < 0.3

    mtime = (out / "v_run_1" / "manifest.json").stat().st_mtime_ns
    assert main(["flow", str(source), str(out), "--backward", "--no-progress"]) == 1  # the bad ones still fail
    report = json.loads((out / "flow_report.json").read_text())
    assert report["skipped"] == ["v_run_1", "v_walk_1"] and report["extracted"] == []
    assert (out / "v_run_1" / "manifest.json").stat().st_mtime_ns == mtime


def test_other_settings_than_the_finished_folders_are_refused(tmp_path, capsys):
    source, out = tmp_path / "videos", tmp_path / "flow"
    write_video(source / "v1.avi")
    assert main(["flow", str(source), str(out), "--no-progress", "--size", "32x40"]) == 0
    assert FlowFolder(out / "v1").manifest.resize == {"size": [32, 40]}
    assert main(["flow", str(source), str(out), "--no-progress", "--size", "32x40", "--bound", "15"]) == 2
    assert "extracted with other settings: bound=20.0 (asked 15.0)" in capsys.readouterr().err


def test_bad_usage_exits_2(tmp_path, capsys):
    assert main(["flow", str(tmp_path / "nowhere"), str(tmp_path / "out"), "--no-progress"]) == 2
    assert "is not a folder of videos" in capsys.readouterr().err


def test_folder_per_class_subsets_need_a_split_file(tmp_path, capsys):
    from keras_video_zoo.cli import main

    (tmp_path / "walk").mkdir()
    assert (
        main(["flow", str(tmp_path), str(tmp_path / "out"), "--layout", "folder_per_class", "--subset", "train"]) == 2
    )
    assert "needs --split-file" in capsys.readouterr().err
