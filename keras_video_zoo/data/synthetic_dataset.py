"""A deterministic synthetic action dataset, written as real XviD AVI files in the UCF-101 layout.

Each video shows one object on a textured background seen by a panning camera. Some
classes come in *motion twins*: the same object, colours and position statistics,
differing only in how it moves (horizontal vs vertical sliding, spinning vs rocking,
expansion vs contraction, speed, periodic vs linear), so a single frame cannot tell the twins apart while a
motion-aware model can. The other classes differ in appearance (shape, colour,
texture) and move at random. Nuisances shared by every class: a tileable background
texture and tint per group, the same for every class (UCF-101's groups are one scene;
the split by group tests on scenes never seen in training), a random camera
pan, brightness jitter and sensor noise. The world is a torus (everything wraps), so
an object's position in any single frame is uniform whatever its motion.

Two disjoint sets: ``kind="source"`` (10 classes, stands in for Sports-1M) and
``kind="target"`` (5 classes with other names and objects, stands in for UCF-101) for
transfer experiments. Layout written (readable with ``keras_video_zoo.data.layouts.ucf101``)::

    root/UCF-101/<Class>/v_<Class>_gGG_cCC.avi
    root/ucfTrainTestlist/classInd.txt, trainlist0{1,2,3}.txt, testlist0{1,2,3}.txt, classes.json

``classes.json`` records, per class, whether it is motion- or appearance-defined (also
in :data:`MOTION_DEFINED_CLASSES`), so benchmarks can split accuracy by kind.

Example:
>>> import tempfile
>>> root = generate_dataset(tempfile.mkdtemp(), kind="target", videos_per_class=2, groups=2, frames=4, size=(32, 32))
>>> sorted(path.name for path in (root / "ucfTrainTestlist").iterdir())[:3]
['classInd.txt', 'classes.json', 'testlist01.txt']
>>> read_class_kinds(root)["Oscillating"]
'motion'
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from keras_video_zoo.opencv import cv2
from keras_video_zoo.vocabulary import SYNTHETIC_DATASET_KINDS as DATASET_KINDS

VIDEOS_DIR = "UCF-101"
SPLITS_DIR = "ucfTrainTestlist"
CLASSES_FILE = "classes.json"
SPLITS = (1, 2, 3)
GENERATOR_VERSION = 4  # bump when the rendering or the classes change, so cached datasets regenerate
FOURCC = "XVID"  # MPEG-4 part 2, as UCF-101; OpenCV's FFmpeg writer puts a keyframe every 12 frames.


@dataclass(frozen=True)
class ClassSpec:
    """How one synthetic class looks and moves.

    Attributes:
        name: the class name (CamelCase, as UCF-101's).
        shape: ``disc``, ``ring``, ``square``, ``triangle``, ``cross``, ``clock_hand``, ``star`` or ``diamond``.
        colour: RGB of the object (jittered per video).
        texture: ``plain``, ``stripes`` or ``checker``.
        motion: the motion program (see :func:`_trajectory`).
        defined_by: ``"motion"`` (has a twin that differs only in motion) or ``"appearance"``.
        twin: the motion twin's name, for motion-defined classes.
        differs_in: what tells the twins apart (``axis`` of a slide, ``rotation`` (spinning one way vs
            rocking), ``scaling``, ``speed``, ``periodicity``). Every class is closed under horizontal
            mirroring (directions and senses are drawn either way), as real action classes are, so the
            papers' flip augmentation and flipped test views keep labels true.
    """

    name: str
    shape: str
    colour: tuple[int, int, int]
    texture: str
    motion: str
    defined_by: str
    twin: str | None = None
    differs_in: str | None = None


def _twins(names, shape, colour, motions, differs_in) -> tuple[ClassSpec, ClassSpec]:
    first, second = names
    return (
        ClassSpec(first, shape, colour, "plain", motions[0], "motion", second, differs_in),
        ClassSpec(second, shape, colour, "plain", motions[1], "motion", first, differs_in),
    )


SOURCE_CLASSES: tuple[ClassSpec, ...] = (
    *_twins(
        ("SlideHorizontal", "SlideVertical"), "disc", (235, 205, 60), ("slide_horizontal", "slide_vertical"), "axis"
    ),
    *_twins(("Spin", "Swing"), "clock_hand", (235, 235, 235), ("spin", "swing"), "rotation"),
    *_twins(("Expand", "Contract"), "ring", (70, 220, 230), ("expand", "contract"), "scaling"),
    ClassSpec("RedSquare", "square", (225, 50, 50), "plain", "wander", "appearance"),
    ClassSpec("GreenTriangle", "triangle", (60, 210, 80), "plain", "wander", "appearance"),
    ClassSpec("BlueCross", "cross", (70, 100, 240), "plain", "wander", "appearance"),
    ClassSpec("StripedDisc", "disc", (240, 150, 40), "stripes", "wander", "appearance"),
)
TARGET_CLASSES: tuple[ClassSpec, ...] = (
    *_twins(("Oscillating", "Drifting"), "star", (250, 120, 190), ("oscillate", "drift"), "periodicity"),
    *_twins(("Dashing", "Crawling"), "diamond", (170, 90, 230), ("fast", "slow"), "speed"),
    ClassSpec("Checkerboard", "square", (230, 230, 120), "checker", "wander", "appearance"),
)
CLASS_SPECS: dict[str, tuple[ClassSpec, ...]] = {"source": SOURCE_CLASSES, "target": TARGET_CLASSES}
MOTION_DEFINED_CLASSES: dict[str, tuple[str, ...]] = {
    kind: tuple(spec.name for spec in specs if spec.defined_by == "motion") for kind, specs in CLASS_SPECS.items()
}
APPEARANCE_DEFINED_CLASSES: dict[str, tuple[str, ...]] = {
    kind: tuple(spec.name for spec in specs if spec.defined_by == "appearance") for kind, specs in CLASS_SPECS.items()
}
DEFAULT_VIDEOS_PER_CLASS = {"source": 24, "target": 16}
# Many scenes, as UCF-101's 25 groups: with 4 training scenes per class tiny models memorised the
# backgrounds (train clip hit@1 0.65 vs 0.43 on unseen scenes, measured); 2 clips per scene here.
DEFAULT_GROUPS = {"source": 12, "target": 8}


def class_order(names) -> list[str]:
    """UCF-101's class order: alphabetical ignoring case (``Hammering`` before ``HammerThrow``).

    Example:
    >>> class_order(["HammerThrow", "Hammering", "JumpRope", "JumpingJack"])
    ['Hammering', 'HammerThrow', 'JumpingJack', 'JumpRope']
    """
    return sorted(names, key=lambda name: (name.lower(), name))


def split_test_groups(split: int, groups: int) -> list[int]:
    """The groups a split tests on: UCF-101's proportion (7 of 25), consecutive blocks per split.

    With 25 groups this is UCF-101's own split: split 1 tests g01-g07, 2 g08-g14, 3 g15-g21.

    Example:
    >>> split_test_groups(2, 25)
    [8, 9, 10, 11, 12, 13, 14]
    >>> split_test_groups(3, 4)
    [3]
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}; got {split!r}.")
    if groups < 2:
        raise ValueError(f"at least 2 groups are needed for train/test splits; got {groups}.")
    count = max(1, round(groups * 7 / 25))
    return sorted({((split - 1) * count + k) % groups + 1 for k in range(count)})


