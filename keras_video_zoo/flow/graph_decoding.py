"""Graph-side decoding of stored flow: JPEG components to uint8 fields, and dequantisation."""

from __future__ import annotations

import tensorflow as tf


def decode_component_jpegs(x_jpegs: tf.Tensor, y_jpegs: tf.Tensor) -> tf.Tensor:
    """uint8 fields ``(n, H, W, 2)`` from ``n`` x-component and ``n`` y-component JPEG strings.

    Example:
    >>> x = tf.io.encode_jpeg(tf.fill((4, 6, 1), tf.constant(10, tf.uint8)))
    >>> y = tf.io.encode_jpeg(tf.fill((4, 6, 1), tf.constant(200, tf.uint8)))
    >>> fields = decode_component_jpegs(tf.stack([x]), tf.stack([y]))
    >>> tuple(fields.shape), fields[0, 0, 0].numpy().tolist()
    ((1, 4, 6, 2), [10, 200])
    """
    images = tf.map_fn(
        lambda jpeg: tf.io.decode_jpeg(jpeg, channels=1, dct_method="INTEGER_ACCURATE"),
        tf.concat([x_jpegs, y_jpegs], 0),
        fn_output_signature=tf.TensorSpec([None, None, 1], tf.uint8),
    )
    count = tf.shape(x_jpegs)[0]
    components = tf.reshape(images, tf.concat([[2, count], tf.shape(images)[1:3]], 0))  # (2, n, H, W)
    return tf.transpose(components, (1, 2, 3, 0))


def dequantise_fields(quantized: tf.Tensor, ranges: tf.Tensor) -> tf.Tensor:
    """Float32 pixels ``low + q (high - low) / 255`` per field and component; ranges ``(n, 4)``.

    Bound mode is the range ``[-B, B, -B, B]`` (``q 2B / 255 - B``); min/max mode stores each field's own.

    Example:
    >>> q = tf.constant([[[[0, 255]]]], tf.uint8)
    >>> dequantise_fields(q, tf.constant([[-20.0, 20.0, -20.0, 20.0]])).numpy().ravel().tolist()
    [-20.0, 20.0]
    """
    low = ranges[:, 0::2][:, None, None, :]
    high = ranges[:, 1::2][:, None, None, :]
    return low + tf.cast(quantized, tf.float32) * (high - low) / 255.0
