import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from keras_video_zoo.data.layouts import (
    UCF101_CLASS_GROUPS,
    UCF101_CLASS_NAMES,
    case_insensitive_order,
    csv_manifest,
    folder_per_class,
    frame_folders,
    hmdb51,
    multilabel_list,
    ucf101,
    ucf101_class_group,
    with_frame_folders,
)
from keras_video_zoo.data.video_io import read_frames

# Real UCF-101 names that sorted() misorders: Hammering < HammerThrow and JumpingJack < JumpRope ignoring case.
UCF_CLASSES = ["HammerThrow", "Hammering", "HandstandPushups", "JumpRope", "JumpingJack"]
UCF_ORDER = ["Hammering", "HammerThrow", "HandstandPushups", "JumpingJack", "JumpRope"]
GROUPS, CLIPS = 9, 2


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def write_crlf(path: Path, lines) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("".join(f"{line}\r\n" for line in lines).encode())


def ucf_file_name(class_name: str, group: int, clip: int) -> str:
    file_class = "HandStandPushups" if class_name == "HandstandPushups" else class_name  # the real quirk
    return f"v_{file_class}_g{group:02d}_c{clip:02d}.avi"


def make_ucf(root: Path, class_order=UCF_ORDER) -> Path:
    """A miniature UCF-101: 9 groups x 2 clips per class, split N tests groups 3N-2..3N, CRLF lists."""
    for name in UCF_CLASSES:
        for group in range(1, GROUPS + 1):
            for clip in range(1, CLIPS + 1):
                touch(root / "UCF-101" / name / ucf_file_name(name, group, clip))
    lists = root / "ucfTrainTestlist"
    write_crlf(lists / "classInd.txt", [f"{i} {name}" for i, name in enumerate(class_order, 1)])
    for split in (1, 2, 3):
        tested = range(3 * split - 2, 3 * split + 1)
        videos = [(n, g, c) for n in UCF_CLASSES for g in range(1, GROUPS + 1) for c in range(1, CLIPS + 1)]
        train = [f"{n}/{ucf_file_name(n, g, c)} {class_order.index(n) + 1}" for n, g, c in videos if g not in tested]
        test = [f"{n}/{ucf_file_name(n, g, c)}" for n, g, c in videos if g in tested]
        write_crlf(lists / f"trainlist0{split}.txt", train)
        write_crlf(lists / f"testlist0{split}.txt", test)
    return root


@pytest.fixture
def ucf_root(tmp_path) -> Path:
    return make_ucf(tmp_path / "ucf")


def test_ucf101_labels_come_from_class_ind_not_from_sorting_folders(ucf_root):
    train = ucf101(ucf_root, split=1, subset="train")
    assert list(train.class_names) == UCF_ORDER != sorted(UCF_CLASSES)
    for record in train:
        assert train.class_names[record.label] == Path(record.path).parent.name
    assert train.class_counts() == [6 * CLIPS] * 5  # 6 training groups per class
    assert train.name == "ucf101/split1/train"


def test_ucf101_class_ind_order_is_the_label_order_whatever_it_is(tmp_path):
    reversed_order = UCF_ORDER[::-1]
    data = ucf101(make_ucf(tmp_path / "ucf", reversed_order), subset="test")
    assert list(data.class_names) == reversed_order
    assert all(data.class_names[record.label] == Path(record.path).parent.name for record in data)


def test_ucf101_splits_are_by_group_and_handle_the_handstand_file_names(ucf_root):
    for split in (1, 2, 3):
        train, test = ucf101(ucf_root, split, "train"), ucf101(ucf_root, split, "test")
        assert {record.group for record in test} == set(range(3 * split - 2, 3 * split + 1))
        assert not {record.group for record in train} & {record.group for record in test}
        assert len(train) + len(test) == len(UCF_CLASSES) * GROUPS * CLIPS
        assert len(ucf101(ucf_root, split, "all")) == len(train) + len(test)
    handstand = [record for record in ucf101(ucf_root) if "HandStand" in record.video_id]
    assert handstand and all(Path(record.path).exists() for record in handstand)
    assert handstand[0].video_id == "v_HandStandPushups_g04_c01"


def test_ucf101_accepts_explicit_folders_and_case_mismatched_list_entries(ucf_root, tmp_path):
    lists = ucf_root / "ucfTrainTestlist"
    text = (lists / "testlist01.txt").read_text().replace("JumpRope/v_JumpRope", "jumprope/v_JUMPROPE")
    (lists / "testlist01.txt").write_text(text)
    data = ucf101(tmp_path, subset="test", videos_dir=ucf_root / "UCF-101", splits_dir=lists)
    jump_rope = [record for record in data if data.class_names[record.label] == "JumpRope"]
    assert len(jump_rope) == 3 * CLIPS and all(Path(record.path).exists() for record in jump_rope)


