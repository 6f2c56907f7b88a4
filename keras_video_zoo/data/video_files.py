"""Which files are what, by name and by content: videos in a folder, frame images in a frame folder, file kinds.

Containers are recognised by their first bytes, never by extension alone, so a ``.mp4`` that is
really a text file is named as one and a video with no extension is still found.

Example:
>>> file_kind(b"\\x00\\x00\\x00\\x18ftypmp42"), file_kind(b"milk, eggs")
('an MP4/MOV/3GP container', 'a text file')
"""

from __future__ import annotations

import string
from pathlib import Path

import numpy as np

from keras_video_zoo.data.video_errors import VideoReadError
from keras_video_zoo.opencv import cv2

FRAME_IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")

# Signatures of the containers FFmpeg reads, by their first bytes (for reasons, never for filtering).
_SIGNATURES = (
    (4, b"ftyp", "an MP4/MOV/3GP container"),
    (0, b"RIFF", "a RIFF (AVI) container"),
    (0, b"\x1a\x45\xdf\xa3", "a Matroska/WebM container"),
    (0, b"\x00\x00\x01\xba", "an MPEG program stream"),
    (0, b"FLV", "an FLV container"),
    (0, b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "an ASF/WMV container"),
    (0, b"OggS", "an Ogg container"),
)
_IMAGES = ((b"\xff\xd8\xff", "a JPEG image"), (b"\x89PNG", "a PNG image"), (b"GIF8", "a GIF image"))


def file_kind(head: bytes) -> str | None:
    """What the first bytes of a file say it is (a container, an image, a text file), or None."""
    for offset, magic, name in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return name
    if len(head) > 188 and head[0] == 0x47 and head[188] == 0x47:
        return "an MPEG transport stream"
    for magic, name in _IMAGES:
        if head.startswith(magic):
            return name
    printable = set(string.printable.encode())
    if head and sum(byte in printable for byte in head) / len(head) > 0.95:
        return "a text file"
    return None


def frame_folder_images(folder: str | Path, prefix: str = "img_") -> list[Path]:
    """The frame images of an extracted frame folder (``img_00001.jpg`` ...), in frame order.

    Example:
    >>> frame_folder_images("no/such/folder")
    Traceback (most recent call last):
    ...
    keras_video_zoo.data.video_errors.VideoReadError: no/such/folder: no such frame folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise VideoReadError(folder, "no such frame folder.")
    # Zero-padded names sort in frame order; sorting by the number also handles unpadded ones.
    images = [
        image
        for image in folder.iterdir()
        if image.name.startswith(prefix)
        and image.suffix.lower() in FRAME_IMAGE_EXTENSIONS
        and image.stem[len(prefix) :].isdigit()
    ]
    return sorted(images, key=lambda image: int(image.stem[len(prefix) :]))


def read_frame_image(path: Path) -> np.ndarray:
    frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if frame is None:
        raise VideoReadError(path, "is not a readable image.")
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)


# Names users give videos: a file so named is always read, so a ".mp4" that is really a text
# file is reported ("not a video: a text file") rather than left out.
_VIDEO_SUFFIXES = frozenset(
    ".3gp .asf .avi .divx .f4v .flv .gif .m2ts .m4v .mkv .mov .mp4 .mpeg .mpg .mts .ogv .ts .vob .webm .wmv".split()
)


# Names that are never videos (notes, subtitles, images, metadata): left out without being read.
_OTHER_SUFFIXES = frozenset(
    ".bmp .csv .htm .html .jpeg .jpg .json .log .md .nfo .pdf .png .py .srt .sub .tif .tiff .toml .tsv .txt "
    ".vtt .webp .xml .yaml .yml".split()
)


def looks_like_video(path: str | Path) -> bool:
    """Whether a file is a candidate video: named like one, or neither named nor made like notes or an image.

    Files with no extension, or an unusual one, are candidates unless their content says they are text
    or an image; every candidate that FFmpeg then cannot read is reported with its reason.

    Example:
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> _ = (root / "notes").write_text("not a video at all")
    >>> _ = (root / "clip.mp4").write_text("not a video at all")
    >>> looks_like_video(root / "notes"), looks_like_video(root / "clip.mp4")
    (False, True)
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in _VIDEO_SUFFIXES or suffix in _OTHER_SUFFIXES:
        return suffix in _VIDEO_SUFFIXES
    with open(path, "rb") as file:
        kind = file_kind(file.read(512))
    return not (kind and ("text" in kind or "image" in kind))


def video_files(folder: str | Path, *, recursive: bool = False) -> list[Path]:
    """The files under ``folder`` that could be videos by their content (see :func:`looks_like_video`), sorted.

    No extension is needed: a ``.m4v``, ``.mpg`` or ``.ts`` (or a video with no extension) is found;
    a ``notes.txt`` or a thumbnail is not a video by its content and is left out. Hidden files are
    left out too (macOS copies leave ``._clip.avi`` metadata files beside the videos).

    Example:
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "a.m4v").write_bytes(b"\\x00" * 8) and (root / "notes.txt").write_text("hi") and None
    >>> (root / ".DS_Store").touch(); (root / "b.mpg").touch()
    >>> [path.name for path in video_files(root)]
    ['a.m4v', 'b.mpg']
    """
    folder = Path(folder)
    pattern = folder.rglob("*") if recursive else folder.iterdir()
    return sorted(
        path
        for path in pattern
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
        and looks_like_video(path)
    )
