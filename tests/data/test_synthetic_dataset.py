import hashlib
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from keras_video_zoo.data.decoders import probe_video
from keras_video_zoo.data.layouts import ucf101
from keras_video_zoo.data.synthetic_dataset import (
    APPEARANCE_DEFINED_CLASSES,
    CLASS_SPECS,
    MOTION_DEFINED_CLASSES,
    SOURCE_CLASSES,
    TARGET_CLASSES,
    class_order,
    generate_dataset,
    read_class_kinds,
    render_video,
)
from keras_video_zoo.data.video_io import count_frames, read_frames

SMALL = {"videos_per_class": 4, "groups": 2, "frames": 13, "size": (48, 64)}


@pytest.fixture(scope="module")
def target_root(tmp_path_factory) -> Path:
    return generate_dataset(tmp_path_factory.mktemp("synthetic") / "target", kind="target", seed=3, **SMALL)


def test_layout_is_ucf101_and_read_by_the_ucf101_reader(target_root):
    description = json.loads((target_root / "ucfTrainTestlist" / "classes.json").read_text())
    names = class_order(spec.name for spec in TARGET_CLASSES)
    assert (target_root / "ucfTrainTestlist" / "classInd.txt").read_bytes().startswith(f"1 {names[0]}\r\n".encode())
    for split in (1, 2, 3):
        train, test = ucf101(target_root, split, "train"), ucf101(target_root, split, "test")
        assert list(train.class_names) == names
        assert {record.group for record in test} == set(description["test_groups"][str(split)])
        assert not {record.video_id for record in train} & {record.video_id for record in test}
        assert len(train) + len(test) == len(names) * SMALL["videos_per_class"]
        assert test.class_counts() == [2] * len(names)  # 2 groups x 2 clips; one group tested
    for record in ucf101(target_root, subset="all"):
        assert Path(record.path).name.startswith(f"v_{names[record.label]}_g0")
    info = probe_video(record.path)
    assert (info.frame_count, info.fps, info.height, info.width) == (13, 25.0, 48, 64)
    assert count_frames(record.path) == 13


def test_classes_json_and_constants_record_motion_and_appearance_classes(target_root):
    kinds = read_class_kinds(target_root)
    assert kinds == {spec.name: spec.defined_by for spec in TARGET_CLASSES}
    description = json.loads((target_root / "ucfTrainTestlist" / "classes.json").read_text())
    assert set(description["motion_defined"]) == set(MOTION_DEFINED_CLASSES["target"])
    assert set(description["appearance_defined"]) == set(APPEARANCE_DEFINED_CLASSES["target"])
    for specs in CLASS_SPECS.values():
        by_name = {spec.name: spec for spec in specs}
        for spec in specs:
            if spec.defined_by == "motion":  # twins look the same and move differently
                twin = by_name[spec.twin]
                assert twin.twin == spec.name and twin.differs_in == spec.differs_in
                assert (twin.shape, twin.colour, twin.texture) == (spec.shape, spec.colour, spec.texture)
                assert twin.motion != spec.motion
    with pytest.raises(FileNotFoundError, match="no classes.json"):
        read_class_kinds(target_root / "UCF-101")


def test_source_and_target_sets_are_disjoint_in_names_and_looks():
    assert len(SOURCE_CLASSES) == 10 and len(TARGET_CLASSES) == 5
    assert not {spec.name for spec in SOURCE_CLASSES} & {spec.name for spec in TARGET_CLASSES}
    looks = {(spec.shape, spec.texture, spec.colour) for spec in SOURCE_CLASSES}
    assert not looks & {(spec.shape, spec.texture, spec.colour) for spec in TARGET_CLASSES}