def test_ucf101_missing_split_file(ucf_root):
    (ucf_root / "ucfTrainTestlist" / "trainlist02.txt").unlink()
    with pytest.raises(FileNotFoundError, match="trainlist02.txt is missing"):
        ucf101(ucf_root, split=2)
    with pytest.raises(FileNotFoundError, match="no classInd.txt"):
        ucf101(ucf_root / "UCF-101" / "Hammering")


def test_ucf101_class_missing_from_class_ind(tmp_path):
    root = make_ucf(tmp_path / "ucf")
    write_crlf(root / "ucfTrainTestlist" / "classInd.txt", [f"{i} {n}" for i, n in enumerate(UCF_ORDER[:-1], 1)])
    with pytest.raises(ValueError, match=r"1 class\(es\) in the split lists are missing from .*classInd.txt.*JumpRope"):
        ucf101(root, subset="test")


def test_ucf101_label_that_disagrees_with_class_ind(ucf_root):
    train_list = ucf_root / "ucfTrainTestlist" / "trainlist01.txt"
    train_list.write_bytes(train_list.read_bytes().replace(b".avi 1\r\n", b".avi 2\r\n", 1))
    with pytest.raises(ValueError, match="is labelled 2 but classInd.txt gives Hammering index 1"):
        ucf101(ucf_root)


def test_ucf101_listed_videos_missing_on_disk(ucf_root):
    for clip in (1, 2):
        (ucf_root / "UCF-101" / "JumpRope" / ucf_file_name("JumpRope", 1, clip)).unlink()
    with pytest.raises(
        FileNotFoundError, match=r"2 of 30 videos listed by .* are missing on disk \(e.g. .*v_JumpRope_g01"
    ):
        ucf101(ucf_root, subset="test")
    with pytest.warns(UserWarning, match="2 of 30 videos"):
        assert len(ucf101(ucf_root, subset="test", on_missing="skip")) == 28


def test_ucf101_bad_arguments(ucf_root):
    with pytest.raises(ValueError, match="splits"):
        ucf101(ucf_root, split=4)
    with pytest.raises(ValueError, match="subset must be one of"):
        ucf101(ucf_root, subset="val")


def test_ucf101_constants_match_the_dataset_description():
    assert len(UCF101_CLASS_NAMES) == 101 == len(set(UCF101_CLASS_NAMES))
    assert list(UCF101_CLASS_NAMES) == case_insensitive_order(UCF101_CLASS_NAMES)
    assert UCF101_CLASS_NAMES.index("Hammering") < UCF101_CLASS_NAMES.index("HammerThrow")
    assert [len(names) for names in UCF101_CLASS_GROUPS.values()] == [20, 16, 5, 10, 50]
    grouped = [name for names in UCF101_CLASS_GROUPS.values() for name in names]
    assert sorted(grouped) == sorted(UCF101_CLASS_NAMES)  # the groups partition the classes
    assert ucf101_class_group("JumpingJack") == "Body-Motion Only"


def make_hmdb(root: Path) -> Path:
    """Two classes x 5 clips; split 1 codes 1,1,2,0,2 with trailing spaces and CRLF."""
    for name in ("kick_ball", "brush_hair"):
        for clip in range(5):
            touch(root / name / f"{name}_clip{clip}.avi")
        codes = ["1", "1", "2", "0", "2"]
        write_crlf(
            root / "testTrainMulti_7030_splits" / f"{name}_test_split1.txt",
            [f"{name}_clip{clip}.avi {code} " for clip, code in enumerate(codes)],
        )
    return root


def test_hmdb51_codes_and_class_order(tmp_path):
    root = make_hmdb(tmp_path / "hmdb")
    train, test = hmdb51(root, 1, "train"), hmdb51(root, 1, "test")
    assert train.class_names == ("brush_hair", "kick_ball")
    assert [record.video_id for record in train if record.label == 1] == ["kick_ball_clip0", "kick_ball_clip1"]
    assert (
        len(train) == 4 and len(test) == 4 and len(hmdb51(root, 1, "unused")) == 2 and len(hmdb51(root, 1, "all")) == 8
    )
    assert all(Path(record.path).exists() for record in test)
    reordered = hmdb51(root, 1, "train", class_names=["kick_ball", "brush_hair"])
    assert reordered.class_names == ("kick_ball", "brush_hair") and reordered[0].label == 0