# --- rendering -------------------------------------------------------------------------------------------------


def _box(u: np.ndarray, v: np.ndarray, half_u: float, half_v: float) -> np.ndarray:
    qu, qv = np.abs(u) - half_u, np.abs(v) - half_v
    return np.hypot(np.maximum(qu, 0), np.maximum(qv, 0)) + np.minimum(np.maximum(qu, qv), 0)


def _triangle(u: np.ndarray, v: np.ndarray, r: float) -> np.ndarray:
    # Signed distance to an equilateral triangle (Inigo Quilez's formula), pointing up.
    k = math.sqrt(3.0)
    px, py = np.abs(u) - r, -v + r / k
    flip = px + k * py > 0
    px, py = np.where(flip, (px - k * py) / 2, px), np.where(flip, (-k * px - py) / 2, py)
    px = px - np.clip(px, -2 * r, 0)
    return -np.hypot(px, py) * np.sign(py)


def _parts(shape: str, u: np.ndarray, v: np.ndarray, r: float) -> list[tuple[np.ndarray, float]]:
    """Signed distances (pixels, < 0 inside) of a shape's parts, each with a brightness factor."""
    rho = np.hypot(u, v)
    if shape == "disc":
        return [(rho - r, 1.0)]
    if shape == "ring":
        return [(np.abs(rho - r) - max(1.2, 0.15 * r), 1.0)]
    if shape == "square":
        return [(_box(u, v, 0.85 * r, 0.85 * r), 1.0)]
    if shape == "triangle":
        return [(_triangle(u, v, r), 1.0)]
    if shape == "cross":
        return [(np.minimum(_box(u, v, r, 0.3 * r), _box(u, v, 0.3 * r, r)), 1.0)]
    if shape == "diamond":
        return [((np.abs(u) + np.abs(v) - 1.2 * r) / math.sqrt(2.0), 1.0)]
    if shape == "star":
        phi = np.arctan2(v, u)
        return [(rho - r * (0.7 + 0.3 * np.cos(5 * phi)), 1.0)]
    if shape == "clock_hand":
        # A bar through the pivot with a darker weight at one end: its orientation (not just axis) shows.
        return [(_box(u, v, 1.3 * r, 0.22 * r), 1.0), (np.hypot(u - 1.3 * r, v) - 0.45 * r, 0.45)]
    raise ValueError(f"unknown shape {shape!r}.")