def digest(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_same_seed_writes_the_same_bytes_and_another_seed_other_videos(target_root, tmp_path):
    again = generate_dataset(tmp_path / "again", kind="target", seed=3, **SMALL)
    assert digest(again) == digest(target_root)
    other = generate_dataset(tmp_path / "other", kind="target", seed=4, **SMALL)
    video = "UCF-101/Drifting/v_Drifting_g01_c01.avi"
    assert np.abs(read_frames(other / video).astype(int) - read_frames(target_root / video)).mean() > 5


def test_a_finished_dataset_is_reused_and_new_arguments_regenerate_it(tmp_path):
    arguments = {**SMALL, "frames": 6}
    root = generate_dataset(tmp_path / "data", kind="target", **arguments)
    video = root / "UCF-101" / "Checkerboard" / "v_Checkerboard_g02_c02.avi"
    written = video.stat().st_mtime_ns
    generate_dataset(tmp_path / "data", kind="target", **arguments)
    assert video.stat().st_mtime_ns == written
    generate_dataset(tmp_path / "data", kind="target", **{**arguments, "frames": 8})
    assert count_frames(video) == 8
    generate_dataset(tmp_path / "data", kind="target", **{**arguments, "videos_per_class": 2})
    assert not video.exists()  # no video of the earlier, larger set is left over
    assert len(list(root.rglob("*.avi"))) == 2 * len(TARGET_CLASSES)
    assert not list(root.rglob("*partial*"))


def test_videos_decode_to_what_was_rendered(target_root):
    spec = next(spec for spec in TARGET_CLASSES if spec.name == "Oscillating")
    label = class_order(spec.name for spec in TARGET_CLASSES).index("Oscillating")
    rendered = render_video(spec, seed=(3, 1, label, 2, 1), group_seed=(3, 1, 2), frames=13, size=(48, 64))
    decoded = read_frames(target_root / "UCF-101" / "Oscillating" / "v_Oscillating_g02_c01.avi")
    error = (decoded.astype(float) - rendered) ** 2
    assert 10 * np.log10(255**2 / error.mean()) > 25  # PSNR in dB: lossy, but the same video


def test_videos_have_a_short_keyframe_interval(target_root):
    import av

    with av.open(str(target_root / "UCF-101" / "Crawling" / "v_Crawling_g01_c01.avi")) as container:
        stream = container.streams.video[0]
        keyframes = [
            index for index, packet in enumerate(p for p in container.demux(stream) if p.size) if packet.is_keyframe
        ]
    assert stream.codec_context.name == "mpeg4" and stream.codec_tag == "XVID"
    assert keyframes == [0, 12]


def test_bad_arguments():
    with pytest.raises(ValueError, match="kind must be one of"):
        generate_dataset("unused", kind="sports")
    with pytest.raises(ValueError, match=r"videos_per_class \(2\) must be >= groups \(3\)"):
        generate_dataset("unused", videos_per_class=2, groups=3)
    with pytest.raises(ValueError, match="at least 2 groups"):
        generate_dataset("unused", videos_per_class=2, groups=1)
    with pytest.raises(ValueError, match="sides >= 16 pixels"):
        render_video(SOURCE_CLASSES[0], size=(8, 8))


# --- motion twins: the same single frames, different motion ------------------------------------------------------

TWIN_VIDEOS, TWIN_FRAMES = 12, 20
_dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)


def single_frame_features(frame: np.ndarray) -> np.ndarray:
    """What a single frame shows of the object: colours, edge orientations, where it is and how big."""
    bright = frame.max(axis=-1) > 130  # objects are brighter than any background
    colours = [np.histogram(frame[..., channel][bright], 8, (0, 256))[0] / bright.size for channel in range(3)]
    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float32)
    magnitude, angle = cv2.cartToPolar(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1))
    edges = np.histogram(angle[bright], 8, (0, 2 * np.pi), weights=magnitude[bright])[0]
    where = cv2.resize(bright.astype(np.float32), (6, 6), interpolation=cv2.INTER_AREA).ravel()
    return np.concatenate([*colours, edges / (edges.sum() + 1e-6), where, [bright.mean()]])


