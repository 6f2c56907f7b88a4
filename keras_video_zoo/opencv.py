"""OpenCV as the zoo uses it: ``from keras_video_zoo.opencv import cv2``, with one clear message when it is broken.

The zoo depends on ``opencv-python-headless`` (decoding, DIS, Farneback; no GUI libraries,
so it installs on servers), and works with whichever OpenCV wheel an environment already has
(Colab and Kaggle preinstall several). All OpenCV wheels install the same ``cv2`` folder, so
removing one of two installed wheels deletes files the other needs: ``import cv2`` then fails
or half works. This module names the wheels present and the command that repairs them, and
:func:`require_contrib` does the same for TV-L1, which only the contrib wheels carry.
"""

from __future__ import annotations

import importlib.metadata

OPENCV_DISTRIBUTIONS = (
    "opencv-python-headless",
    "opencv-python",
    "opencv-contrib-python-headless",
    "opencv-contrib-python",
)
DEPENDENCY = "opencv-python-headless"


def installed_distributions() -> dict[str, str]:
    """The OpenCV wheels pip knows are installed, with their versions.

    Example:
    >>> set(installed_distributions()) <= set(OPENCV_DISTRIBUTIONS)
    True
    """
    found = {}
    for name in OPENCV_DISTRIBUTIONS:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return found


def _wheels() -> str:
    installed = installed_distributions()
    return ", ".join(f"{name} {version}" for name, version in installed.items()) or "none"


def broken_message(reason: str) -> str:
    """Why OpenCV is unusable and how to repair it, naming the installed wheels."""
    installed = installed_distributions()
    keep = next(iter(installed), DEPENDENCY)
    version = installed.get(keep)
    pin = f"=={version}" if version else ""
    return (
        f"OpenCV (cv2) is unusable: {reason}. Installed OpenCV wheels: {_wheels()}. They all install the same "
        "cv2 folder, so removing one of two deletes files the other needs. Repair it with: "
        f"pip install --force-reinstall --no-deps {keep}{pin}"
    )


try:
    import cv2
except ImportError as error:
    raise ImportError(broken_message(f"import cv2 failed ({error})")) from error
if not hasattr(cv2, "VideoCapture"):  # the package folder survived, its compiled module did not
    raise ImportError(broken_message("cv2 has no VideoCapture (its compiled module is missing)"))


def has_contrib() -> bool:
    """Whether this cv2 carries the contrib modules (``cv2.optflow``, where TV-L1 lives)."""
    return hasattr(cv2, "optflow") and hasattr(cv2.optflow, "DualTVL1OpticalFlow_create")


class ContribMissingError(ValueError):
    """An algorithm needs OpenCV's contrib modules, which this cv2 lacks."""


def require_contrib(what: str) -> None:
    """Raises :class:`ContribMissingError` naming the fix when this cv2 has no contrib modules."""
    if has_contrib():
        return
    version = next(iter(installed_distributions().values()), f"{cv2.__version__}.*")
    raise ContribMissingError(
        f"{what} is in OpenCV's contrib modules, which this cv2 ({cv2.__version__}; installed wheels: {_wheels()}) "
        "lacks. Install the contrib build of the same version in place of the plain one: pip install "
        f"--force-reinstall --no-deps opencv-contrib-python-headless=={version} (or use DIS, the default "
        "algorithm: sub-pixel accurate and 30-60x faster)."
    )
