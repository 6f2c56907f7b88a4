"""Every command over a folder of videos as users have them (keras_video_zoo.data.synthetic_real_world).

Each file's fate is checked in every command: videos are used, damaged videos are used and reported
as damaged (or skipped with ``--damaged skip``), unreadable files are skipped with their own reason,
notes and thumbnails are not candidates, and the exit code follows one rule (0, or 1 with ``--strict``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from keras_video_zoo.cli import main
from keras_video_zoo.data.synthetic_real_world import RealWorldFile, read_manifest, write_real_world_videos
from keras_video_zoo.data.video_errors import VideoReadError
from keras_video_zoo.data.video_files import video_files
from keras_video_zoo.data.video_io import read_video

FRAMES = 16


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("real_world")
    write_real_world_videos(root, hd=False, frames=FRAMES)
    return root


def by_fate(root: Path, *fates: str) -> list[RealWorldFile]:
    return [file for file in read_manifest(root) if file.expect in fates]


def paths(root: Path, *fates: str) -> set[str]:
    return {str(root / file.path) for file in by_fate(root, *fates)}


def check_report(report: dict, root: Path, *, damaged_policy: str = "use", unusable: frozenset = frozenset()) -> None:
    """A command's JSON report: every candidate counted once, each file with its fate and reason.

    ``unusable``: videos this command cannot use (too short for it), skipped with its own reason.
    """
    used = paths(root, "video") | (paths(root, "damaged") if damaged_policy == "use" else set())
    skipped = report["skipped"]
    assert unusable <= set(skipped)
    for file in by_fate(root, "skipped"):
        assert skipped[str(root / file.path)].startswith(file.reason), (file.path, skipped.get(str(root / file.path)))
    assert set(report["damaged"]) == paths(root, "damaged") and report["damaged_policy"] == damaged_policy
    assert report["used"] == len(used - set(skipped))
    assert report["videos"] == len(paths(root, "video", "damaged", "skipped"))
    assert not paths(root, "ignored") & (set(skipped) | set(report["damaged"]))


@pytest.mark.parametrize("backend", ["opencv", "pyav"])
def test_each_file_decodes_or_fails_as_its_manifest_says(folder, backend):
    assert {str(path) for path in video_files(folder, recursive=True)} == paths(folder, "video", "damaged", "skipped")
    for file in read_manifest(folder):
        if file.expect == "ignored":
            continue
        try:
            video = read_video(folder / file.path, backend=backend)
        except VideoReadError as error:
            assert file.expect == "skipped" and error.reason.startswith(file.reason), (file.path, error.reason)
            continue
        assert file.expect != "skipped", file.path
        assert (file.expect == "damaged") == video.damaged, (file.path, video.problems())
        assert video.frames.shape[1:] == (file.height, file.width, 3)
        if file.expect == "video":
            assert video.decoded == (1 if "one_frame" in file.path else FRAMES)


def test_both_decoders_show_every_video_the_same_and_say_what_they_applied(folder):
    # Phones' rotation, wide pixels and interlacing are undone the same way by both (DisplayGeometry).
    # Both convert YUV to RGB with their own rounding: a few levels apart, a bit more for 10-bit sources.
    from keras_video_zoo.data.decoders import probe_video

    for file in by_fate(folder, "video"):
        frames = {backend: read_video(folder / file.path, backend=backend).frames for backend in ("opencv", "pyav")}
        assert frames["opencv"].shape == frames["pyav"].shape == (frames["opencv"].shape[0], file.height, file.width, 3)
        difference = np.abs(frames["opencv"].astype(np.int16) - frames["pyav"])
        assert difference.mean() < 2 and np.percentile(difference, 99.9) <= 12, (file.path, difference.mean())
        for backend in ("opencv", "pyav"):
            info = probe_video(folder / file.path, backend=backend)
            assert (info.height, info.width) == (file.height, file.width), (file.path, backend)
            assert [step.split()[0] for step in info.display] == ([file.display] if file.display else []), file.path


@pytest.mark.parametrize("backend", ["opencv", "pyav"])
def test_a_damaged_videos_report_does_not_depend_on_what_was_decoded_before(folder, backend):
    # Opening the interrupted download makes FFmpeg repeat one message; a repeat tally held back
    # by PyAV once leaked into the next video's report, so the runners' reports differed by order.
    damaged = [folder / file.path for file in by_fate(folder, "damaged")]
    alone = {path: read_video(path, backend=backend).problems() for path in damaged}
    for path in damaged:
        for earlier in by_fate(folder, "skipped", "damaged"):
            try:
                read_video(folder / earlier.path, backend=backend)
            except VideoReadError:
                pass
            assert read_video(path, backend=backend).problems() == alone[path], (earlier.path, path)


def test_predict_gives_every_candidate_a_line_and_reports_damage(folder, capsys):
    assert main(["predict", str(folder), "--model", "slow_fusion_tiny.synthetic", "--clips", "2", "--top", "1"]) == 0
    captured = capsys.readouterr()
    lines = dict(line.split(": ", 1) for line in captured.out.splitlines())
    assert set(lines) == paths(folder, "video", "damaged", "skipped")
    for file in read_manifest(folder):
        line = lines.get(str(folder / file.path))
        if file.expect == "skipped":
            assert line.startswith(f"skipped: {file.reason}"), (file.path, line)
        elif file.expect in ("video", "damaged"):
            assert line.split(" ")[0] in ("left", "up") or not line.startswith("skipped"), (file.path, line)
            assert ("(damaged: " in line) == (file.expect == "damaged"), (file.path, line)
    used, total = len(paths(folder, "video", "damaged")), len(lines)
    assert f"kvz predict: predicted {used} of {total} videos; {total - used} skipped (" in captured.err
    assert f"; {len(paths(folder, 'damaged'))} damaged (used what decodes)" in captured.err

    assert main(["predict", str(folder), "--model", "slow_fusion_tiny.synthetic", "--damaged", "skip"]) == 0
    lines = dict(line.split(": ", 1) for line in capsys.readouterr().out.splitlines())
    for path in paths(folder, "damaged"):
        assert lines[path].startswith("skipped: damaged: ")
    assert main(["predict", str(folder), "--model", "slow_fusion_tiny.synthetic", "--strict"]) == 1


def test_prepare_stores_every_readable_video_and_names_the_rest(folder, tmp_path, capsys):
    shards = tmp_path / "shards"
    argv = ["prepare", str(folder), str(shards), "--layout", "folder_per_class", "--short-side", "32", "--no-progress"]
    assert main(argv) == 0
    check_report(json.loads((shards / "report.json").read_text()), folder)
    assert "kvz prepare: stored " in capsys.readouterr().err
    skipping = tmp_path / "shards_without_damage"
    assert main([*argv[:2], str(skipping), *argv[3:], "--damaged", "skip"]) == 0
    report = json.loads((skipping / "report.json").read_text())
    check_report(report, folder, damaged_policy="skip")
    assert all(report["skipped"][path].startswith("damaged: ") for path in paths(folder, "damaged"))


@pytest.fixture(scope="module")
def flow(folder, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("flow")
    argv = ["flow", str(folder), str(out), "--layout", "folder_per_class", "--short-side", "64", "--no-progress"]
    assert main([*argv, "--workers", "2"]) == 0
    return out


def test_flow_extracts_every_video_with_two_frames_and_keeps_damage_across_runs(folder, flow, capsys):
    report = json.loads((flow / "flow_report.json").read_text())
    one_frame = str(folder / "left" / "one_frame.mp4")
    assert report["skipped"][one_frame] == "only 1 frame decodes; flow needs at least 2."
    check_report(report, folder, unusable=frozenset({one_frame}))
    assert sorted(report["extracted"]) == sorted(
        Path(file.path).stem for file in by_fate(folder, "video", "damaged") if "one_frame" not in file.path
    )
    for file in by_fate(folder, "video", "damaged"):  # every size and orientation: short side 64 (or smaller)
        if "one_frame" not in file.path:
            manifest = json.loads((flow / Path(file.path).stem / "manifest.json").read_text())
            assert min(manifest["height"], manifest["width"]) == min(64, file.height, file.width), file.path
    argv = ["flow", str(folder), str(flow), "--layout", "folder_per_class", "--short-side", "64", "--no-progress"]
    assert main([*argv, "--strict"]) == 1  # nothing new to do; the skipped and damaged videos still count
    again = json.loads((flow / "flow_report.json").read_text())
    assert again["extracted"] == [] and set(again["damaged"]) == set(report["damaged"]) == paths(folder, "damaged")


def test_train_and_evaluate_an_rgb_model_account_for_every_file(folder, tmp_path, capsys):
    run = tmp_path / "run"
    common = ["--layout", "folder_per_class", "--no-progress"]
    argv = ["train", str(folder), "--model", "slow_fusion_tiny", "--run-dir", str(run), "--epochs", "1"]
    assert main([*argv, "--recipe", "small_adam", "--batch-size", "8", *common]) == 0
    check_report(json.loads((run / "run.json").read_text())["videos"]["rgb"], folder)
    out = tmp_path / "eval"
    evaluate = ["evaluate", str(folder), "--model", str(run), "--out", str(out), "--protocol", "uniform:2"]
    assert main([*evaluate, "--no-plots", *common]) == 0
    results = json.loads((out / "results.json").read_text())
    check_report(results["videos"], folder)
    assert results["num_videos"] == len(paths(folder, "video", "damaged"))
    assert "kvz evaluate: scored " in capsys.readouterr().err


def test_a_two_stream_model_trains_and_evaluates_over_the_folder_and_its_flow(folder, flow, tmp_path, capsys):
    run = tmp_path / "two_stream"
    common = ["--layout", "folder_per_class", "--flow", str(flow), "--no-progress"]
    argv = ["train", str(folder), "--model", "two_stream_tiny", "--run-dir", str(run), "--epochs", "1"]
    assert main([*argv, "--recipe", "small_adam", "--batch-size", "8", "--fusion", "svm", *common]) == 0
    for stream in ("spatial", "temporal"):
        assert (run / stream / "log.csv").is_file()
    temporal = json.loads((run / "run.json").read_text())["videos"]["flow"]
    too_short = {path for path, reason in temporal["skipped"].items() if "too short for a stack" in reason}
    assert str(folder / "left" / "one_frame.mp4") in temporal["skipped"]
    assert all(path in paths(folder, "video", "damaged") for path in too_short)
    out = tmp_path / "eval"
    evaluate = ["evaluate", str(folder), "--model", str(run), "--out", str(out), "--clips", "2"]
    assert main([*evaluate, "--no-plots", *common]) == 0
    results = json.loads((out / "results.json").read_text())
    assert results["num_videos"] == len(paths(folder, "video", "damaged")) - len(too_short) - 1
    assert set(results["streams"]) == {"spatial", "temporal"}
    capsys.readouterr()
    video = folder / "up" / "web.webm"
    assert main(["predict", str(video), "--model", str(run), "--clips", "2", "--top", "2"]) == 0
    assert capsys.readouterr().out.startswith(f"{video}: ")


def test_synthetic_writes_the_real_world_folder(tmp_path, capsys):
    assert main(["synthetic", str(tmp_path / "rw"), "--kind", "real-world"]) == 0
    assert "files in" in capsys.readouterr().err
    assert len(read_manifest(tmp_path / "rw")) == len(list(p for p in (tmp_path / "rw").rglob("*") if p.is_file())) - 1
    assert main(["synthetic", str(tmp_path / "rw"), "--kind", "real-world", "--videos-per-class", "3"]) == 2


@pytest.mark.slow
def test_hd_videos_predict_and_flow(tmp_path, capsys):
    """The 1080p, 1080i, 720p and portrait videos (slow to encode and decode) through predict and flow."""
    root = tmp_path / "hd"
    files = write_real_world_videos(root, frames=30)
    hd = [file for file in files if file.height >= 720]
    assert len(hd) == 4
    argv = ["predict", *(str(root / file.path) for file in hd), "--model", "slow_fusion_tiny.synthetic"]
    assert main(argv) == 0
    assert len(capsys.readouterr().out.splitlines()) == len(hd)
    out = tmp_path / "flow"
    assert main(["flow", str(root), str(out), "--layout", "folder_per_class", "--no-progress"]) == 0
    for file in hd:
        manifest = json.loads((out / Path(file.path).stem / "manifest.json").read_text())
        assert min(manifest["height"], manifest["width"]) == 256  # the paper's short side, aspect kept


def test_the_web_page_plays_every_video_and_names_what_it_cannot(folder, tmp_path):
    # kvz app's upload: a video browsers play is shown as it is, any other as an H.264 copy of the frames kvz
    # reads (upright, square pixels, deinterlaced, as far as it decodes); a file that is not one gets its reason.
    from keras_video_zoo.deployment.app import shown_video
    from keras_video_zoo.deployment.playable import PREVIEW_SHORT_SIDE, browser_playable

    for file in by_fate(folder, "video", "damaged", "skipped"):
        path = folder / file.path
        shown, note = shown_video(str(path), tmp_path / file.path)
        if file.expect == "skipped":
            assert shown == str(path), file.path
            assert note.startswith(f"{path.name}: {file.reason}"), (file.path, note)
            continue
        assert browser_playable(shown), file.path
        copy = read_video(shown)
        assert copy.decoded == read_video(path).decoded, file.path
        if shown != str(path):
            assert "shown as an H.264 copy" in note, file.path
            scale = min(1.0, PREVIEW_SHORT_SIDE / min(file.height, file.width))
            assert abs(copy.frames.shape[1] - file.height * scale) <= 2, file.path  # as shown, not as stored
            assert abs(copy.frames.shape[2] - file.width * scale) <= 2, file.path


def test_predict_live_reads_every_file_as_a_stream_and_names_what_it_cannot(folder, capsys):
    # A file given to --live is read as a stream: upright, square pixels, deinterlaced; damage ends the stream
    # and is named; a file that is no video gets the reason every other command gives it.
    for file in by_fate(folder, "video", "damaged", "skipped"):
        path = folder / file.path
        code = main(["predict", "--live", str(path), "--model", "slow_fusion_tiny.synthetic", "--timeout", "5"])
        summary = capsys.readouterr().err.strip().splitlines()[-1]
        if file.expect == "skipped":
            assert code != 0 and summary.startswith(f"kvz predict: {path}: {file.reason}"), (file.path, summary)
        elif "one_frame" in file.path:  # shorter than a window: nothing to score, said so
            assert code == 1 and "no window scored" in summary, summary
        elif file.expect == "damaged":  # read as far as it decodes, the decoder's words at the end
            assert code == (1 if "no window scored" in summary else 0), (file.path, summary)  # too short cut, 1
            assert "; the stream ended after decoder errors (first: " in summary, (file.path, summary)
        else:
            assert code == 0 and f"{path}: {FRAMES} frames, 2 windows scored, 0 dropped" in summary, summary
            assert summary.endswith("; end of stream"), (file.path, summary)