def test_hmdb51_errors(tmp_path):
    root = make_hmdb(tmp_path / "hmdb")
    with pytest.raises(FileNotFoundError, match="no split files <class>_test_split2.txt"):
        hmdb51(root, split=2)
    with pytest.raises(FileNotFoundError, match="no split file wave_test_split1.txt"):
        hmdb51(root, class_names=["brush_hair", "kick_ball", "wave"])
    with pytest.raises(ValueError, match=r"classes missing from class_names: \['kick_ball'\]"):
        hmdb51(root, class_names=["brush_hair"])
    split_file = root / "testTrainMulti_7030_splits" / "kick_ball_test_split1.txt"
    split_file.write_text("kick_ball_clip0.avi 3\n")
    with pytest.raises(ValueError, match=r"kick_ball_test_split1.txt:1: expected '<clip>.avi <0\|1\|2>'"):
        hmdb51(root)


def make_folders(root: Path) -> Path:
    files = [
        "walk/w1.mp4",
        "walk/w2.MKV",
        "walk/._w1.mp4",
        "Run/r1.avi",
        "run_notes/readme.txt",
        "Jog/j1.webm",
        "Jog/j2.mov",
    ]
    for path in files:
        touch(root / path)
    (root / "run_notes/readme.txt").write_text("Recorded in May.\n")  # text: not a video, by its content
    return root


def test_folder_per_class_orders_classes_ignoring_case_and_finds_every_video(tmp_path):
    data = folder_per_class(make_folders(tmp_path / "videos"))
    assert data.class_names == ("Jog", "Run", "walk")  # run_notes has no video; ._w1.mp4 is macOS metadata
    assert [(record.video_id, record.label) for record in data] == [
        ("j1", 0),
        ("j2", 0),
        ("r1", 1),
        ("w1", 2),
        ("w2", 2),
    ]


def test_folder_per_class_split_file_and_class_names(tmp_path):
    root = make_folders(tmp_path / "videos")
    write_crlf(root / "split.txt", ["walk/w1.mp4 train", "Run/r1.avi test", "Jog/j1.webm train"])
    train = folder_per_class(root, root / "split.txt", "train", class_names=["walk", "Run", "Jog"])
    assert [(record.video_id, record.label) for record in train] == [("w1", 0), ("j1", 2)]
    everything = folder_per_class(root, root / "split.txt")
    assert len(everything) == 3 and everything.class_names == ("Jog", "Run", "walk")


def test_folder_per_class_errors(tmp_path):
    root = make_folders(tmp_path / "videos")
    with pytest.raises(ValueError, match="needs a split_file"):
        folder_per_class(root, subset="train")
    with pytest.raises(FileNotFoundError, match="split file .*nope.txt does not exist"):
        folder_per_class(root, root / "nope.txt")
    write_crlf(root / "untagged.txt", ["walk/w1.mp4"])
    with pytest.raises(ValueError, match="untagged.txt:1: no subset after the path"):
        folder_per_class(root, root / "untagged.txt", "train")
    write_crlf(root / "other.txt", ["swim/s1.mp4 train"])
    with pytest.raises(ValueError, match=r"not among the 3 classes: \['swim'\]"):
        folder_per_class(root, root / "other.txt", "train")
    with pytest.raises(ValueError, match=r"class folders not in class_names: \['Jog'\]"):
        folder_per_class(root, class_names=["walk", "Run"])
    write_crlf(root / "missing.txt", ["walk/w9.mp4 test"])
    with pytest.raises(FileNotFoundError, match="1 of 1 videos .* missing on disk"):
        folder_per_class(root, root / "missing.txt", "test")


def test_csv_manifest_names_multi_labels_and_subsets(tmp_path):
    for name in ("a.mp4", "b.avi", "sub/c.mkv"):
        touch(tmp_path / name)
    manifest = tmp_path / "videos.csv"
    manifest.write_text("path,label,split\r\na.mp4,walk,train\r\nb.avi,Run;walk,test\r\nsub/c.mkv,jump,train\r\n")
    test = csv_manifest(manifest, "test")
    assert test.class_names == ("jump", "Run", "walk")  # every row's classes, whatever the subset
    assert [record.labels for record in test] == [(1, 2)] and test.multi_label
    assert [record.video_id for record in csv_manifest(manifest, "train")] == ["a", "c"]
    headerless = tmp_path / "plain.csv"
    headerless.write_text("a.mp4,2\nb.avi,0\n")
    data = csv_manifest(headerless)
    assert data.class_names == ("0", "1", "2") and [record.label for record in data] == [2, 0]
    named = csv_manifest(headerless, class_names=["run", "walk", "jump"])
    assert named.class_names[named[0].label] == "jump"


