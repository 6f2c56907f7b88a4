"""UCF-101 as distributed: ``UCF-101/<Class>/v_<Class>_gGG_cCC.avi`` and ``ucfTrainTestlist/``.

Labels come from ``classInd.txt`` (alphabetical ignoring case: ``Hammering`` before
``HammerThrow``), never from sorting folder names. The lists may end lines with CRLF,
the folder ``HandstandPushups`` holds ``v_HandStandPushups_*`` files, and splits are
by group (split 1 tests g01-g07, split 2 g08-g14, split 3 g15-g21).
"""

from __future__ import annotations

import re
from pathlib import Path

from keras_video_zoo.data.layouts._common import check_subset, keep_existing, label_lookup, read_class_names, read_lines
from keras_video_zoo.data.records import VideoDataset, VideoRecord

UCF101_SPLITS = (1, 2, 3)
UCF101_SUBSETS = ("train", "test", "all")

# classInd.txt order (1-based index = position + 1).
UCF101_CLASS_NAMES: tuple[str, ...] = (
    "ApplyEyeMakeup", "ApplyLipstick", "Archery", "BabyCrawling", "BalanceBeam", "BandMarching", "BaseballPitch",
    "Basketball", "BasketballDunk", "BenchPress", "Biking", "Billiards", "BlowDryHair", "BlowingCandles",
    "BodyWeightSquats", "Bowling", "BoxingPunchingBag", "BoxingSpeedBag", "BreastStroke", "BrushingTeeth",
    "CleanAndJerk", "CliffDiving", "CricketBowling", "CricketShot", "CuttingInKitchen", "Diving", "Drumming",
    "Fencing", "FieldHockeyPenalty", "FloorGymnastics", "FrisbeeCatch", "FrontCrawl", "GolfSwing", "Haircut",
    "Hammering", "HammerThrow", "HandstandPushups", "HandstandWalking", "HeadMassage", "HighJump", "HorseRace",
    "HorseRiding", "HulaHoop", "IceDancing", "JavelinThrow", "JugglingBalls", "JumpingJack", "JumpRope", "Kayaking",
    "Knitting", "LongJump", "Lunges", "MilitaryParade", "Mixing", "MoppingFloor", "Nunchucks", "ParallelBars",
    "PizzaTossing", "PlayingCello", "PlayingDaf", "PlayingDhol", "PlayingFlute", "PlayingGuitar", "PlayingPiano",
    "PlayingSitar", "PlayingTabla", "PlayingViolin", "PoleVault", "PommelHorse", "PullUps", "Punch", "PushUps",
    "Rafting", "RockClimbingIndoor", "RopeClimbing", "Rowing", "SalsaSpin", "ShavingBeard", "Shotput",
    "SkateBoarding", "Skiing", "Skijet", "SkyDiving", "SoccerJuggling", "SoccerPenalty", "StillRings",
    "SumoWrestling", "Surfing", "Swing", "TableTennisShot", "TaiChi", "TennisSwing", "ThrowDiscus",
    "TrampolineJumping", "Typing", "UnevenBars", "VolleyballSpiking", "WalkingWithDog", "WallPushups",
    "WritingOnBoard", "YoYo",
)  # fmt: skip

_NAMED_GROUPS: dict[str, tuple[str, ...]] = {
    "Human-Object Interaction": (
        "ApplyEyeMakeup", "ApplyLipstick", "BlowDryHair", "BrushingTeeth", "CuttingInKitchen", "Hammering",
        "HulaHoop", "JugglingBalls", "JumpRope", "Knitting", "Mixing", "MoppingFloor", "Nunchucks", "PizzaTossing",
        "ShavingBeard", "SkateBoarding", "SoccerJuggling", "Typing", "WritingOnBoard", "YoYo",
    ),
    "Body-Motion Only": (
        "BabyCrawling", "BlowingCandles", "BodyWeightSquats", "HandstandPushups", "HandstandWalking", "JumpingJack",
        "Lunges", "PullUps", "PushUps", "RockClimbingIndoor", "RopeClimbing", "Swing", "TaiChi", "TrampolineJumping",
        "WalkingWithDog", "WallPushups",
    ),
    "Human-Human Interaction": ("BandMarching", "Haircut", "HeadMassage", "MilitaryParade", "SalsaSpin"),
    "Playing Musical Instruments": (
        "Drumming", "PlayingCello", "PlayingDaf", "PlayingDhol", "PlayingFlute", "PlayingGuitar", "PlayingPiano",
        "PlayingSitar", "PlayingTabla", "PlayingViolin",
    ),
}  # fmt: skip
_GROUPED = {name for names in _NAMED_GROUPS.values() for name in names}

# The five class groups of Karpathy et al.'s Table 4 (sizes 20/16/5/10/50); Sports is every other class.
UCF101_CLASS_GROUPS: dict[str, tuple[str, ...]] = {
    **_NAMED_GROUPS,
    "Sports": tuple(name for name in UCF101_CLASS_NAMES if name not in _GROUPED),
}

_GROUP_AND_CLIP = re.compile(r"_g(\d+)_c(\d+)$")


def ucf101_class_group(class_name: str) -> str:
    """The Table 4 group of a UCF-101 class.

    Example:
    >>> ucf101_class_group("YoYo"), ucf101_class_group("Archery")
    ('Human-Object Interaction', 'Sports')
    """
    for group, names in UCF101_CLASS_GROUPS.items():
        if class_name in names:
            return group
    raise ValueError(f"{class_name!r} is not a UCF-101 class.")


