"""The process set-up the zoo needs before TensorFlow and OpenCV load: fast CPU kernels, quiet native logs.

Two things can only be decided before a native library initialises, so they live here,
imported by ``keras_video_zoo/__init__.py`` and the ``kvz`` entry point before anything heavy:

- **oneDNN on every x86 CPU.** TensorFlow enables its oneDNN kernels by default only on
  CPUs with AVX-512 (VNNI/AMX); elsewhere (AMD Zen 2/3, older Intel) its own convolutions
  are 2x slower, and its 3-D convolution gradient about 500x slower (17 s against 0.03 s for
  one ``slow_fusion_tiny`` training step, measured). :func:`configure_environment` turns it
  on unless the user set ``TF_ENABLE_ONEDNN_OPTS``; slow fusion no longer needs it
  (:class:`~keras_video_zoo.layers.FrameWindowConv`), the 2-D convolutions still gain. Where
  TensorFlow was imported first with oneDNN off, it is too late: the import warns instead.
- **No native log lines.** OpenCV's FFmpeg writes a decoder message per damaged macroblock
  (``[h264 @ 0x...] error while decoding MB 16 14``) and OpenCV a warning per file that is not
  a video; the zoo reports each damaged or unreadable video once, in its own words
  (``keras_video_zoo.data.video_io``), so :func:`configure_environment` turns both off by
  default, for the library too. TensorFlow writes absl/CUDA/cpu_feature_guard lines to file
  descriptor 2 while it loads, before any log level applies; ``kvz`` silences those unless
  ``--verbose`` (:func:`quiet_native_logs`, :func:`import_tensorflow`), which also brings
  FFmpeg's messages back.

Example:
>>> from keras_video_zoo import runtime
>>> environ = {"TF_ENABLE_ONEDNN_OPTS": "0"}  # a user's choice is kept
>>> runtime.configure_environment(environ)
>>> environ["TF_ENABLE_ONEDNN_OPTS"]
'0'
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator, Mapping, MutableMapping
from types import ModuleType

ONEDNN = "TF_ENABLE_ONEDNN_OPTS"
TF_LOG_LEVEL = "TF_CPP_MIN_LOG_LEVEL"
OPENCV_FFMPEG_LOG_LEVEL = "OPENCV_FFMPEG_LOGLEVEL"  # read once, when OpenCV's FFmpeg backend starts
OPENCV_LOG_LEVEL = "OPENCV_LOG_LEVEL"
FFMPEG_QUIET = "-8"  # AV_LOG_QUIET
FFMPEG_WARNINGS = "24"  # AV_LOG_WARNING


def configure_environment(environ: MutableMapping[str, str] | None = None) -> None:
    """Enables oneDNN for TensorFlow and quiets OpenCV's native logs, where the user has not chosen.

    Args:
        environ: the environment to change (default ``os.environ``).
    """
    environ = os.environ if environ is None else environ
    if "tensorflow" not in sys.modules:
        environ.setdefault(ONEDNN, "1")
    else:
        late = onednn_too_late(environ, tensorflow_onednn_enabled())
        if late:
            warnings.warn(late, RuntimeWarning, stacklevel=3)
    environ.setdefault(OPENCV_FFMPEG_LOG_LEVEL, FFMPEG_QUIET)
    environ.setdefault(OPENCV_LOG_LEVEL, "ERROR")


def onednn_too_late(environ: Mapping[str, str], onednn_enabled: bool | None) -> str | None:
    """What to tell a user whose TensorFlow loaded before the zoo with oneDNN off, or ``None``.

    TensorFlow reads ``TF_ENABLE_ONEDNN_OPTS`` once, when it loads. After ``import keras`` (or
    ``tensorflow``) on a CPU without AVX-512, oneDNN is off for the whole process and TensorFlow's
    convolutions run about 2x slower (``slow_fusion_tiny`` trains at 174 against 372 clips/s on an
    AVX2 AMD EPYC, ``benchmarks/alternatives.py --quick``). Nothing can turn it on any more: say so.

    Args:
        environ: the process environment (a value the user set is their choice: no advice).
        onednn_enabled: whether the loaded TensorFlow runs oneDNN (``None``: unknown).

    Example:
    >>> onednn_too_late({}, onednn_enabled=True) is None
    True
    >>> "TF_ENABLE_ONEDNN_OPTS=1" in onednn_too_late({}, onednn_enabled=False)
    True
    """
    if ONEDNN in environ or onednn_enabled is not False:
        return None
    return (
        "TensorFlow was imported before keras_video_zoo, with its oneDNN kernels off (TensorFlow's default on "
        "CPUs without AVX-512): its CPU convolutions run about 2x slower in this process. Import keras_video_zoo "
        "before keras and tensorflow, or set TF_ENABLE_ONEDNN_OPTS=1 before Python starts "
        "(TF_ENABLE_ONEDNN_OPTS=0 to keep them off and silence this)."
    )


def tensorflow_onednn_enabled() -> bool | None:
    """Whether the TensorFlow already loaded runs oneDNN; ``None`` where this TensorFlow cannot say."""
    try:  # a private module: TensorFlow has no public way to ask
        from tensorflow.python.util import _pywrap_util_port
    except ImportError:
        return None
    return bool(_pywrap_util_port.IsMklEnabled())


def quiet_native_logs(verbose: bool, environ: MutableMapping[str, str] | None = None) -> None:
    """Log levels for a command-line run: TensorFlow's C++ logs and OpenCV's FFmpeg messages off unless verbose.

    Variables the user set are kept. Must run before TensorFlow and OpenCV load.
    """
    environ = os.environ if environ is None else environ
    if verbose:
        environ.setdefault(TF_LOG_LEVEL, "0")
        if environ.get(OPENCV_FFMPEG_LOG_LEVEL) == FFMPEG_QUIET:  # configure_environment's default, not the user's
            environ[OPENCV_FFMPEG_LOG_LEVEL] = FFMPEG_WARNINGS
        return
    environ.setdefault(TF_LOG_LEVEL, "3")
    environ.setdefault(OPENCV_FFMPEG_LOG_LEVEL, FFMPEG_QUIET)


class CapturedOutput:
    """What native code wrote to file descriptor 2 inside :func:`captured_stderr_fd` (set when the block ends)."""

    text: str = ""


@contextlib.contextmanager
def captured_stderr_fd() -> Iterator[CapturedOutput]:
    """Points file descriptor 2 at a temporary file for the duration (native code writes there, not to sys.stderr).

    Example:
    >>> with captured_stderr_fd() as captured:
    ...     _ = os.write(2, b"from C")
    >>> captured.text
    'from C'
    """
    captured = CapturedOutput()
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield captured
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            captured.text = capture.read().decode(errors="replace")


def import_tensorflow(quiet: bool = True) -> ModuleType:
    """Imports TensorFlow, with the lines it writes while loading captured when ``quiet``.

    Raises:
        ImportError: TensorFlow failed to load; the message includes what it wrote.
    """
    if "tensorflow" in sys.modules or not quiet:
        return importlib.import_module("tensorflow")
    failure = None
    with captured_stderr_fd() as captured:
        try:
            return importlib.import_module("tensorflow")
        except ImportError as error:
            failure = error
    written = captured.text.strip()
    raise ImportError(f"TensorFlow failed to load: {failure}" + (f"\n{written}" if written else "")) from failure
