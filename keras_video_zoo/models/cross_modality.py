"""Cross-modality initialisation: a flow network started from an RGB network's weights."""

from __future__ import annotations

import keras


def cross_modality_init(flow_model: keras.Model, rgb_model: keras.Model) -> list[str]:
    """Initialises ``flow_model`` from ``rgb_model`` (Wang et al. 2015's recipe).

    The first convolution's RGB kernel (``conv1``, or VGG-16's ``conv1_1``) is averaged over its
    colour channels and replicated to every input channel of the flow model (2L for a temporal stream). Every other
    layer whose name and weight shapes match is copied as it is; layers that do
    not match (e.g. a classifier with other classes) keep their initialisation.
    Flow inputs have a smaller range than pixels, so the averaged filters see
    weaker signals at first; fine-tuning adapts them.

    Args:
        flow_model: the model to initialise, e.g. a temporal stream.
        rgb_model: a model of the same trunk on RGB frames, e.g. a spatial stream.

    Returns:
        Names of the layers that were initialised.

    Example:
    >>> from keras_video_zoo import create_model
    >>> from keras_video_zoo.models.cross_modality import cross_modality_init
    >>> rgb, flow = create_model("spatial_stream_tiny"), create_model("temporal_stream_tiny")
    >>> cross_modality_init(flow, rgb)[:3]
    ['conv1', 'conv2', 'conv3']
    """
    rgb_conv1, flow_conv1 = _first_convolution(rgb_model), _first_convolution(flow_model)
    if rgb_conv1 is None or flow_conv1 is None or rgb_conv1.name != flow_conv1.name:
        raise ValueError(
            "Both models need the same first convolution for cross-modality initialisation; found "
            f"{getattr(rgb_conv1, 'name', None)!r} and {getattr(flow_conv1, 'name', None)!r}."
        )
    rgb_kernel, rgb_bias = rgb_conv1.get_weights()
    flow_kernel_shape = tuple(flow_conv1.kernel.shape)
    if rgb_kernel.shape[:2] != flow_kernel_shape[:2] or rgb_kernel.shape[3] != flow_kernel_shape[3]:
        raise ValueError(
            f"{flow_conv1.name} kernels differ beyond their input channels: RGB {rgb_kernel.shape}, "
            f"flow {flow_kernel_shape}. "
            "Both models need the same trunk (same width)."
        )
    averaged = rgb_kernel.mean(axis=2, keepdims=True)
    flow_conv1.set_weights([averaged.repeat(flow_kernel_shape[2], axis=2), rgb_bias])

    initialised = [flow_conv1.name]
    rgb_layers = {layer.name: layer for layer in rgb_model.layers}
    for layer in flow_model.layers:
        source = rgb_layers.get(layer.name)
        if layer is flow_conv1 or source is None or not layer.weights:
            continue
        if [tuple(w.shape) for w in source.weights] == [tuple(w.shape) for w in layer.weights]:
            layer.set_weights(source.get_weights())
            initialised.append(layer.name)
    return initialised


def _first_convolution(model: keras.Model) -> keras.layers.Conv2D | None:
    return next((layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)), None)