def motion_statistics(clip: np.ndarray) -> dict[str, float]:
    """Optical-flow summaries over the object's pixels, camera pan removed."""
    grey = [cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY) for frame in clip]
    height, width = grey[0].shape
    velocities, radial, tangential, speed = [], [], [], []
    for index, (before, after) in enumerate(zip(grey, grey[1:], strict=False)):
        flow = _dis.calc(before, after, None)
        flow -= np.median(flow.reshape(-1, 2), axis=0)  # the background's motion is the camera's
        moving = clip[index].max(axis=-1) > 170  # the object: brighter than any background
        ys, xs = np.nonzero(moving)
        # Circular means: the synthetic world wraps at the borders.
        cx = np.angle(np.exp(2j * np.pi * xs / width).mean()) * width / (2 * np.pi)
        cy = np.angle(np.exp(2j * np.pi * ys / height).mean()) * height / (2 * np.pi)
        dx, dy = np.mod(xs - cx + width / 2, width) - width / 2, np.mod(ys - cy + height / 2, height) - height / 2
        u, v = flow[moving][:, 0], flow[moving][:, 1]
        distance = np.hypot(dx, dy) + 1e-6
        velocities.append((u.mean(), v.mean()))
        radial.append(((dx * u + dy * v) / distance).mean())
        tangential.append(((dx * v - dy * u) / distance).mean())  # > 0: clockwise on screen (y points down)
        speed.append(np.hypot(u, v).mean())
    velocities = np.array(velocities)
    return {
        # Horizontal minus vertical mean speed: > 0 for horizontal slides whichever way they go.
        "axis": float(np.abs(velocities[:, 0].mean()) - np.abs(velocities[:, 1].mean())),
        # |mean| / mean |.| of the angular velocity: 1 for spinning either way, near 0 for rocking.
        "rotation": float(np.abs(np.mean(tangential)) / (np.mean(np.abs(tangential)) + 1e-6)),
        "scaling": float(np.mean(radial)),
        "speed": float(np.mean(speed)),
        # |mean velocity| / mean |velocity|: 1 for a straight path, near 0 for a back-and-forth one.
        "periodicity": np.linalg.norm(velocities.mean(0)) / (np.linalg.norm(velocities, axis=1).mean() + 1e-6),
    }


def twin_videos(spec) -> list[np.ndarray]:
    label = [s.name for s in SOURCE_CLASSES + TARGET_CLASSES].index(spec.name)
    return [
        render_video(spec, seed=(11, label, video), group_seed=(11, video % 4), frames=TWIN_FRAMES)
        for video in range(TWIN_VIDEOS)
    ]


def single_frame_accuracy(first: list[np.ndarray], second: list[np.ndarray]) -> float:
    """Cross-validated accuracy of a frame classifier, folds split by video (as a single-frame model sees them)."""
    features, labels, videos = [], [], []
    for label, clips in enumerate((first, second)):
        for index, clip in enumerate(clips):
            frames = clip[::2]  # neighbouring frames add little
            features += [single_frame_features(frame) for frame in frames]
            labels += [label] * len(frames)
            videos += [(label, index)] * len(frames)
    groups = np.unique(np.array(videos), axis=0, return_inverse=True)[1].ravel()
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    return float(cross_val_score(model, np.array(features), np.array(labels), groups=groups, cv=GroupKFold(4)).mean())


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[np.ndarray]]:
    return {spec.name: twin_videos(spec) for spec in SOURCE_CLASSES + TARGET_CLASSES if spec.defined_by == "motion"}


@pytest.mark.parametrize(
    "spec", [spec for spec in SOURCE_CLASSES + TARGET_CLASSES if spec.defined_by == "motion" and spec.name < spec.twin]
)
def test_motion_twins_have_indistinguishable_frames_but_different_motion(rendered, spec):
    first, second = rendered[spec.name], rendered[spec.twin]
    # Single frames: a classifier of frame features is at chance (0.5) between twins ...
    assert single_frame_accuracy(first, second) < 0.65
    # ... while the motion statistic of what tells them apart separates the two classes almost perfectly.
    statistic = [motion_statistics(clip)[spec.differs_in] for clip in first + second]
    auc = roc_auc_score([0] * len(first) + [1] * len(second), statistic)
    assert max(auc, 1 - auc) > 0.95, (spec.differs_in, statistic)


def test_the_single_frame_check_does_separate_classes_that_look_different(rendered):
    # The same classifier tells a twin from an appearance-defined class: the check above has power.
    red_square = twin_videos(next(spec for spec in SOURCE_CLASSES if spec.name == "RedSquare"))
    assert single_frame_accuracy(rendered["SlideHorizontal"], red_square) > 0.95


@pytest.mark.parametrize(
    "spec", [spec for spec in SOURCE_CLASSES + TARGET_CLASSES if spec.defined_by == "motion" and spec.name < spec.twin]
)
def test_mirrored_videos_keep_their_class(rendered, spec):
    # The papers flip clips in training and testing: a mirrored video must still show its own class, so the
    # statistic that separates twins separates them as well when half of every class is mirrored.
    first, second = rendered[spec.name], rendered[spec.twin]
    mixed = [clip[:, :, ::-1] if index % 2 else clip for index, clip in enumerate(first + second)]
    statistic = [motion_statistics(np.ascontiguousarray(clip))[spec.differs_in] for clip in mixed]
    auc = roc_auc_score([0] * len(first) + [1] * len(second), statistic)
    assert max(auc, 1 - auc) > 0.95, (spec.differs_in, statistic)
