"""A clip model wrapped with its device-side preprocessing: random crops and flips to train, fixed views to score.

The layers (:class:`~keras_video_zoo.layers.clip_augmentation.ClipAugmentation`,
:class:`~keras_video_zoo.layers.clip_augmentation.ClipViews`) do the tensor work; this module decides
how a model is wrapped: the crop is the model's own input size, the resize keeps Karpathy et al.'s
200/170 margin, and the CPU pipeline ships frames at :func:`pipeline_size` so the resize is a no-op.
The wrapper shares the model's weights: training it trains the model.

Example:
>>> from keras_video_zoo import create_model
>>> model = with_augmentation(create_model("slow_fusion_tiny"), seed=0)
>>> model.input_shape, [layer.name for layer in model.layers][1]
((None, 10, None, None, 3), 'clip_augmentation')
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from keras_video_zoo.layers.clip_augmentation import AverageViews, ClipAugmentation, ClipViews
from keras_video_zoo.views import CropView


def _model_clip_shape(model: keras.Model) -> tuple:
    if len(model.inputs) != 1:
        raise ValueError(
            f"{model.name} has {len(model.inputs)} inputs; wrap each stream separately "
            "(e.g. the spatial and temporal models of a two-stream network)."
        )
    shape = tuple(model.inputs[0].shape[1:])
    if len(shape) != 4 or shape[1] is None or shape[2] is None:
        raise ValueError(f"{model.name}: expected a (T, H, W, C) clip input of fixed H, W; got {shape}.")
    return shape


CROP_MARGIN = 200 / 170  # Karpathy et al.: 170 crops of frames resized to 200


def _default_resize(crop: tuple[int, int], resize):
    if resize == "auto":  # the paper's 200/170 margin, at any crop size
        return tuple(round(side * CROP_MARGIN) for side in crop)
    return resize


def pipeline_size(model: keras.Model) -> int:
    """The square side the CPU pipeline ships a model's frames at: its crop plus the paper's 200/170 margin.

    With frames already at this size, :func:`with_augmentation`'s and :func:`with_views`' resize
    does nothing and the device only crops and flips.

    Example:
    >>> from keras_video_zoo import create_model
    >>> pipeline_size(create_model("slow_fusion_tiny")), pipeline_size(create_model("spatial_stream"))
    (75, 264)
    """
    _, height, width, _ = _model_clip_shape(model)
    return round(max(height, width) * CROP_MARGIN)


def with_augmentation(
    model: keras.Model,
    *,
    resize: int | Sequence[int] | str | None = "auto",
    centre_square: bool = True,
    flip: bool = True,
    flow: str | None = None,
    seed: int | None = None,
) -> keras.Model:
    """A model taking uint8 clips of any frame size whose first layer augments them.

    The crop size is ``model``'s input size (178 for multires models: their
    fovea/context views come after). In ``fit`` the clips are randomly cropped and
    flipped; in ``predict``/``evaluate`` centre-cropped. The weights are
    ``model``'s own (shared, not copied), so training the wrapper trains ``model``.

    Args:
        model: a single-input clip model, e.g. ``create_model("slow_fusion_tiny")``.
        resize: size of the resized centre square; ``"auto"`` keeps the paper's
            200/170 ratio to the crop (75 for 64, 209 for 178), ``None`` no resize.
        centre_square, flip, flow, seed: as in :class:`ClipAugmentation`.

    Example:
    >>> import numpy as np
    >>> from keras_video_zoo import create_model
    >>> model = with_augmentation(create_model("slow_fusion_tiny"), seed=0)
    >>> model.predict(np.zeros((2, 10, 72, 96, 3), "uint8"), verbose=0).shape
    (2, 10)
    """
    frames, height, width, channels = _model_clip_shape(model)
    augment = ClipAugmentation(
        (height, width),
        _default_resize((height, width), resize),
        centre_square=centre_square,
        flip=flip,
        flow=flow,
        seed=seed,
        name="clip_augmentation",
    )
    clips = keras.Input((frames, None, None, channels), dtype="uint8", name=model.inputs[0].name)
    return keras.Model(clips, model(augment(clips)), name=f"{model.name}_augmented")


def with_views(
    model: keras.Model,
    views: Sequence[CropView | dict],
    *,
    resize: int | Sequence[int] | str | None = "auto",
    centre_square: bool = True,
    flow: str | None = None,
) -> keras.Model:
    """A model scoring each uint8 clip as the average of ``model``'s scores over ``views``.

    Use a protocol's views (e.g. ``KarpathyProtocol().views``); average the
    per-clip scores by video for the video-level prediction.

    Example:
    >>> import numpy as np
    >>> from keras_video_zoo import create_model
    >>> from keras_video_zoo.views import KARPATHY_VIEWS
    >>> model = with_views(create_model("single_frame_tiny"), KARPATHY_VIEWS)
    >>> scores = model.predict(np.zeros((3, 1, 72, 96, 3), "uint8"), verbose=0)
    >>> scores.shape, bool(np.allclose(scores.sum(axis=1), 1, atol=1e-5))
    ((3, 10), True)
    """
    frames, height, width, channels = _model_clip_shape(model)
    layer = ClipViews(
        views, (height, width), _default_resize((height, width), resize), centre_square, flow, name="clip_views"
    )
    clips = keras.Input((frames, None, None, channels), dtype="uint8", name=model.inputs[0].name)
    average = AverageViews(len(layer.views), name="average_views")
    scores = keras.tree.map_structure(average, model(layer(clips)))
    return keras.Model(clips, scores, name=f"{model.name}_views")
