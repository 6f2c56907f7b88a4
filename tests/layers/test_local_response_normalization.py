import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_video_zoo.layers import LocalResponseNormalization


@pytest.mark.parametrize("shape", [(2, 9, 9, 32), (2, 4, 7, 7, 16)], ids=["frames-4d", "clips-5d"])
@pytest.mark.parametrize("n,beta", [(5, 0.5), (5, 0.75), (3, 0.75), (1, 1.0)])
def test_matches_tensorflow_op(rng, shape, n, beta):
    x = (rng.normal(size=shape) * 20).astype("float32")  # big enough that the normaliser matters
    layer = LocalResponseNormalization(k=2.0, n=n, alpha=1e-4, beta=beta)
    flat = x.reshape(-1, *shape[-3:])
    expected = tf.nn.local_response_normalization(flat, depth_radius=n // 2, bias=2.0, alpha=1e-4, beta=beta)
    np.testing.assert_allclose(layer(x).numpy(), expected.numpy().reshape(shape), rtol=1e-5, atol=1e-6)


def test_alpha_is_not_divided_by_n(rng):
    # One hot channel: the denominator is (k + alpha * x^2) ** beta with alpha as given.
    x = np.zeros((1, 1, 1, 7), "float32")
    x[..., 3] = 100.0
    out = LocalResponseNormalization(k=2.0, n=5, alpha=1e-4, beta=0.5)(x).numpy()
    assert out[0, 0, 0, 3] == pytest.approx(100.0 / (2.0 + 1e-4 * 100.0**2) ** 0.5)


def test_gradient_flows(rng):
    x = tf.constant(rng.normal(size=(1, 3, 3, 8)).astype("float32"))
    layer = LocalResponseNormalization()
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(layer(x))
    assert np.all(np.isfinite(tape.gradient(y, x).numpy()))


def test_serialises_by_name():
    layer = LocalResponseNormalization(k=1.0, n=3, alpha=2e-4, beta=0.6, name="norm1")
    clone = keras.layers.deserialize(keras.layers.serialize(layer))
    assert isinstance(clone, LocalResponseNormalization)
    assert (clone.k, clone.n, clone.alpha, clone.beta, clone.name) == (1.0, 3, 2e-4, 0.6, "norm1")


@pytest.mark.parametrize("n", [0, 4, -1])
def test_rejects_even_or_empty_window(n):
    with pytest.raises(ValueError, match="odd window"):
        LocalResponseNormalization(n=n)
