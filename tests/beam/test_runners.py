"""``--runner beam`` against ``--runner local`` on the real-world folder: the same bytes, the same report.

Beam runs on its portable FnApiRunner with two worker processes (never the Prism runner, which
would download a binary), as `kvz prepare/flow --runner beam` does when no runner is named.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("apache_beam")

from keras_video_zoo.beam.flow import BeamFlowExtractor
from keras_video_zoo.beam.shards import BeamShardWriter
from keras_video_zoo.cli import main
from keras_video_zoo.commands.dataset_arguments import video_files_dataset
from keras_video_zoo.data.shards import write_shards
from keras_video_zoo.data.synthetic_real_world import read_manifest, write_real_world_videos
from keras_video_zoo.flow.dataset_extraction import FlowSettings, extract_dataset_flow

SHARDS = {"short_side": 32, "videos_per_shard": 3}
FLOW = FlowSettings(short_side=48)


@pytest.fixture(scope="module")
def videos(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("real_world")
    write_real_world_videos(root, hd=False, frames=16)
    return root


@pytest.fixture(scope="module")
def local(videos, tmp_path_factory) -> dict[str, Path]:
    """The local runner's shards and flow: what Beam must reproduce."""
    out = tmp_path_factory.mktemp("local")
    data = video_files_dataset(videos)
    write_shards(data, out / "shards", **SHARDS, workers=2, progress=False)
    extract_dataset_flow(data, out / "flow", FLOW, workers=2, progress=False)
    return {"shards": out / "shards", "flow": out / "flow"}


def files(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def without_directory(report: bytes) -> dict:
    return {key: value for key, value in json.loads(report).items() if key != "directory"}


def assert_same_shards(beam: Path, local: Path) -> None:
    beam_files, local_files = files(beam), files(local)
    assert sorted(beam_files) == sorted(local_files)
    different = [name for name in local_files if name != "report.json" and beam_files[name] != local_files[name]]
    assert not different, f"Beam wrote other bytes in {different}"
    assert without_directory(beam_files["report.json"]) == without_directory(local_files["report.json"])


def counts(root: Path) -> tuple[int, int]:
    """(videos kvz reads, damaged included; candidates it skips with a reason), from the folder's manifest."""
    fates = [file.expect for file in read_manifest(root)]
    return fates.count("video") + fates.count("damaged"), fates.count("skipped")


def flow_accounts(root: Path) -> dict:
    """The flow report's account of every video (used, skipped with reasons, damaged)."""
    report = json.loads((root / "flow_report.json").read_text())
    return {key: report[key] for key in ("settings", "videos", "used", "skipped", "damaged", "damaged_policy")}


def test_beam_writes_the_local_runners_shards_flow_and_report(videos, local, tmp_path):
    data = video_files_dataset(videos)
    report = write_shards(data, tmp_path / "shards", **SHARDS, writer=BeamShardWriter(workers=2))
    readable, unreadable = counts(videos)
    assert report.videos.skipped_count == unreadable and report.videos.used_count == readable  # as the manifest says
    assert_same_shards(tmp_path / "shards", local["shards"])

    flow = extract_dataset_flow(data, tmp_path / "flow", FLOW, extractor=BeamFlowExtractor(workers=2))
    assert len(flow.extracted) == readable - 1 and flow.videos.skipped_count == unreadable + 1  # + the one-frame one
    assert files(tmp_path / "flow") == files(local["flow"])  # every JPEG, manifest and the report, byte for byte


def test_the_commands_take_runner_beam_and_refuse_options_that_would_do_nothing(videos, local, tmp_path, capsys):
    out = tmp_path / "shards"
    argv = ["prepare", str(videos), str(out), "--layout", "videos", "--short-side", "32", "--videos-per-shard", "3"]
    in_process = "--beam-options=--direct_running_mode=in_memory --direct_num_workers=1"  # the flags reach Beam
    assert main([*argv, "--runner", "beam", in_process, "--no-progress"]) == 0
    readable, unreadable = counts(videos)
    assert f"stored {readable} of {readable + unreadable} videos; {unreadable} skipped" in capsys.readouterr().err
    assert_same_shards(out, local["shards"])
    assert main([*argv, "--beam-options=--direct_num_workers=2"]) == 2
    assert "--beam-options needs --runner beam" in capsys.readouterr().err


def test_without_beam_installed_the_runner_says_what_to_install(videos, tmp_path, monkeypatch, capsys):
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "apache_beam" else real_find_spec(name, *a)
    )
    assert main(["flow", str(videos), str(tmp_path / "flow"), "--runner", "beam"]) == 2
    assert "needs Apache Beam: pip install 'keras_video_zoo[beam]'" in capsys.readouterr().err


def run_until_killed(argv: list[str], finished, total: int, log: Path) -> int:
    """Starts ``kvz ARGV`` (a Beam run), kills it and its workers once ``finished()`` > 0; returns that count."""
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "keras_video_zoo.cli", *argv], stderr=stderr, start_new_session=True
        )
        deadline = time.monotonic() + 300
        while finished() == 0 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)  # the driver and its Beam worker processes, mid-run
        process.wait()
    done = finished()
    assert 0 < done < total, f"the run was not stopped half-way ({done} of {total} done); see {log.read_text()[-2000:]}"
    return done


@pytest.mark.slow
def test_a_killed_beam_run_resumes_to_what_an_uninterrupted_run_writes(videos, local, tmp_path):
    shards, flow = tmp_path / "shards", tmp_path / "flow"
    prepare = ["prepare", str(videos), str(shards), "--layout", "videos", "--short-side", "32"]
    prepare += ["--videos-per-shard", "3", "--runner", "beam", "--workers", "2", "--no-progress"]
    staged = lambda: len(list(shards.glob(".beam-staging/*/*.json")))  # noqa: E731
    run_until_killed(prepare, staged, sum(counts(videos)), tmp_path / "prepare.log")
    assert main(prepare) == 0
    assert_same_shards(shards, local["shards"])
    assert not (shards / ".beam-staging").exists()

    flow_argv = ["flow", str(videos), str(flow), "--short-side", "48", "--runner", "beam", "--workers", "2"]
    extractable = counts(videos)[0] - 1  # all but the one-frame video
    extracted = lambda: len(list(flow.glob("*/manifest.json")))  # noqa: E731
    done = run_until_killed(flow_argv, extracted, extractable, tmp_path / "flow.log")
    assert main(flow_argv) == 0
    report = json.loads((flow / "flow_report.json").read_text())
    assert len(report["kept"]) == done and len(report["extracted"]) == extractable - done
    resumed, uninterrupted = files(flow), files(local["flow"])
    assert sorted(resumed) == sorted(uninterrupted)
    assert all(resumed[name] == uninterrupted[name] for name in uninterrupted if name != "flow_report.json")
    assert flow_accounts(flow) == flow_accounts(local["flow"])
    assert not list(flow.glob(".partial-*")) and not list(flow.glob(".beam-outcomes-*"))
