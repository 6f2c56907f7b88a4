"""A folder of videos as users have them, to run every command over: HD, portrait, mixed sizes, many
containers and codecs (10-bit HEVC, AV1, ProRes, GIF), phone videos with a display rotation, anamorphic
and interlaced broadcast video, a variable frame rate, damaged, truncated, audio-only, empty, not a video.

The folder is in the ``folder_per_class`` layout (``ROOT/<class>/<file>``) with two classes whose
texture moves a different way (``left``: sliding left, ``up``: sliding up), so a model can learn
them from motion and optical flow has something to find at every resolution. Every file says
what kvz should make of it (:class:`RealWorldFile`): a video it reads, a damaged video it reads as
far as it decodes, a file it skips with a reason of its own, or a file that is not a candidate at
all (notes, thumbnails, macOS metadata). The tests run every command over this folder and check
each file's fate; ``kvz synthetic --kind real-world OUT`` writes it for you to try.

Example:
>>> import tempfile
>>> files = write_real_world_videos(tempfile.mkdtemp(), hd=False, frames=12)
>>> sorted({file.expect for file in files})
['damaged', 'ignored', 'skipped', 'video']
"""

from __future__ import annotations

import fractions
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from keras_video_zoo.data.video_writer import encode_video
from keras_video_zoo.opencv import cv2

CLASSES = ("left", "up")
MANIFEST = "real_world_videos.json"
MIN_FRAMES = 12


@dataclass(frozen=True)
class RealWorldFile:
    """One file of the folder and what kvz should make of it.

    Attributes:
        path: relative to the folder's root, ``<class>/<name>``.
        imitates: what kind of real file it stands for.
        expect: ``"video"`` (read whole), ``"damaged"`` (read as far as it decodes, reported damaged),
            ``"skipped"`` (named with its reason, nothing read) or ``"ignored"`` (not a candidate video).
        reason: for a skipped file, how kvz's reason starts.
        height: for videos, the frame height as a player shows it.
        width: for videos, the frame width as a player shows it.
        display: for videos stored otherwise than shown, the word that starts what
            :func:`~keras_video_zoo.data.decoders.probe_video` says it applies (``"turned"``,
            ``"pixels"``, ``"deinterlaced"``).
    """

    path: str
    imitates: str
    expect: str
    reason: str = ""
    height: int = 0
    width: int = 0
    display: str = ""

    @property
    def label(self) -> str:
        return self.path.split("/")[0]


