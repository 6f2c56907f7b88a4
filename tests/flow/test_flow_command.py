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
    (out / ".partial-walk__v_walk_1-dead").mkdir(parents=True)  # left by an interrupted run

    code = main(["flow", str(source), str(out), "--workers", "2", "--backward", "--no-progress"])
    assert code == 0  # the work completed; the videos it could not use are reported
    report = json.loads((out / "flow_report.json").read_text())
    broken, one_frame = str(source / "run" / "v_broken.avi"), str(source / "run" / "v_one_frame.avi")
    assert report["extracted"] == ["run__v_run_1", "walk__v_walk_1"] and report["kept"] == []
    assert report["skipped"] == {
        broken: "not a video: a text file.",
        one_frame: "only 1 frame decodes; flow needs at least 2.",
    }
    err = capsys.readouterr().err
    assert f"kvz flow: extracted the flow of 2 of 4 videos; 2 skipped ({broken}: not a video: a text file.; " in err
    assert "every one listed in" in err and "; 2 extracted now, 0 kept from an earlier run" in err
    assert len(err.strip().splitlines()) == 1  # one line: the library prints nothing of its own
    assert sorted(p.name for p in out.iterdir()) == ["flow_report.json", "run__v_run_1", "walk__v_walk_1"]

    folder = FlowFolder(out / "run__v_run_1", bound=20)
    assert folder.field_count == 7 and folder.manifest.backward and folder.manifest.algorithm == "dis"
    flow = folder.read_pixels()[:, 16:-16, 16:-16]
    assert abs(np.median(flow[..., 0]) - 2) < 0.3 and abs(np.median(flow[..., 1])) < 0.3  # 2 px right
    assert abs(np.median(folder.read_pixels(direction="backward")[..., 0]) + 2) < 0.3

    mtime = (out / "run__v_run_1" / "manifest.json").stat().st_mtime_ns
    assert main(["flow", str(source), str(out), "--backward", "--no-progress", "--strict"]) == 1  # still skipped
    report = json.loads((out / "flow_report.json").read_text())
    assert (
        report["kept"] == ["run__v_run_1", "walk__v_walk_1"]
        and report["extracted"] == []
        and len(report["skipped"]) == 2
    )
    assert (out / "run__v_run_1" / "manifest.json").stat().st_mtime_ns == mtime


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


def test_native_size_folders_of_small_videos_are_kept_by_the_shrink_only_default(tmp_path):
    source, out = tmp_path / "videos", tmp_path / "flow"
    write_video(source / "v1.avi")  # 64 x 80: smaller than the default short side of 256
    assert main(["flow", str(source), str(out), "--no-progress", "--short-side", "0"]) == 0
    assert FlowFolder(out / "v1").manifest.resize is None  # as older kvz wrote them
    assert main(["flow", str(source), str(out), "--no-progress"]) == 0
    assert json.loads((out / "flow_report.json").read_text())["kept"] == ["v1"]