def _find_splits_dir(root: Path, videos_dir: Path) -> Path:
    candidates = [root / "ucfTrainTestlist", root / "UCF101TrainTestSplits-RecognitionTask" / "ucfTrainTestlist"]
    candidates += [videos_dir / "ucfTrainTestlist", root]
    for candidate in candidates:
        if (candidate / "classInd.txt").is_file():
            return candidate
    looked = ", ".join(str(candidate) for candidate in candidates)
    raise FileNotFoundError(f"UCF-101: no classInd.txt in {looked}; pass splits_dir= (the ucfTrainTestlist folder).")


class _CaseInsensitivePaths:
    """Resolves ``Class/file.avi`` on disk, falling back to a case-insensitive match per path part."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._listings: dict[Path, dict[str, str]] = {}

    def _listing(self, folder: Path) -> dict[str, str]:
        if folder not in self._listings:
            names = [path.name for path in folder.iterdir()] if folder.is_dir() else []
            self._listings[folder] = {name.lower(): name for name in names}
        return self._listings[folder]

    def resolve(self, relative: str) -> Path:
        exact = self.root / relative
        if exact.exists():
            return exact
        path = self.root
        for part in Path(relative).parts:
            path = path / self._listing(path).get(part.lower(), part)
        return path


def ucf101(
    root: str | Path,
    split: int = 1,
    subset: str = "train",
    *,
    videos_dir: str | Path | None = None,
    splits_dir: str | Path | None = None,
    on_missing: str = "raise",
) -> VideoDataset:
    """Read a UCF-101 split (or any dataset in its layout, e.g. the synthetic ones).

    Args:
        root: the folder holding ``UCF-101/`` and ``ucfTrainTestlist/`` (or the videos folder itself).
        split: 1, 2 or 3.
        subset: ``"train"``, ``"test"`` or ``"all"`` (both lists of the split).
        videos_dir: the class folders; default ``root/UCF-101`` if it exists, else ``root``.
        splits_dir: the folder with classInd.txt and the lists; found under ``root`` by default.
        on_missing: ``"raise"`` (default) if listed videos are missing on disk, or ``"skip"`` them with a warning.

    Returns:
        A :class:`VideoDataset` labelled by classInd.txt (0-based), with ``group`` from ``gGG``.

    Example:
    >>> import tempfile
    >>> from keras_video_zoo.data.synthetic_dataset import generate_dataset
    >>> root = generate_dataset(tempfile.mkdtemp(), kind="target", videos_per_class=2, groups=2, frames=2)
    >>> test = ucf101(root, split=1, subset="test")
    >>> test.class_names[:2], test[0].video_id, test[0].group
    (('Checkerboard', 'Crawling'), 'v_Checkerboard_g01_c01', 1)
    >>> len(UCF101_CLASS_NAMES), [len(names) for names in UCF101_CLASS_GROUPS.values()]
    (101, [20, 16, 5, 10, 50])
    """
    if split not in UCF101_SPLITS:
        raise ValueError(f"UCF-101 has splits {UCF101_SPLITS}; got split={split!r}.")
    check_subset(subset, UCF101_SUBSETS, "ucf101")
    root = Path(root)
    videos_dir = (
        Path(videos_dir) if videos_dir is not None else (root / "UCF-101" if (root / "UCF-101").is_dir() else root)
    )
    if not videos_dir.is_dir():
        raise FileNotFoundError(f"UCF-101: videos folder {videos_dir} does not exist; pass videos_dir=.")
    splits_dir = Path(splits_dir) if splits_dir is not None else _find_splits_dir(root, videos_dir)
    class_file = splits_dir / "classInd.txt"
    class_names = read_class_names(class_file)
    lookup = label_lookup(class_names)

    lists = {"train": [f"trainlist0{split}.txt"], "test": [f"testlist0{split}.txt"]}
    lists["all"] = lists["train"] + lists["test"]
    resolver = _CaseInsensitivePaths(videos_dir)
    records: list[VideoRecord] = []
    unknown: dict[str, str] = {}
    for list_name in lists[subset]:
        list_file = splits_dir / list_name
        if not list_file.is_file():
            raise FileNotFoundError(
                f"UCF-101 split list {list_file} is missing: each split N in {UCF101_SPLITS} needs "
                f"trainlist0N.txt and testlist0N.txt beside classInd.txt (re-extract ucfTrainTestlist)."
            )
        for number, line in enumerate(read_lines(list_file), 1):
            parts = line.split()
            relative = parts[0].replace("\\", "/")
            class_name = relative.split("/")[0]
            label = lookup(class_name)
            if label is None:
                unknown.setdefault(class_name, f"{list_file.name}:{number}")
                continue
            if len(parts) > 1 and (not parts[1].isdigit() or int(parts[1]) != label + 1):
                raise ValueError(
                    f"{list_file}:{number}: {relative} is labelled {parts[1]} but classInd.txt gives "
                    f"{class_name} index {label + 1}; the lists and classInd.txt come from different releases."
                )
            stem = Path(relative).stem
            match = _GROUP_AND_CLIP.search(stem)
            records.append(
                VideoRecord(str(resolver.resolve(relative)), (label,), stem, int(match.group(1)) if match else None)
            )
    if unknown:
        shown = ", ".join(f"{name} ({where})" for name, where in list(unknown.items())[:5])
        raise ValueError(
            f"UCF-101: {len(unknown)} class(es) in the split lists are missing from {class_file} "
            f"({len(class_names)} classes): {shown}. Use classInd.txt from the same ucfTrainTestlist."
        )
    records = keep_existing(records, f"UCF-101 split {split} {subset} lists in {splits_dir}", on_missing)
    return VideoDataset(records, class_names, f"ucf101/split{split}/{subset}")
