"""Floating-point operations of a model's forward pass, from its layer shapes."""

from __future__ import annotations

import math

import keras

from keras_video_zoo.layers import FrameWindowConv, LocalResponseNormalization

_COUNTED = (keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D, keras.layers.Dense, FrameWindowConv)


def count_flops(model: keras.Model) -> int:
    """FLOPs of ``model``'s forward pass on one example (2 per multiply-add).

    Counts convolutions, dense layers and the channel-window matmul of local response
    normalisation (2 x channels per output); like TensorFlow's profiler it leaves out
    biases, activations, other element-wise work and pooling. The model is traced on a batch of one, so layers
    that fold frames into the batch (late fusion) are counted once per frame.

    Example:
    >>> from keras_video_zoo import create_model
    >>> from keras_video_zoo.models.flops import count_flops
    >>> count_flops(create_model("single_frame_tiny"))
    9372064
    """
    one_example = keras.tree.map_structure(
        lambda tensor: keras.Input(batch_shape=(1, *tensor.shape[1:]), dtype=tensor.dtype, name=tensor.name),
        model.input,
    )
    traced = keras.models.clone_model(model, input_tensors=one_example)
    flops = 0
    for layer in traced.layers:
        for node in layer._inbound_nodes:  # one node per call (shared layers are called more than once)
            batch = node.outputs[0].shape[0]  # > 1 where frames were folded into the batch
            if isinstance(layer, keras.Model):  # nested model, e.g. a two-stream model's streams
                flops += batch * count_flops(layer)
            elif isinstance(layer, _COUNTED):
                multiply_adds_per_output = math.prod(layer.kernel.shape[:-1])  # taps x input channels
                flops += 2 * math.prod(node.outputs[0].shape) * multiply_adds_per_output
            elif isinstance(layer, LocalResponseNormalization):  # its window sum is a (C x C) band matmul
                flops += 2 * math.prod(node.outputs[0].shape) * node.outputs[0].shape[-1]
    return flops
