"""Load a pretrained model: ``from_pretrained(SOURCE)``, optionally ready for transfer learning.

A SOURCE is anything :func:`keras_video_zoo.checkpoints.resolve_checkpoint` resolves: a
registered ``"model.tag"``, ``"hf://org/name[@revision]"`` (through huggingface_hub's cache, so
offline mode and revision pinning work as everywhere else), a checkpoint folder, a ``kvz train``
run folder or a ``.keras`` file. Every file is checked against the sha256 in the record before
Keras reads it, and models load with ``safe_mode=True`` (no pickles, no Lambda layers).
"""

from __future__ import annotations

import os

import keras

from keras_video_zoo.checkpoints import Checkpoint, HubOptions, resolve_checkpoint
from keras_video_zoo.models import create_model
from keras_video_zoo.models.heads import head_classes
from keras_video_zoo.models.pretrained import loaded_record
from keras_video_zoo.models.transfer import TRANSFER_MODES, prepare_transfer


def fetch_checkpoint(
    source: str | os.PathLike,
    *,
    revision: str | None = None,
    cache_dir: str | os.PathLike | None = None,
    local_files_only: bool | None = None,
    force_download: bool = False,
    token: str | bool | None = None,
    endpoint: str | None = None,
    index_path: str | os.PathLike | None = None,
) -> Checkpoint:
    """Finds (downloading if needed) and verifies a checkpoint, without building the model.

    :func:`~keras_video_zoo.checkpoints.resolve_checkpoint` with huggingface_hub's download
    arguments spelled out (see :class:`~keras_video_zoo.checkpoints.HubOptions`).
    """
    hub = HubOptions(cache_dir, local_files_only, force_download, token, endpoint)
    return resolve_checkpoint(source, revision=revision, hub=hub, index_path=index_path)


def from_pretrained(
    source: str | os.PathLike,
    *,
    revision: str | None = None,
    num_classes: int | dict[str, int] | None = None,
    transfer: str | None = None,
    dropout: float | None = None,
    seed: int | None = None,
    cache_dir: str | os.PathLike | None = None,
    local_files_only: bool | None = None,
    force_download: bool = False,
    token: str | bool | None = None,
    endpoint: str | None = None,
    index_path: str | os.PathLike | None = None,
) -> keras.Model:
    """Loads a pretrained model, optionally with a new head and a transfer mode.

    Args:
        source: a registered ``"model.tag"`` such as ``"slow_fusion_tiny.synthetic"``,
            ``"hf://org/name[@revision]"``, a checkpoint folder, a ``kvz train`` run folder or
            a ``.keras`` file.
        revision: Hub branch, tag or commit id to pin.
        num_classes: classes wanted; a count that differs from the checkpoint's gives a new
            classifier (every other layer keeps its weights).
        transfer: ``"scratch"``, ``"top"``, ``"top3"`` or ``"all"``
            (:func:`keras_video_zoo.models.transfer.prepare_transfer`): which layers train, and
            the paper's dropout in front of them. ``None``: every layer trains, dropout as saved.
        dropout: drop rate before the trained layers (transfer only; default 0.9 for top/top3).
        seed: seed for a new head's initialisation.
        cache_dir, local_files_only, force_download, token, endpoint, index_path:
            as in :func:`fetch_checkpoint`.

    Returns:
        The model; ``model.record`` is its record (``labels``, ``inputs``, ``metrics``, ...),
        without labels and metrics when the head is new.

    Raises:
        ValueError: an unknown transfer mode, or a source that does not resolve.

    Example:
    >>> import tempfile
    >>> from keras_video_zoo import create_model, from_pretrained
    >>> from keras_video_zoo.hub import save_pretrained
    >>> folder = tempfile.mkdtemp()
    >>> _ = save_pretrained(create_model("slow_fusion_tiny"), folder)
    >>> from_pretrained(folder).output_shape
    (None, 10)
    >>> from_pretrained(folder, num_classes=4, transfer="top").output_shape
    (None, 4)
    """
    if transfer is not None and transfer not in TRANSFER_MODES:
        raise ValueError(f"transfer must be one of {TRANSFER_MODES} or None; got {transfer!r}.")
    if dropout is not None and transfer is None:
        raise ValueError("dropout applies with a transfer mode (the rate in front of the layers it trains).")
    hub = HubOptions(cache_dir, local_files_only, force_download, token, endpoint)
    model = create_model(source, revision=revision, hub=hub, index_path=index_path)
    new_head = num_classes is not None and num_classes != head_classes(model)
    if transfer is None and not new_head:
        return model
    # A new head goes through the transfer head swap; transfer=None trains every layer ("all").
    transferred = prepare_transfer(model, transfer or "all", num_classes, dropout=dropout, seed=seed)
    transferred.record = loaded_record(transferred, model.record, new_head=new_head)
    return transferred