def test_csv_manifest_errors(tmp_path):
    touch(tmp_path / "a.mp4")
    manifest = tmp_path / "videos.csv"
    manifest.write_text("path,label\na.mp4,walk\nmissing.mp4,run\n")
    with pytest.raises(ValueError, match="has no split column"):
        csv_manifest(manifest, "train")
    with pytest.raises(ValueError, match=r"labels not among the 1 classes: \['run'\]"):
        csv_manifest(manifest, class_names=["walk"])
    with pytest.raises(FileNotFoundError, match=r"1 of 2 videos listed by manifest .*missing.mp4"):
        csv_manifest(manifest)
    manifest.write_text("a.mp4\n")
    with pytest.raises(ValueError, match=r"videos.csv:1: expected 'path,label\[,split\]'"):
        csv_manifest(manifest)
    manifest.write_text("path,kind\na.mp4,walk\n")
    with pytest.raises(ValueError, match=r"has no \['label'\] column"):
        csv_manifest(manifest)


def test_frame_folders_are_read_like_videos(tmp_path):
    root = tmp_path / "frames"
    for video, label_value in (("Run/v_Run_g01_c01", 50), ("Walk/v_Walk_g01_c01", 150)):
        (root / video).mkdir(parents=True)
        for index in range(1, 6):
            cv2.imwrite(str(root / video / f"img_{index:05d}.jpg"), np.full((24, 32, 3), label_value, np.uint8))
    (root / "Walk" / "not_frames").mkdir()
    data = frame_folders(root)
    assert [(record.video_id, record.label) for record in data] == [("v_Run_g01_c01", 0), ("v_Walk_g01_c01", 1)]
    frames = read_frames(data[1].path, [0, 4])
    assert frames.shape == (2, 24, 32, 3) and abs(frames.mean() - 150) < 3
    videos = ucf101(make_ucf(tmp_path / "ucf"), subset="test")
    hammering = videos.subset([record for record in videos if record.video_id.startswith("v_Hammering_")])
    for record in hammering:
        touch(tmp_path / "extracted" / "Hammering" / record.video_id / "img_00001.jpg")
    remapped = with_frame_folders(hammering, tmp_path / "extracted")
    assert [record.labels for record in remapped] == [record.labels for record in hammering]
    assert all(Path(record.path).is_dir() for record in remapped)
    with pytest.raises(FileNotFoundError, match="30 of 30 videos listed by frame folders under"):
        with_frame_folders(videos, tmp_path / "elsewhere")


def test_multilabel_lists_in_text_and_json(tmp_path):
    videos = tmp_path / "videos"
    for name in ("oHuHG2U0AGE.mp4", "b2.mkv", "c3.webm"):
        touch(videos / name)
    (tmp_path / "labels.txt").write_text("archery\nbaseball\ncurling\ndiving\n")
    text = tmp_path / "train_partition.txt"
    text.write_text("http://www.youtube.com/watch?v=oHuHG2U0AGE 3,0\r\nb2 1\r\ngone 2\r\n")
    with pytest.warns(UserWarning, match="1 of 3 videos .* missing on disk"):
        data = multilabel_list(text, videos, class_names=tmp_path / "labels.txt")
    assert [(record.video_id, record.labels) for record in data] == [("oHuHG2U0AGE", (3, 0)), ("b2", (1,))]
    assert data.class_names[3] == "diving" and data.multi_label and Path(data[1].path).suffix == ".mkv"
    listing = tmp_path / "test.json"
    listing.write_text(json.dumps([{"id": "c3", "label487": [2]}, {"id": "b2", "label487": [0, 1]}]))
    data = multilabel_list(listing, videos, on_missing="raise")
    assert [record.labels for record in data] == [(2,), (0, 1)] and data.num_classes == 3


def test_multilabel_errors(tmp_path):
    text = tmp_path / "list.txt"
    text.write_text("abc 1;2\n")
    with pytest.raises(ValueError, match=r"list.txt:1: expected '<url or id> <label>\[,<label>...\]'"):
        multilabel_list(text, tmp_path)
    text.write_text("abc 5\n")
    with pytest.raises(ValueError, match="labels beyond the 2 classes"):
        multilabel_list(text, tmp_path, class_names=["a", "b"])
    text.write_text("abc 0\n")
    with pytest.raises(FileNotFoundError, match="pass on_missing='skip'"):
        multilabel_list(text, tmp_path, on_missing="raise")
