"""Clip samplers and evaluation protocols: indices, policies for short videos, determinism, round trips."""

import json

import numpy as np
import pytest

from keras_video_zoo.data.sampling import (
    ClipProtocol,
    KarpathyProtocol,
    TrainingClips,
    TwoStreamProtocol,
    UniformClipsProtocol,
    clip_indices,
    frame_pair,
    random_clips,
    uniform_clips,
    video_rng,
)
from keras_video_zoo.views import FIVE_CROPS, KARPATHY_VIEWS, TEN_CROPS, CropView


def test_random_clips_are_consecutive_strided_and_inside_the_video(rng):
    clips = random_clips(50, 200, 10, stride=2, rng=rng)
    assert clips.shape == (200, 10)
    assert (np.diff(clips, axis=1) == 2).all()
    assert clips.min() >= 0 and clips.max() <= 49
    # every legal start (0 .. 50 - 19) is reachable and nothing beyond it
    assert clips[:, 0].max() == 31 and clips[:, 0].min() == 0


def test_random_clips_are_seeded():
    first = random_clips(300, 20, 10, rng=np.random.default_rng(5))
    again = random_clips(300, 20, 10, rng=np.random.default_rng(5))
    other = random_clips(300, 20, 10, rng=np.random.default_rng(6))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_uniform_clips_are_evenly_spaced_from_first_to_last_fitting_start():
    clips = uniform_clips(100, 5, 10)
    np.testing.assert_array_equal(clips[:, 0], np.round(np.linspace(0, 90, 5)).astype(int))
    assert clips[-1, -1] == 99


def test_two_stream_frames_are_25_evenly_spaced():
    indices = TwoStreamProtocol().sample(250)[:, 0]
    assert len(indices) == 25 and indices[0] == 0 and indices[-1] == 249
    assert np.ptp(np.diff(indices)) <= 1  # even spacing up to rounding


def test_late_fusion_pair_is_15_apart(rng):
    for _ in range(20):
        first, second = frame_pair(40, rng=rng)
        assert second - first == 15 and 0 <= first and second < 40


@pytest.mark.parametrize("sampler", ["random", "uniform"])
def test_short_video_clamp_repeats_the_last_frame(sampler, rng):
    clips = random_clips(4, 3, 6, rng=rng) if sampler == "random" else uniform_clips(4, 3, 6)
    for clip in clips:
        assert clip.tolist() == [0, 1, 2, 3, 3, 3]


def test_short_video_loop_wraps_around():
    assert clip_indices(0, 3, 7, policy="loop").tolist() == [0, 1, 2, 0, 1, 2, 0]
    assert clip_indices(0, 1, 4).tolist() == [0, 0, 0, 0]  # a one-frame video gives a still clip


def test_bad_arguments_give_clear_errors():
    with pytest.raises(ValueError, match="short-video policy must be one of"):
        clip_indices(0, 10, 5, policy="pad")
    with pytest.raises(ValueError, match="at least one frame"):
        clip_indices(0, 0, 5)
    with pytest.raises(ValueError, match="frames >= 1 and stride >= 1"):
        TrainingClips(frames=0)
    with pytest.raises(ValueError, match="crop position"):
        CropView(1.5, 0.5)
    with pytest.raises(ValueError, match="unknown protocol 'nope'"):
        ClipProtocol.from_dict({"name": "nope"})
    with pytest.raises(ValueError, match="has no fields"):
        ClipProtocol.from_dict({"name": "karpathy", "crops": 3})


def test_karpathy_protocol_is_20_random_clips_by_4_views_reproducible_per_video():
    protocol = KarpathyProtocol()
    assert protocol.clips == 20 and protocol.views == KARPATHY_VIEWS and protocol.passes_per_video == 80
    assert len(set(protocol.views)) == 4 and {view.flip for view in protocol.views} == {True, False}
    np.testing.assert_array_equal(protocol.sample(500, 3), protocol.sample(500, 3))
    assert not np.array_equal(protocol.sample(500, 3), protocol.sample(500, 4))
    assert not np.array_equal(protocol.sample(500, 3), KarpathyProtocol(seed=1).sample(500, 3))


def test_ten_crops_are_five_positions_each_plain_and_flipped():
    assert len(TEN_CROPS) == 10 and len(set(TEN_CROPS)) == 10
    assert {(v.y, v.x) for v in TEN_CROPS} == {(v.y, v.x) for v in FIVE_CROPS}
    assert {(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0), (0.5, 0.5)} == {(v.y, v.x) for v in FIVE_CROPS}


@pytest.mark.parametrize(
    "protocol",
    [KarpathyProtocol(), TwoStreamProtocol(frames=10), UniformClipsProtocol(3, stride=2, short_video="loop")],
)
def test_protocols_round_trip_through_json(protocol):
    data = json.loads(json.dumps(protocol.to_dict()))
    rebuilt = ClipProtocol.from_dict(data)
    assert type(rebuilt) is type(protocol) and rebuilt == protocol
    assert data["name"] == protocol.name


def test_training_sampler_draws_several_clips_per_video(rng):
    clips = TrainingClips(frames=4, clips_per_video=3, stride=3).sample(100, rng)
    assert clips.shape == (3, 4) and (np.diff(clips, axis=1) == 3).all()
    assert TrainingClips().to_dict()["name"] == "training"


def test_video_rng_streams_are_independent_and_reproducible():
    assert video_rng(0, 1, 2).integers(1 << 30) == video_rng(0, 1, 2).integers(1 << 30)
    assert video_rng(0, 1, 2).integers(1 << 30) != video_rng(0, 2, 1).integers(1 << 30)
