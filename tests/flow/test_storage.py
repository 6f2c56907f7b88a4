"""Flow folders: layout, manifest checks, folders from other tools, bad folders."""

import json

import cv2
import numpy as np
import pytest

from keras_video_zoo.flow.quantisation import quantize_flow
from keras_video_zoo.flow.storage import (
    FlowFolder,
    FlowManifest,
    is_complete,
    remove_partial_folders,
    write_flow_folder,
)


def flow_fields(count=3, size=(16, 20), seed=0):
    """Smooth fields (planes of random slope, up to ~5 px), the kind JPEG keeps well."""
    slopes = np.random.default_rng(seed).uniform(-1, 1, (count, 1, 1, 2, 2))
    ys, xs = np.mgrid[0 : size[0], 0 : size[1]] / max(size) * 5
    return (slopes[..., 0] * xs[None, ..., None] + slopes[..., 1] * ys[None, ..., None]).astype(np.float32)


def write_other_tool_folder(folder, codes):
    """A folder as the common tools write it: JPEGs, no manifest."""
    folder.mkdir()
    for k, field in enumerate(codes):
        cv2.imwrite(str(folder / f"flow_x_{k + 1:05d}.jpg"), field[..., 0], [cv2.IMWRITE_JPEG_QUALITY, 100])
        cv2.imwrite(str(folder / f"flow_y_{k + 1:05d}.jpg"), field[..., 1], [cv2.IMWRITE_JPEG_QUALITY, 100])


def test_layout_manifest_and_backward_files(tmp_path):
    forward = flow_fields()
    manifest = write_flow_folder(tmp_path / "v", forward, -forward, algorithm="dis", resize={"size": [16, 20]})
    names = sorted(p.name for p in (tmp_path / "v").iterdir())
    assert names[:3] == ["backward_flow_x_00001.jpg", "backward_flow_x_00002.jpg", "backward_flow_x_00003.jpg"]
    assert "flow_x_00003.jpg" in names and "flow_y_00003.jpg" in names and "manifest.json" in names
    stored = json.loads((tmp_path / "v" / "manifest.json").read_text())
    assert stored["algorithm"] == "dis" and stored["bound"] == 20.0 and stored["quantisation"] == "bound"
    assert stored["frame_count"] == 4 and stored["resize"] == {"size": [16, 20]} and stored["backward"] is True
    folder = FlowFolder(tmp_path / "v", bound=20)
    assert folder.manifest == manifest and is_complete(tmp_path / "v")
    np.testing.assert_allclose(folder.read_pixels([2], "backward"), -forward[[2]], atol=0.3)


def test_folder_from_another_tool_reads_with_the_given_bound(tmp_path):
    codes = quantize_flow(flow_fields(), 15)
    write_other_tool_folder(tmp_path / "v", codes)
    folder = FlowFolder(tmp_path / "v", bound=15)
    assert folder.field_count == 3 and folder.manifest.algorithm == "unknown"
    assert np.abs(folder.read().astype(int) - codes).max() <= 1
    with pytest.raises(ValueError, match="no manifest.json .* give the quantisation bound"):
        FlowFolder(tmp_path / "v")


def test_missing_y_file_is_named(tmp_path):
    write_other_tool_folder(tmp_path / "v", quantize_flow(flow_fields(4)))
    (tmp_path / "v" / "flow_y_00003.jpg").unlink()
    with pytest.raises(ValueError, match="do not pair up: missing flow_y for 00003 .4 x files, 3 y files"):
        FlowFolder(tmp_path / "v", bound=20)


def test_gap_in_field_numbers_is_named(tmp_path):
    write_other_tool_folder(tmp_path / "v", quantize_flow(flow_fields(4)))
    for component in "xy":
        (tmp_path / "v" / f"flow_{component}_00002.jpg").unlink()
    with pytest.raises(ValueError, match="flow fields are missing: 00002"):
        FlowFolder(tmp_path / "v", bound=20)


def test_unequal_x_and_y_sizes_are_refused(tmp_path):
    write_other_tool_folder(tmp_path / "v", quantize_flow(flow_fields(2)))
    cv2.imwrite(str(tmp_path / "v" / "flow_y_00002.jpg"), np.zeros((8, 8), np.uint8))
    folder = FlowFolder(tmp_path / "v", bound=20)
    with pytest.raises(ValueError, match=r"field 00002 has x \(16, 20\) but y \(8, 8\)"):
        folder.read()


def test_manifest_bound_disagreeing_with_the_caller_is_refused(tmp_path):
    write_flow_folder(tmp_path / "v", flow_fields(), algorithm="dis", bound=15)
    with pytest.raises(ValueError, match="quantised with bound B=15 .manifest. but B=20 was asked for"):
        FlowFolder(tmp_path / "v", bound=20)


def test_manifest_disagreeing_with_the_files_is_refused(tmp_path):
    write_flow_folder(tmp_path / "v", flow_fields(), algorithm="dis")
    for component in "xy":
        (tmp_path / "v" / f"flow_{component}_00003.jpg").unlink()
    with pytest.raises(ValueError, match="manifest promises .'forward': 3.* but the folder holds .'forward': 2"):
        FlowFolder(tmp_path / "v")


def test_writing_never_leaves_a_partial_folder(tmp_path):
    with pytest.raises(ValueError, match="forward and backward|must match"):
        write_flow_folder(tmp_path / "v", flow_fields(3), flow_fields(2), algorithm="dis")
    assert list(tmp_path.iterdir()) == []
    write_flow_folder(tmp_path / "v", flow_fields(), algorithm="dis")
    with pytest.raises(FileExistsError, match="already exists"):
        write_flow_folder(tmp_path / "v", flow_fields(), algorithm="dis")
    (tmp_path / ".partial-w-1234").mkdir()
    assert [p.name for p in remove_partial_folders(tmp_path)] == [".partial-w-1234"]
    assert [p.name for p in tmp_path.iterdir()] == ["v"]


def test_bad_indices_and_missing_backward(tmp_path):
    write_flow_folder(tmp_path / "v", flow_fields(), algorithm="dis")
    folder = FlowFolder(tmp_path / "v")
    with pytest.raises(IndexError, match=r"fields 0..2; asked for \[3\]"):
        folder.read([3])
    with pytest.raises(ValueError, match="no backward flow"):
        folder.read([0], "backward")
    with pytest.raises(ValueError, match="at least 2 frames"):
        FlowManifest("dis", "bound", 20, frame_count=1, height=4, width=4)


def test_a_crash_while_writing_leaves_no_folder_that_looks_complete(tmp_path, monkeypatch):
    calls = []

    def failing_imwrite(path, image, parameters):
        calls.append(path)
        if len(calls) == 3:
            raise OSError("disk full")
        return cv2.imencode(".jpg", image, parameters)[1].tofile(path) is None

    monkeypatch.setattr(cv2, "imwrite", failing_imwrite)
    with pytest.raises(OSError, match="disk full"):
        write_flow_folder(tmp_path / "v", flow_fields(), algorithm="dis")
    assert len(calls) == 3 and list(tmp_path.iterdir()) == [] and not is_complete(tmp_path / "v")
