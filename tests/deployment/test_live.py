"""Live streams served on the loopback: windows as the timeline scores them, drops counted, reconnection, timeouts."""

from __future__ import annotations

import io
import json
import os
import sys
import time
import tracemalloc

import numpy as np
import pytest

from keras_video_zoo import create_model
from keras_video_zoo.cli import main
from keras_video_zoo.data.live_sources import LiveSourceError
from keras_video_zoo.data.synthetic_real_world import moving_texture
from keras_video_zoo.data.video_io import iter_frames
from keras_video_zoo.data.video_writer import encode_video
from keras_video_zoo.deployment.live import LiveEvent, LiveScorer, LiveSummary, LiveWindow, live_windows
from keras_video_zoo.deployment.timeline import predict_video
from keras_video_zoo.evaluation.video_scoring import VideoScorer
from tests.helpers.stream_server import FolderServer, StreamServer, UdpSender

FRAMES = 48


@pytest.fixture(scope="module")
def stream_file(tmp_path_factory):
    """An MPEG-TS recording, as cameras and encoders send over the network."""
    path = tmp_path_factory.mktemp("live") / "camera.ts"
    encode_video(path, moving_texture(64, 96, FRAMES, "left"), "mpeg2video", container_format="mpegts")
    return path


def windows_of(results):
    return [item for item in results if isinstance(item, LiveWindow)]