def moving_texture(height: int, width: int, frames: int, direction: str, *, seed: int = 0) -> np.ndarray:
    """``(frames, H, W, 3)`` uint8: a smooth colour texture sliding ``"left"`` or ``"up"`` at 1 % of the width a frame.

    A read-only view of one texture (no copy per frame), so a long HD clip costs the texture's memory.

    Example:
    >>> clip = moving_texture(36, 64, 3, "left")
    >>> clip.shape, bool((clip[1, :, :-1] == clip[0, :, 1:]).all())  # one pixel left a frame
    ((3, 36, 64, 3), True)
    """
    if direction not in CLASSES:
        raise ValueError(f"direction is one of {CLASSES}; got {direction!r}.")
    step = max(1, round(width / 100))
    margin = step * frames
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (max(2, (height + margin) // 12), max(2, (width + margin) // 12), 3), np.uint8)
    texture = cv2.resize(coarse, (width + margin, height + margin), interpolation=cv2.INTER_CUBIC)
    axis = 1 if direction == "left" else 0
    window = texture[:height] if direction == "left" else texture[:, :width]
    shape, strides = (frames, height, width, 3), (step * texture.strides[axis], *window.strides)
    return np.lib.stride_tricks.as_strided(window, shape, strides, writeable=False)


def woven_fields(clip: np.ndarray) -> np.ndarray:
    """Interlaced frames from a clip of fields: frame ``i`` weaves field ``2i`` (even rows) and ``2i + 1`` (odd rows),
    captured a field apart, so moving edges comb as on a broadcast camera's output.

    Example:
    >>> fields = np.arange(4)[:, None, None, None] * np.ones((4, 4, 2, 3), np.uint8)
    >>> woven_fields(fields)[:, :, 0, 0].tolist()
    [[0, 1, 0, 1], [2, 3, 2, 3]]
    """
    frames = np.array(clip[0::2][: len(clip) // 2])
    frames[:, 1::2] = clip[1::2][: len(frames), 1::2]
    return frames


def _audio_only(path: Path) -> None:
    import av

    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=16000)
        tone = np.sin(np.arange(16000) * 2 * np.pi * 440 / 16000).astype(np.float32)[None] * 0.2
        for start in range(0, 16000, 1024):
            frame = av.AudioFrame.from_ndarray(tone[:, start : start + 1024], format="fltp", layout="mono")
            frame.sample_rate = 16000
            container.mux(stream.encode(frame))
        container.mux(stream.encode())


def _damage_middle(path: Path) -> None:
    """Zeroes the bytes from 70 % to 85 % of the file (past the big first keyframe, before an MP4's index at
    the end): a bad sector, a broken copy. The packets that start there no longer decode."""
    data = bytearray(path.read_bytes())
    start, stop = int(len(data) * 0.7), int(len(data) * 0.85)
    data[start:stop] = bytes(stop - start)
    path.write_bytes(bytes(data))


def _cut(path: Path, fraction: float) -> None:
    """Keeps the first ``fraction`` of the file: a download or a copy that stopped."""
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])


def write_real_world_videos(
    root: str | Path, *, hd: bool = True, frames: int = 30, seed: int = 0
) -> list[RealWorldFile]:
    """Writes the folder (``ROOT/left/...``, ``ROOT/up/...`` and a JSON manifest) and returns its files.

    Args:
        root: the folder to write (created; files already there are replaced).
        hd: include the 1080p, 720p and portrait 720x1280 videos (``False`` for fast tests).
        frames: frames per video, at least 12 (the one-frame video has one).
        seed: the textures' seed.

    Returns:
        Every file written, with what kvz should make of it.
    """
    if frames < MIN_FRAMES:  # fewer, and the damaged bytes can land where the decoder conceals them
        raise ValueError(f"the damaged videos need at least {MIN_FRAMES} frames to lose some; got frames={frames}.")
    root = Path(root)
    for name in CLASSES:
        (root / name).mkdir(parents=True, exist_ok=True)
    files: list[RealWorldFile] = []
    rng = np.random.default_rng(seed)

    def video(
        name: str,
        imitates: str,
        size: tuple[int, int],
        write: Callable[[Path, np.ndarray], None],
        expect: str = "video",
        count: int | None = None,
        damage: Callable[[Path], None] | None = None,
        reason: str = "",
        display: str = "",
    ):
        label = name.split("/")[0]
        clip = moving_texture(*size, count or frames, label, seed=seed + len(files))
        path = root / name
        write(path, clip)
        if damage is not None:
            damage(path)
        files.append(RealWorldFile(name, imitates, expect, reason, size[0], size[1], display))

    def turned(degrees: int, codec: str = "libx264"):
        """Stored landscape, shown turned by ``degrees`` counterclockwise: the texture still moves its class's way."""
        return lambda p, c: encode_video(p, np.rot90(c, -degrees // 90, axes=(1, 2)), codec, rotation=degrees)

    def anamorphic(pixel_aspect: fractions.Fraction, container_format: str, codec: str = "mpeg2video"):
        """Shown ``W x H``, stored ``W / pixel_aspect`` wide with wide pixels (a DVD, a PAL camcorder in 16:9)."""

        def write(path, clip):
            height, width = clip.shape[1:3]
            stored = (round(width / pixel_aspect), height)
            squeezed = (cv2.resize(frame, stored, interpolation=cv2.INTER_AREA) for frame in clip)
            encode_video(path, squeezed, codec, container_format=container_format, pixel_aspect=pixel_aspect)

        return write

    def interlaced(path, clip):  # clip holds 2 x frames fields
        encode_video(path, woven_fields(clip), "mpeg2video", container_format="mpegts", interlaced=True)

    def h264(path, clip):
        encode_video(path, clip, "libx264")

    def h264_mp4(path, clip):  # for files whose name says nothing of the container
        encode_video(path, clip, "libx264", container_format="mp4")

    def other(name: str, imitates: str, write: Callable[[Path], None], expect: str, reason: str = ""):
        write(root / name)
        files.append(RealWorldFile(name, imitates, expect, reason))

    if hd:
        video("left/hd_1080p.mp4", "a 1080p camera or screen recording (H.264 MP4)", (1080, 1920), h264)
        video(
            "up/broadcast_720p.ts",
            "a 720p broadcast recording (MPEG-2 in a transport stream)",
            (720, 1280),
            lambda p, c: encode_video(p, c, "mpeg2video", container_format="mpegts"),
        )
        video("left/portrait_phone.mov", "a portrait phone video (H.264 MOV, 720x1280)", (1280, 720), h264)
    video(
        "left/webcam_vfr.mkv",
        "a webcam with a variable frame rate (H.264 MKV)",
        (480, 640),
        lambda p, c: encode_video(p, c, "libx264", times_ms=[int(t) for t in np.cumsum(rng.integers(20, 120, len(c)))]),
    )
    video(
        "left/camcorder.mpg",
        "a PAL camcorder file (MPEG-2 program stream, 720x576)",
        (576, 720),
        lambda p, c: encode_video(p, c, "mpeg2video", container_format="mpeg"),
    )
    video(
        "left/old_divx.avi",
        "an old DivX/XviD AVI (MPEG-4 part 2, 320x240)",
        (240, 320),
        lambda p, c: encode_video(p, c, "mpeg4"),
    )
    video("up/web.webm", "a web video (VP8 WebM, 854x480)", (480, 854), lambda p, c: encode_video(p, c, "libvpx"))
    video("up/flash.flv", "a Flash-era video (Sorenson H.263 FLV)", (240, 320), lambda p, c: encode_video(p, c, "flv"))
    video("up/windows.wmv", "a Windows Media video (WMV2 in ASF)", (240, 320), lambda p, c: encode_video(p, c, "wmv2"))
    video(
        "up/phone.3gp",
        "an old phone video (H.263 3GP, QCIF 176x144 with 12:11 pixels, shown 192x144)",
        (144, 192),
        anamorphic(fractions.Fraction(12, 11), "3gp", "h263"),
        display="pixels",
    )
    video("up/itunes.m4v", "an iTunes/Apple M4V (H.264, 640x360)", (360, 640), h264_mp4)
    video(
        "up/odd_size.mkv",
        "odd frame dimensions (FFV1 4:4:4, 239x321)",
        (239, 321),
        lambda p, c: encode_video(p, c, "ffv1", pix_fmt="yuv444p"),
    )
    video("up/clip_without_extension", "a video whose name has no extension (H.264 MP4)", (240, 320), h264_mp4)
    if hd:
        video(
            "left/broadcast_1080i.ts",
            "an interlaced HD broadcast (MPEG-2 1080i in a transport stream)",
            (1080, 1920),
            interlaced,
            count=2 * frames,
            display="deinterlaced",
        )
    video(
        "up/broadcast_576i.ts",
        "an interlaced SD broadcast (MPEG-2 576i in a transport stream, top field first)",
        (576, 720),
        interlaced,
        count=2 * frames,
        display="deinterlaced",
    )
    video(
        "left/phone_turned_90.mp4",
        "a phone video stored landscape with a 90-degree display matrix (H.264 MP4, shown 240x320)",
        (320, 240),
        turned(90),
        display="turned",
    )
    video(
        "up/phone_upside_down.mov",
        "a phone video held upside down (a 180-degree display matrix, H.264 MOV)",
        (240, 320),
        turned(180),
        display="turned",
    )
    video(
        "left/phone_turned_270.mp4",
        "a phone video with a 270-degree display matrix (HEVC MP4, shown 240x320)",
        (320, 240),
        turned(270, "libx265"),
        display="turned",
    )
    video(
        "up/dvd_16x9.vob",
        "an anamorphic 16:9 DVD title (MPEG-2, 352x288 stored with 16:11 pixels, shown 512x288)",
        (288, 512),
        anamorphic(fractions.Fraction(16, 11), "vob"),
        display="pixels",
    )
    video(
        "left/hdr_phone_10bit.mp4",
        "a recent phone's 10-bit HEVC clip (4:2:0, 10 bits)",
        (240, 320),
        lambda p, c: encode_video(p, c, "libx265", pix_fmt="yuv420p10le"),
    )
    video(
        "up/web_av1.mp4", "a web video in AV1 (SVT-AV1 MP4)", (240, 320), lambda p, c: encode_video(p, c, "libsvtav1")
    )
    video(
        "left/editing_master.mov",
        "an editing master (ProRes 422, 10-bit 4:2:2 MOV)",
        (240, 320),
        lambda p, c: encode_video(p, c, "prores_ks", pix_fmt="yuv422p10le"),
    )
    video(
        "up/reaction.gif",
        "an animated GIF (256 colours)",
        (120, 160),
        lambda p, c: encode_video(p, c, "gif", container_format="gif", pix_fmt="rgb8"),
    )
    video("left/one_frame.mp4", "a one-frame video (shorter than any clip)", (240, 320), h264, count=1)
    video(
        "left/damaged_middle.mp4",
        "a video with damaged bytes in the middle (a bad copy)",
        (360, 640),
        h264,
        expect="damaged",
        damage=_damage_middle,
    )
    video(
        "up/cut_short.avi",
        "an intra-only AVI whose last 40 % is missing (its header counts every frame)",
        (240, 320),
        lambda p, c: encode_video(p, c, "mpeg4", intra_only=True),
        expect="damaged",
        damage=lambda p: _cut(p, 0.6),
    )
    video(
        "up/interrupted_download.mp4",
        "an MP4 download that stopped halfway (its index is at the end)",
        (240, 320),
        h264,
        expect="skipped",
        damage=lambda p: _cut(p, 0.5),
        reason="truncated or damaged",
    )
    other("up/soundtrack.m4a", "an audio-only file among the videos", _audio_only, "skipped", "no video stream")
    other("up/empty.mp4", "an empty file (a failed copy)", lambda p: p.write_bytes(b""), "skipped", "empty file")
    other(
        "left/notes.mp4",
        "a text file named like a video",
        lambda p: p.write_text("todo: film more\n"),
        "skipped",
        "not a video: a text file",
    )
    other(
        "left/random_bytes.avi",
        "a file of random bytes named like a video",
        lambda p: p.write_bytes(rng.bytes(20_000)),
        "skipped",
        "not a video: unknown format",
    )
    other("left/README.txt", "notes beside the videos", lambda p: p.write_text("shot in 2024\n"), "ignored")
    other(
        "up/thumbnail.jpg",
        "a thumbnail beside the videos",
        lambda p: cv2.imwrite(str(p), np.full((90, 160, 3), 128, np.uint8)),
        "ignored",
    )
    other(
        "left/._hd_1080p.mp4",
        "a macOS AppleDouble file (hidden)",
        lambda p: p.write_bytes(b"\x00\x05\x16\x07"),
        "ignored",
    )
    (root / MANIFEST).write_text(json.dumps([asdict(file) for file in files], indent=1) + "\n")
    return files


def read_manifest(root: str | Path) -> list[RealWorldFile]:
    """The files a :func:`write_real_world_videos` folder holds, from its manifest."""
    return [RealWorldFile(**entry) for entry in json.loads((Path(root) / MANIFEST).read_text())]
