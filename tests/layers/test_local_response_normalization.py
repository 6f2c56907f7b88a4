import numpy as np
import pytest
import tensorflow as tf

from keras_video_zoo.layers import LocalResponseNormalization
from tests.helpers.test_case import as_numpy


@pytest.mark.parametrize("shape", [(2, 9, 9, 32), (2, 4, 7, 7, 16)], ids=["frames-4d", "clips-5d"])
@pytest.mark.parametrize("n,beta", [(5, 0.5), (5, 0.75), (3, 0.75), (1, 1.0)])
def test_matches_tensorflow_op(rng, shape, n, beta):
    x = (rng.normal(size=shape) * 20).astype("float32")  # big enough that the normaliser matters
    layer = LocalResponseNormalization(k=2.0, n=n, alpha=1e-4, beta=beta)
    flat = x.reshape(-1, *shape[-3:])
    expected = tf.nn.local_response_normalization(flat, depth_radius=n // 2, bias=2.0, alpha=1e-4, beta=beta)
    np.testing.assert_allclose(as_numpy(layer(x)), expected.numpy().reshape(shape), rtol=1e-5, atol=1e-6)


def test_alpha_is_not_divided_by_n(rng):
    # One hot channel: the denominator is (k + alpha * x^2) ** beta with alpha as given.
    x = np.zeros((1, 1, 1, 7), "float32")
    x[..., 3] = 100.0
    out = as_numpy(LocalResponseNormalization(k=2.0, n=5, alpha=1e-4, beta=0.5)(x))
    assert out[0, 0, 0, 3] == pytest.approx(100.0 / (2.0 + 1e-4 * 100.0**2) ** 0.5)


@pytest.mark.parametrize("n", [0, 4, -1])
def test_rejects_even_or_empty_window(n):
    with pytest.raises(ValueError, match="odd window"):
        LocalResponseNormalization(n=n)