def assert_as_the_timeline(live, timeline):
    """Every window scored live has the scores the timeline gives the window with the same first frame."""
    starts = timeline.starts.tolist()
    assert live, "no window was scored"
    for window in live:
        row = timeline.scores[starts.index(window.start_frame)]
        np.testing.assert_allclose(window.scores, row, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", ["slow_fusion_tiny.synthetic", "temporal_stream_tiny.synthetic", "two_stream_tiny"])
def test_a_file_read_live_scores_every_window_as_the_timeline_does(stream_file, name):
    model = create_model(name)
    timeline = predict_video(model, stream_file, stride=4)
    summary = LiveSummary()
    results = list(live_windows(model, str(stream_file), stride=4, summary=summary))
    live = windows_of(results)
    assert [window.start_frame for window in live] == timeline.starts.tolist()  # a file waits: nothing dropped
    assert_as_the_timeline(live, timeline)
    assert summary.dropped == 0 and summary.windows == len(live) and summary.frames == FRAMES
    assert results[-1] == LiveEvent("ended", f"{stream_file}: end of stream") and summary.ended == "end of stream"
    assert all(window.latency >= 0 for window in live)


@pytest.mark.parametrize("name", ["slow_fusion_tiny.synthetic", "temporal_stream_tiny.synthetic", "two_stream_tiny"])
def test_frames_pushed_one_by_one_score_as_the_timeline(stream_file, name):
    # A browser's camera hands frames over one at a time, at their own size: kvz app's camera tab.
    model = create_model(name)
    timeline = predict_video(model, stream_file, stride=4)
    scorer = LiveScorer(model, stride=4, fps=25)
    pushed = [scorer.push(frame) for frame in iter_frames(stream_file)]
    live = [window for window, _ in pushed if window is not None]
    assert [window.start_frame for window in live] == timeline.starts.tolist()
    assert_as_the_timeline(live, timeline)
    assert live[1].start == pytest.approx(4 / 25) and live[0].end == pytest.approx(scorer.window / 25)
    closed = [segment for _, segment in pushed if segment is not None] + [scorer.close(FRAMES / 25)]
    assert closed[0].segment.start == 0 and closed[-1].segment.end == pytest.approx(FRAMES / 25)
    assert scorer.close(FRAMES / 25) is None  # closed once


@pytest.mark.skipif(not os.path.exists("/proc/net/udp"), reason="the UDP sender sees the receiver bind in /proc")
def test_a_udp_stream_is_scored_until_it_goes_silent(stream_file):
    model = create_model("slow_fusion_tiny.synthetic")
    timeline = predict_video(model, stream_file, stride=4)
    sender = UdpSender(stream_file.read_bytes(), seconds=FRAMES / 25)
    summary = LiveSummary()
    results = list(live_windows(model, sender.url, stride=4, timeout=2, summary=summary))
    assert sender.sent.is_set() and summary.frames == FRAMES
    live = windows_of(results)
    assert len(live) + summary.dropped == len(timeline.starts)  # every window scored or counted as dropped
    assert_as_the_timeline(live, timeline)
    assert results[-1] == LiveEvent("ended", f"{sender.url}: nothing arrived for 2 s")


def test_an_hls_playlist_is_scored_across_its_segments_as_the_timeline(tmp_path):
    # HLS, as broadcasters and cameras publish live video: a playlist of MPEG-TS segments over HTTP.
    model = create_model("slow_fusion_tiny.synthetic")
    frames = moving_texture(64, 96, 75, "left")
    encode_video(tmp_path / "live.m3u8", frames, "libx264", container_format="hls", intra_only=True)
    encode_video(tmp_path / "same.ts", frames, "libx264", container_format="mpegts", intra_only=True)
    assert len(list(tmp_path.glob("live*.ts"))) >= 2  # 3 s in FFmpeg's 2-second segments
    timeline = predict_video(model, tmp_path / "same.ts", stride=4)
    summary = LiveSummary()
    with FolderServer(tmp_path) as server:
        # keep_up=False: the reader waits for the scorer (HLS arrives in bursts), so every window is compared.
        results = list(live_windows(model, server.url + "live.m3u8", stride=4, keep_up=False, summary=summary))
    live = windows_of(results)
    assert [window.start_frame for window in live] == timeline.starts.tolist() and summary.frames == 75
    assert_as_the_timeline(live, timeline)
    assert results[-1].message.endswith("live.m3u8: end of stream")


def test_segments_close_as_the_smoothed_label_changes(stream_file):
    model = create_model("slow_fusion_tiny.synthetic")
    results = list(live_windows(model, str(stream_file), stride=2, smooth=3))
    segments = [item.segment for item in results if isinstance(item, LiveEvent) and item.kind == "segment"]
    assert segments and segments[0].start == 0 and segments[-1].end == pytest.approx(FRAMES / 25)
    assert all(a.end == b.start and a.label != b.label for a, b in zip(segments, segments[1:], strict=False))
    live = windows_of(results)
    for index, window in enumerate(live):  # the label is the mean of the last 3 windows' scores
        recent = np.mean([w.scores for w in live[max(0, index - 2) : index + 1]], axis=0)
        np.testing.assert_allclose(window.smoothed, recent, rtol=1e-6)


def test_an_http_stream_scores_as_the_timeline_and_counts_what_it_drops(stream_file):
    model = create_model("slow_fusion_tiny.synthetic")
    timeline = predict_video(model, stream_file, stride=2)
    summary = LiveSummary()
    with StreamServer(lambda number: stream_file.read_bytes(), seconds=1.0) as server:
        live = windows_of(live_windows(model, server.url, stride=2, summary=summary))
    assert_as_the_timeline(live, timeline)
    assert summary.windows + summary.dropped == len(timeline.starts)  # each window scored or dropped, never queued
    assert live[-1].dropped == summary.dropped


def test_when_scoring_is_slower_than_the_stream_windows_are_dropped_not_queued(stream_file, monkeypatch):
    score = VideoScorer.score_batch
    monkeypatch.setattr(VideoScorer, "score_batch", lambda self, kind, x: time.sleep(0.3) or score(self, kind, x))
    model = create_model("single_frame_tiny.synthetic")
    summary = LiveSummary()
    live = windows_of(live_windows(model, str(stream_file), window=4, stride=1, keep_up=True, summary=summary))
    assert summary.dropped > 0 and summary.windows + summary.dropped == FRAMES - 4 + 1
    assert [window.dropped for window in live] == sorted(window.dropped for window in live)
    assert f"{summary.dropped} dropped (scoring was slower than the stream)" in summary.line()


def test_a_dropped_connection_is_opened_again_and_named(stream_file):
    whole = stream_file.read_bytes()
    cut = whole[: len(whole) // 2 // 188 * 188]  # the first connection breaks halfway
    model = create_model("slow_fusion_tiny.synthetic")
    summary = LiveSummary()
    with StreamServer(lambda number: (cut, len(whole)) if number == 1 else whole) as server:
        results = list(live_windows(model, server.url, stride=5, reconnect=1, summary=summary))
    events = [item for item in results if isinstance(item, LiveEvent) and item.kind != "segment"]
    assert [event.kind for event in events] == ["dropped", "resumed", "ended"]
    assert "connecting again in 0.5 s (1/1)" in events[0].message and server.url in events[1].message
    assert summary.reconnects == 1 and summary.frames > FRAMES  # the second connection's frames counted on
    starts = [window.start_frame for window in windows_of(results)]
    assert starts == sorted(starts) and starts[-1] >= FRAMES


def test_a_stream_that_never_starts_ends_with_an_error_naming_it():
    model = create_model("single_frame_tiny.synthetic")
    with StreamServer(lambda number: None) as server:
        started = time.monotonic()
        with pytest.raises(LiveSourceError, match=rf"{server.url}: no video arrived within 1 s"):
            next(live_windows(model, server.url, timeout=1))
    assert time.monotonic() - started < 9  # the timeout, not the server, ended the wait


def test_kvz_predict_live_prints_windows_events_and_a_summary(stream_file, capsys, monkeypatch):
    argv = ["predict", "--live", "-", "--model", "slow_fusion_tiny.synthetic", "--jsonl", "--stride", "8"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stream_file.read_bytes())))  # a pipe
    assert main(argv) == 0
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    windows = [line for line in lines if "label" in line]
    assert len(windows) + windows[-1]["dropped"] == (FRAMES - 10) // 8 + 1  # a pipe is live: it does not wait
    assert lines[-1] == {"event": "ended", "message": "-: end of stream"}
    assert {"start", "end", "label", "top", "latency", "dropped"} <= set(windows[0])
    assert captured.err.startswith(f"kvz predict: -: {FRAMES} frames, {len(windows)} windows scored, ")

    assert (
        main(["predict", "--live", "http://127.0.0.1:9/none.ts", "--model", "single_frame_tiny", "--timeout", "1"]) == 1
    )
    assert "kvz predict: http://127.0.0.1:9/none.ts: no video arrived within 1 s" in capsys.readouterr().err
    assert main(["predict", "a.mp4", "--live", "-", "--model", "single_frame_tiny"]) == 2
    assert main(["predict", "--live", "-", "--timeline", "out", "--model", "single_frame_tiny"]) == 2
    assert main(["predict", "--live", "-", "--window", "3", "--model", "temporal_stream_tiny"]) == 2
    assert "shorter than temporal_stream_tiny's input" in capsys.readouterr().err


@pytest.mark.slow
def test_memory_stays_flat_over_a_long_stream(tmp_path):
    # Five minutes of 25 fps video, read as a live stream that does not wait: only the current window is kept.
    path = tmp_path / "long.ts"
    encode_video(path, (frame for _ in range(125) for frame in moving_texture(48, 64, 60, "left")), "mpeg2video",
                 container_format="mpegts")  # fmt: skip
    model = create_model("single_frame_tiny.synthetic")
    summary = LiveSummary()
    tracemalloc.start()
    try:
        sizes = []
        for index, _ in enumerate(windows_of(live_windows(model, str(path), stride=5, keep_up=True, summary=summary))):
            if index % 20 == 0:
                sizes.append(tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()
    assert summary.frames == 7500 and summary.windows + summary.dropped == 7500 // 5  # one-frame windows
    settled = sizes[len(sizes) // 4 :]
    assert max(settled) - min(settled) < 8 * 2**20, [size // 2**20 for size in settled]  # MiB: flat, not growing