def _texture(texture: str, u: np.ndarray, v: np.ndarray, r: float) -> np.ndarray:
    """Brightness factor over the object's own coordinates, so the texture moves and turns with it."""
    if texture == "plain":
        return np.ones_like(u)
    period = max(2.0, 0.5 * r)
    if texture == "stripes":
        return np.where(np.floor(u / period) % 2 == 0, 1.0, 0.35)
    if texture == "checker":
        return np.where((np.floor(u / period) + np.floor(v / period)) % 2 == 0, 1.0, 0.3)
    raise ValueError(f"unknown texture {texture!r}.")


def _tileable_texture(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Smooth noise that wraps at the borders (low-pass filtered in the Fourier domain), scaled to [-1, 1]."""
    noise = rng.normal(size=(height, width))
    fy, fx = np.meshgrid(np.fft.fftfreq(height), np.fft.fftfreq(width), indexing="ij")
    smooth = np.real(np.fft.ifft2(np.fft.fft2(noise) * np.exp(-(fx**2 + fy**2) / (2 * 0.06**2))))
    return smooth / (np.abs(smooth).max() + 1e-9)


@dataclass(frozen=True)
class _Trajectory:
    x: np.ndarray  # world position per frame (pixels)
    y: np.ndarray
    angle: np.ndarray  # radians, increasing = clockwise on screen (y points down)
    radius: np.ndarray  # object size (pixels)


def _line(x0: float, y0: float, speed: float, heading: float, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return x0 + speed * math.cos(heading) * t, y0 + speed * math.sin(heading) * t


def _trajectory(motion: str, rng: np.random.Generator, frames: int, height: int, width: int) -> _Trajectory:
    """Object motion over ``frames`` frames.

    Twins make the same draws from the same distributions; only the motion program differs.
    """
    scale = min(height, width) / 64.0
    t = np.arange(frames, dtype=np.float64)
    x0, y0 = rng.uniform(0, width), rng.uniform(0, height)
    angle0 = rng.uniform(0, 2 * math.pi)
    radius = np.full(frames, rng.uniform(7.0, 9.0) * scale)
    heading = rng.uniform(0, 2 * math.pi)
    still = np.zeros(frames)
    if motion in ("slide_horizontal", "slide_vertical"):
        speed = rng.uniform(2.0, 3.0) * scale
        # Either way along the axis, within ~15 degrees: a mirrored video stays in its class.
        direction = rng.choice([0.0, math.pi]) + rng.uniform(-0.25, 0.25)
        if motion == "slide_vertical":
            direction += math.pi / 2
        return _Trajectory(
            x0 + speed * math.cos(direction) * t, y0 + speed * math.sin(direction) * t, angle0 + still, radius
        )
    if motion in ("spin", "swing", "expand", "contract"):
        # Objects that stay in place start near the middle, so they are rarely cut by the frame's edge.
        x0, y0 = rng.uniform(0.35, 0.65) * width, rng.uniform(0.35, 0.65) * height
    if motion in ("spin", "swing"):
        # Spin turns one way (either sense, so mirroring keeps the class) at 10-16 degrees a frame; swing
        # rocks back and forth (+-50-70 degrees, period 10-14 frames) at a similar mean angular speed.
        sense = rng.choice([-1.0, 1.0])
        if motion == "spin":
            return _Trajectory(
                x0 + still, y0 + still, angle0 + sense * math.radians(rng.uniform(10.0, 16.0)) * t, radius * 1.1
            )
        amplitude, period = math.radians(rng.uniform(50.0, 70.0)), rng.uniform(10.0, 14.0)
        swing = sense * amplitude * np.sin(2 * math.pi * t / period + rng.uniform(0, 2 * math.pi))
        return _Trajectory(x0 + still, y0 + still, angle0 + swing, radius * 1.1)
    if motion in ("expand", "contract"):
        # Sawtooth radius with a uniform phase: any single frame's radius is uniform on [low, high].
        low, high = 4.0 * scale, 20.0 * scale
        rate = rng.uniform(0.9, 1.3) * scale * (1 if motion == "expand" else -1)
        phase = rng.uniform(0, high - low)
        return _Trajectory(x0 + still, y0 + still, angle0 + still, low + np.mod(phase + rate * t, high - low))
    if motion in ("oscillate", "drift"):
        period = rng.uniform(10.0, 14.0)
        amplitude = 6.0 * scale
        if motion == "oscillate":
            offset = amplitude * np.sin(2 * math.pi * t / period + rng.uniform(0, 2 * math.pi))
        else:  # the same mean speed as the oscillation (4A / period), but never turning back
            offset = 4 * amplitude / period * t
        return _Trajectory(x0 + offset * math.cos(heading), y0 + offset * math.sin(heading), angle0 + still, radius)
    if motion in ("fast", "slow"):
        speed = (rng.uniform(3.0, 4.0) if motion == "fast" else rng.uniform(0.5, 0.9)) * scale
        return _Trajectory(
            x0 + speed * math.cos(heading) * t, y0 + speed * math.sin(heading) * t, angle0 + still, radius
        )
    if motion == "wander":
        speed = rng.uniform(0.5, 3.0) * scale
        spin = math.radians(rng.uniform(-8.0, 8.0))
        return _Trajectory(*_line(x0, y0, speed, heading, t), angle0 + spin * t, radius)
    raise ValueError(f"unknown motion {motion!r}.")


def render_video(
    spec: ClassSpec,
    *,
    seed: int | tuple[int, ...] = 0,
    group_seed: int | tuple[int, ...] = 0,
    frames: int = 24,
    size: tuple[int, int] = (72, 72),
) -> np.ndarray:
    """Render one video of a class as uint8 RGB frames ``(frames, H, W, 3)``.

    Args:
        spec: the class.
        seed: the clip's draws (position, phase, speed, camera pan, colour jitter, noise).
        group_seed: the group's scene (background texture and tint), shared by a group's clips.
        frames, size: clip length and ``(height, width)``.

    Example:
    >>> clip = render_video(SOURCE_CLASSES[0], seed=1, frames=3, size=(32, 32))
    >>> clip.shape, clip.dtype.name
    ((3, 32, 32, 3), 'uint8')
    """
    height, width = size
    if frames < 1 or min(size) < 16:
        raise ValueError(f"need frames >= 1 and sides >= 16 pixels; got frames={frames}, size={size}.")
    scene = np.random.default_rng(group_seed)
    tint = scene.uniform(35, 105, 3)
    background = tint + 28 * np.stack([_tileable_texture(scene, height, width) for _ in range(3)], axis=-1)

    rng = np.random.default_rng(seed)
    path = _trajectory(spec.motion, rng, frames, height, width)
    # Camera pan: everything on screen moves by the same offset; slower than any object so motion stays legible.
    pan_speed, pan_heading = rng.uniform(0, 0.6) * min(size) / 64, rng.uniform(0, 2 * math.pi)
    colour = np.clip(np.asarray(spec.colour, np.float64) + rng.uniform(-20, 20, 3), 0, 255)
    gain = rng.uniform(0.85, 1.15)

    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    clip = np.empty((frames, height, width, 3), np.uint8)
    for t in range(frames):
        pan_x, pan_y = pan_speed * math.cos(pan_heading) * t, pan_speed * math.sin(pan_heading) * t
        shift = np.float32([[1, 0, pan_x % width], [0, 1, pan_y % height]])
        frame = cv2.warpAffine(background, shift, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
        # Wrapped offsets from the object's centre: the world is a torus, so objects leave one side and enter the other.
        dx = np.mod(xs - (path.x[t] + pan_x) + width / 2, width) - width / 2
        dy = np.mod(ys - (path.y[t] + pan_y) + height / 2, height) - height / 2
        cos, sin = math.cos(path.angle[t]), math.sin(path.angle[t])
        u, v = cos * dx + sin * dy, -sin * dx + cos * dy
        shade = _texture(spec.texture, u, v, path.radius[t])
        for distance, brightness in _parts(spec.shape, u, v, path.radius[t]):
            coverage = np.clip(0.5 - distance, 0.0, 1.0)[..., None]  # one-pixel anti-aliased edge
            frame = frame * (1 - coverage) + (colour * brightness * shade[..., None]) * coverage
        frame = frame * gain + rng.normal(0, 3.0, frame.shape)
        clip[t] = np.clip(np.round(frame), 0, 255).astype(np.uint8)
    return clip


def write_video(path: str | Path, clip: np.ndarray, fps: float = 25.0) -> None:
    """Encode uint8 RGB frames as an XviD AVI, atomically (a partial file never has the final name).

    Example:
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "clip.avi"
    >>> write_video(target, np.zeros((3, 16, 16, 3), np.uint8))
    >>> target.stat().st_size > 0
    True
    """
    path = Path(path)
    partial = path.with_name(f".{path.stem}.partial{path.suffix}")  # hidden: readers skip dotfiles
    height, width = clip.shape[1:3]
    writer = cv2.VideoWriter(str(partial), cv2.CAP_FFMPEG, cv2.VideoWriter_fourcc(*FOURCC), fps, (width, height))
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot encode {FOURCC} to {partial}; is OpenCV built with FFmpeg?")
    try:
        for frame in clip:
            writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    finally:
        writer.release()
    os.replace(partial, path)


def _video_name(class_name: str, group: int, clip: int) -> str:
    return f"v_{class_name}_g{group:02d}_c{clip:02d}.avi"


def _write_lines(path: Path, lines: list[str]) -> None:
    # CRLF, as the distributed UCF-101 lists.
    path.write_bytes("".join(f"{line}\r\n" for line in lines).encode())


def generate_dataset(
    root: str | Path,
    *,
    kind: str = "source",
    seed: int = 0,
    videos_per_class: int | None = None,
    groups: int | None = None,
    size: tuple[int, int] = (72, 72),
    frames: int = 24,
    fps: float = 25.0,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Write a synthetic dataset in the UCF-101 layout; reuse it if already written with the same arguments.

    Args:
        root: folder to write into (created).
        kind: ``"source"`` (10 classes: 3 motion twin pairs + 4 appearance classes) or
            ``"target"`` (5 other classes: 2 twin pairs + 1 appearance class).
        seed: everything is a function of (seed, kind, class, group, clip), so any subset regenerates identically.
        videos_per_class: default 24 (source) / 16 (target).
        groups: scenes that splits are made by; default 12 (source) / 8 (target), or
            ``videos_per_class`` when fewer videos are asked for.
            Clips go to groups round-robin; split ``s`` tests :func:`split_test_groups` ``(s, groups)``.
        size: ``(height, width)``; objects and speeds scale with the shorter side (designed at 64).
        frames, fps: clip length and frame rate.
        progress: called as ``progress(done, total)`` after each video.

    Returns:
        ``root`` as a Path.
    """
    if kind not in DATASET_KINDS:
        raise ValueError(f"kind must be one of {DATASET_KINDS}; got {kind!r}.")
    videos_per_class = DEFAULT_VIDEOS_PER_CLASS[kind] if videos_per_class is None else videos_per_class
    groups = min(DEFAULT_GROUPS[kind], videos_per_class) if groups is None else groups
    if videos_per_class < groups:
        raise ValueError(
            f"videos_per_class ({videos_per_class}) must be >= groups ({groups}) so every group has a clip."
        )
    for split in SPLITS:
        split_test_groups(split, groups)  # validates groups
    root = Path(root)
    videos_dir, splits_dir = root / VIDEOS_DIR, root / SPLITS_DIR
    parameters = {
        "generator_version": GENERATOR_VERSION,
        "kind": kind,
        "seed": seed,
        "videos_per_class": videos_per_class,
        "groups": groups,
        "size": list(size),
        "frames": frames,
        "fps": fps,
        "fourcc": FOURCC,
    }
    specs = {spec.name: spec for spec in CLASS_SPECS[kind]}
    names = class_order(specs)
    kind_index = DATASET_KINDS.index(kind)
    clips = [(name, index % groups + 1, index // groups + 1) for name in names for index in range(videos_per_class)]
    manifest = splits_dir / CLASSES_FILE
    if manifest.exists():
        if json.loads(manifest.read_text()).get("parameters") == parameters and all(
            (videos_dir / name / _video_name(name, group, clip)).exists() for name, group, clip in clips
        ):
            return root
        # A dataset generated here before with other arguments: remove its videos so none are left over.
        shutil.rmtree(videos_dir, ignore_errors=True)

    splits_dir.mkdir(parents=True, exist_ok=True)
    manifest.unlink(missing_ok=True)  # written last: its presence marks a finished dataset
    for done, (name, group, clip) in enumerate(clips, 1):
        class_index = names.index(name)
        frames_rgb = render_video(
            specs[name],
            seed=(seed, kind_index, class_index, group, clip),
            # One scene per group for every class: the background says nothing about the class, so a model
            # cannot learn the training groups' backgrounds instead of the actions (version 2 drew a scene per
            # class and group, and models scored 0 on unseen groups by matching backgrounds).
            group_seed=(seed, kind_index, group),
            frames=frames,
            size=size,
        )
        (videos_dir / name).mkdir(parents=True, exist_ok=True)
        write_video(videos_dir / name / _video_name(name, group, clip), frames_rgb, fps)
        if progress is not None:
            progress(done, len(clips))

    _write_lines(splits_dir / "classInd.txt", [f"{i} {name}" for i, name in enumerate(names, 1)])
    for split in SPLITS:
        tested = set(split_test_groups(split, groups))
        train = [(name, g, c) for name, g, c in clips if g not in tested]
        test = [(name, g, c) for name, g, c in clips if g in tested]
        _write_lines(
            splits_dir / f"trainlist0{split}.txt",
            [f"{name}/{_video_name(name, g, c)} {names.index(name) + 1}" for name, g, c in train],
        )
        _write_lines(splits_dir / f"testlist0{split}.txt", [f"{name}/{_video_name(name, g, c)}" for name, g, c in test])
    description = {
        "parameters": parameters,
        "classes": [{"index": i, **asdict(specs[name])} for i, name in enumerate(names, 1)],
        "motion_defined": [name for name in names if specs[name].defined_by == "motion"],
        "appearance_defined": [name for name in names if specs[name].defined_by == "appearance"],
        "test_groups": {str(split): split_test_groups(split, groups) for split in SPLITS},
    }
    manifest.write_text(json.dumps(description, indent=2) + "\n")
    return root


def read_class_kinds(root: str | Path) -> dict[str, str]:
    """Class name -> ``"motion"`` or ``"appearance"`` from a generated dataset's ``classes.json``.

    ``root`` may be the dataset root or its ``ucfTrainTestlist`` folder.
    """
    root = Path(root)
    for candidate in (root / SPLITS_DIR / CLASSES_FILE, root / CLASSES_FILE):
        if candidate.exists():
            return {entry["name"]: entry["defined_by"] for entry in json.loads(candidate.read_text())["classes"]}
    raise FileNotFoundError(
        f"no {CLASSES_FILE} under {root} (looked in {root / SPLITS_DIR} and {root}); "
        "it is written by generate_dataset for synthetic datasets only."
    )


def class_kind_groups(kind: str = "source") -> dict[str, tuple[str, ...]]:
    """The classes of a synthetic set grouped by what defines them, as the ``groups`` of an evaluation.

    Example:
    >>> class_kind_groups("target")["motion"]
    ('Oscillating', 'Drifting', 'Dashing', 'Crawling')
    """
    if kind not in DATASET_KINDS:
        raise ValueError(f"kind must be one of {DATASET_KINDS}; got {kind!r}.")
    return {"motion": MOTION_DEFINED_CLASSES[kind], "appearance": APPEARANCE_DEFINED_CLASSES[kind]}


def default_data_dir() -> Path:
    """Where the demo, bundled-weight builds and benchmarks keep generated datasets: ``$KVZ_DATA_DIR``
    or ``~/.cache/keras_video_zoo/synthetic`` (regenerated identically from the seed when deleted)."""
    return Path(os.environ.get("KVZ_DATA_DIR") or Path.home() / ".cache" / "keras_video_zoo" / "synthetic")
