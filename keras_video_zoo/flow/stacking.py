"""Which flow fields make a temporal-stream input, and how they are combined.

For a sampled frame ``tau`` (0-based) of a video with ``F = frames - 1`` forward fields
(field ``k`` moves frame ``k`` to ``k + 1``) and a stack of ``L`` fields:

- ``"forward"`` (the paper): fields ``tau .. tau + L - 1``.
- ``"centred"``: fields ``tau - L//2 .. tau - L//2 + L - 1``, so ``tau`` is in the middle.
- ``"bidirectional"``: forward fields ``tau .. tau + L/2 - 1``, then backward fields
  ``tau - 1, tau - 2, .., tau - L/2`` (backward field ``k`` moves frame ``k + 1`` to ``k``),
  walking away from ``tau`` both ways. Needs even ``L`` and stored backward flow.
- ``"trajectory"``: the forward fields, each sampled along the path a pixel follows:
  ``p_1 = p``, ``p_k = p_{k-1} + d_{tau+k-2}(p_{k-1})``; field ``k`` of the stack is
  ``d_{tau+k-1}(p_k)`` (bilinear, clamped to the frame).

Every mode needs ``F >= L``, i.e. a video of at least ``L + 1`` frames; shorter videos
raise a ValueError (pipelines skip them with a warning when asked to).
The graph-side functions are TensorFlow ops for tf.data.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from keras_video_zoo.vocabulary import STACKING_MODES


def tau_range(mode: str, fields: int, field_count: int) -> tuple[int, int]:
    """The sampled frames ``tau`` (inclusive ``(first, last)``) that a full stack exists for.

    Example:
    >>> tau_range("forward", 10, 30), tau_range("centred", 10, 30), tau_range("bidirectional", 10, 30)
    ((0, 20), (5, 25), (5, 25))
    """
    if mode not in STACKING_MODES:
        raise ValueError(f"stacking mode must be one of {STACKING_MODES}; got {mode!r}.")
    if fields < 1 or (mode == "bidirectional" and fields % 2):
        raise ValueError(
            f"{mode} stacking needs {'an even' if mode == 'bidirectional' else 'a positive'} L; got {fields}."
        )
    if field_count < fields:
        raise ValueError(
            f"a stack of L={fields} flow fields needs a video of at least {fields + 1} frames, but this one has "
            f"{field_count + 1} ({field_count} fields). Skip short videos (short_videos='skip') or use a smaller L."
        )
    if mode in ("forward", "trajectory"):
        return 0, field_count - fields
    half = fields // 2
    return half, field_count - fields + half


def stack_indices(mode: str, tau: int, fields: int, field_count: int) -> dict[str, list[int]]:
    """0-based forward and backward field numbers of the stack at frame ``tau``, in stack order.

    Example:
    >>> stack_indices("bidirectional", 5, 4, 20)
    {'forward': [5, 6], 'backward': [4, 3]}
    """
    first, last = tau_range(mode, fields, field_count)
    if not first <= tau <= last:
        raise ValueError(
            f"{mode} stacks of {fields} fields in a {field_count}-field video need tau in {first}..{last}; got {tau}."
        )
    if mode == "centred":
        return {"forward": list(range(tau - fields // 2, tau - fields // 2 + fields)), "backward": []}
    if mode == "bidirectional":
        half = fields // 2
        return {"forward": list(range(tau, tau + half)), "backward": list(range(tau - 1, tau - half - 1, -1))}
    return {"forward": list(range(tau, tau + fields)), "backward": []}


def evenly_spaced_taus(mode: str, fields: int, field_count: int, count: int = 25) -> np.ndarray:
    """``count`` sampled frames spread evenly over the valid range (the two-stream test protocol: 25).

    Example:
    >>> evenly_spaced_taus("forward", 10, 30, 5).tolist()
    [0, 5, 10, 15, 20]
    """
    first, last = tau_range(mode, fields, field_count)
    return np.rint(np.linspace(first, last, count)).astype(np.int64)


def tf_stack_indices(mode: str, tau: tf.Tensor, fields: int) -> tuple[tf.Tensor, tf.Tensor]:
    """Graph version of :func:`stack_indices` for a tensor ``tau``: (forward, backward) int32 numbers."""
    tau = tf.cast(tau, tf.int32)
    if mode == "bidirectional":
        half = fields // 2
        return tau + tf.range(half), tau - 1 - tf.range(half)
    start = tau - fields // 2 if mode == "centred" else tau
    return start + tf.range(fields), tf.zeros([0], tf.int32)


def bilinear_sample(field: tf.Tensor, x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
    """``field (H, W, C)`` sampled at float pixel positions ``x, y (H, W)``, clamped to the frame.

    Example:
    >>> field = tf.reshape(tf.range(4, dtype=tf.float32), (2, 2, 1))  # [[0, 1], [2, 3]]
    >>> float(bilinear_sample(field, tf.fill((1, 1), 0.5), tf.fill((1, 1), 0.5))[0, 0, 0])
    1.5
    """
    height, width = tf.shape(field)[0], tf.shape(field)[1]
    x = tf.clip_by_value(x, 0.0, tf.cast(width - 1, x.dtype))
    y = tf.clip_by_value(y, 0.0, tf.cast(height - 1, y.dtype))
    x0, y0 = tf.floor(x), tf.floor(y)
    wx, wy = (x - x0)[..., None], (y - y0)[..., None]
    x0, y0 = tf.cast(x0, tf.int32), tf.cast(y0, tf.int32)
    x1, y1 = tf.minimum(x0 + 1, width - 1), tf.minimum(y0 + 1, height - 1)
    flat = tf.reshape(field, (height * width, -1))

    def at(yy, xx):
        return tf.gather(flat, yy * width + xx)

    top = at(y0, x0) * (1 - wx) + at(y0, x1) * wx
    bottom = at(y1, x0) * (1 - wx) + at(y1, x1) * wx
    return top * (1 - wy) + bottom * wy


def trajectory_stack(fields: tf.Tensor) -> tf.Tensor:
    """Samples consecutive float fields ``(L, H, W, 2)`` along the trajectories that start at each pixel.

    Example:
    >>> fields = tf.concat([tf.fill((1, 4, 4, 2), 1.0), tf.reshape(tf.range(32.0), (1, 4, 4, 2))], 0)
    >>> stack = trajectory_stack(fields)  # the pixel at (0, 0) moves to (1, 1): field 2 is read there
    >>> stack[1, 0, 0].numpy().tolist()
    [10.0, 11.0]
    """
    fields = tf.convert_to_tensor(fields, tf.float32)
    height, width = tf.shape(fields)[1], tf.shape(fields)[2]
    y, x = tf.meshgrid(tf.range(height, dtype=tf.float32), tf.range(width, dtype=tf.float32), indexing="ij")
    sampled = []
    for k in range(fields.shape[0]):
        value = bilinear_sample(fields[k], x, y)
        sampled.append(value)
        x, y = x + value[..., 0], y + value[..., 1]
    return tf.stack(sampled)


def subtract_mean_flow(stack: tf.Tensor) -> tf.Tensor:
    """Subtracts each field's mean displacement vector from float fields ``(..., L, H, W, 2)``.

    The temporal stream does this itself (``MeanFlowSubtraction``); use this for other models.

    Example:
    >>> stack = tf.concat([tf.fill((1, 2, 2, 2), 3.0), tf.zeros((1, 2, 2, 2))], 0)
    >>> float(tf.reduce_max(tf.abs(subtract_mean_flow(stack))))
    0.0
    """
    return stack - tf.reduce_mean(stack, axis=(-3, -2), keepdims=True)


def flip_flow(stack: tf.Tensor) -> tf.Tensor:
    """Mirrors flow fields ``(..., H, W, 2)`` left-right and negates x (``255 - q`` for uint8).

    For bound-quantised uint8 flow, ``255 - q`` decodes to exactly minus the value of ``q``.

    Example:
    >>> flow = tf.constant([[[[1.0, 2.0], [3.0, 4.0]]]])  # (1, 1, 2, 2): two pixels
    >>> flip_flow(flow).numpy().tolist()
    [[[[-3.0, 4.0], [-1.0, 2.0]]]]
    """
    mirrored = tf.reverse(stack, axis=[-2])
    x, y = mirrored[..., :1], mirrored[..., 1:]
    x = tf.constant(255, stack.dtype) - x if stack.dtype == tf.uint8 else -x
    return tf.concat([x, y], axis=-1)
