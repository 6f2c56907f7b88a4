"""On-device clip augmentation and views: one crop and flip per clip, exact geometry, flow conventions."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_video_zoo.layers.clip_augmentation import ClipAugmentation, ClipViews
from keras_video_zoo.views import KARPATHY_VIEWS, TEN_CROPS, CropView
from tests.helpers.test_case import as_numpy

HEIGHT, WIDTH, CROP = 20, 24, (12, 14)


def coded_clips(batch: int, frames: int = 4, channels: int = 3) -> np.ndarray:
    """Every pixel says where it came from: 100 row + col, + 10,000 per frame, + 100,000 per channel."""
    rows, cols = np.meshgrid(np.arange(HEIGHT), np.arange(WIDTH), indexing="ij")
    pattern = (100 * rows + cols).astype(np.float32)
    clip = pattern[None, :, :, None] + 10_000 * np.arange(frames)[:, None, None, None]
    clip = clip + 100_000 * np.arange(channels)[None, None, None, :]
    return np.broadcast_to(clip, (batch, *clip.shape)).astype(np.float32)


def crop_of(clip: np.ndarray, top: int, left: int, flip: bool) -> np.ndarray:
    crop = clip[:, top : top + CROP[0], left : left + CROP[1]]
    return crop[:, :, ::-1] if flip else crop


def decode_view(view: np.ndarray) -> tuple[int, int, bool]:
    """(top, left, flipped) of a crop of coded_clips, read from its corner pixels."""
    first, second = int(view[0, 0, 0, 0]), int(view[0, 0, 1, 0])
    flipped = second < first
    left = first % 100 - (CROP[1] - 1 if flipped else 0)
    return first // 100, left, flipped


def test_training_applies_one_crop_and_flip_to_every_frame_and_changes_nothing_else():
    clips = coded_clips(64)
    layer = ClipAugmentation(CROP, resize=None, centre_square=False, seed=1)
    out = keras.ops.convert_to_numpy(layer(clips, training=True))
    assert out.shape == (64, 4, *CROP, 3)
    geometry = []
    for b in range(64):
        top, left, flipped = decode_view(out[b])
        # the whole clip, every frame and channel, is exactly that crop (mirrored or not) of the input
        np.testing.assert_array_equal(out[b], crop_of(clips[b], top, left, flipped))
        geometry.append((top, left, flipped))
    flips = sum(flipped for *_, flipped in geometry)
    assert 16 <= flips <= 48  # p = 0.5, independent per clip
    assert len({(top, left) for top, left, _ in geometry}) > 20  # positions vary across clips
    assert {top for top, _, _ in geometry} <= set(range(HEIGHT - CROP[0] + 1))
    assert {left for _, left, _ in geometry} <= set(range(WIDTH - CROP[1] + 1))


def test_training_is_reproducible_with_a_seed():
    clips = coded_clips(8)
    first = ClipAugmentation(CROP, resize=None, centre_square=False, seed=3)(clips, training=True)
    again = ClipAugmentation(CROP, resize=None, centre_square=False, seed=3)(clips, training=True)
    other = ClipAugmentation(CROP, resize=None, centre_square=False, seed=4)(clips, training=True)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize("resize", [None, (16, 18)])
def test_uint8_clips_give_the_float32_pixels_of_their_float_copy(rng, resize):
    # uint8 clips are cropped before the cast (a quarter of the bytes): the same values, as float32.
    clips = rng.integers(0, 256, (6, 3, HEIGHT, WIDTH, 3), dtype=np.uint8)
    for layer in (
        lambda: ClipAugmentation(CROP, resize=resize, centre_square=False, seed=5),
        lambda: ClipViews(TEN_CROPS, crop_size=CROP, resize=resize, centre_square=False),
    ):
        for training in (True, False) if isinstance(layer(), ClipAugmentation) else (None,):
            kwargs = {} if training is None else {"training": training}
            from_uint8, from_float = (as_numpy(layer()(c, **kwargs)) for c in (clips, clips.astype("float32")))
            assert from_uint8.dtype == np.float32
            np.testing.assert_array_equal(from_uint8, from_float)


def test_without_flip_nothing_is_mirrored():
    out = ClipAugmentation(CROP, resize=None, centre_square=False, flip=False, seed=0)(coded_clips(32), training=True)
    assert not any(decode_view(view)[2] for view in keras.ops.convert_to_numpy(out))


def test_inference_is_the_centre_crop_of_the_resized_centre_square(rng):
    clips = rng.integers(0, 256, (2, 3, 30, 40, 3), dtype=np.uint8)
    out = ClipAugmentation(crop_size=20, resize=24)(clips)
    square = tf.cast(clips[:, :, :, 5:35].reshape(6, 30, 30, 3), tf.float32)
    expected = tf.image.resize(square, (24, 24), method="bilinear").numpy()[:, 2:22, 2:22].reshape(2, 3, 20, 20, 3)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(out), expected, atol=1e-3)
    frames_out = ClipAugmentation(crop_size=20, resize=24)(clips[:, 0])  # (batch, H, W, C) frames work too
    np.testing.assert_allclose(keras.ops.convert_to_numpy(frames_out), expected[:, 0], atol=1e-3)


def test_ten_crop_views_have_the_right_geometry():
    clips = coded_clips(2)
    out = keras.ops.convert_to_numpy(ClipViews(TEN_CROPS, CROP, resize=None, centre_square=False)(clips))
    assert out.shape == (20, 4, *CROP, 3)
    free_y, free_x = HEIGHT - CROP[0], WIDTH - CROP[1]
    for b in range(2):
        for v, view in enumerate(TEN_CROPS):
            top, left = round(view.y * free_y), round(view.x * free_x)
            np.testing.assert_array_equal(out[b * 10 + v], crop_of(clips[b], top, left, view.flip))


def test_views_reuse_the_augmentation_geometry_of_a_centre_crop(rng):
    clips = rng.integers(0, 256, (3, 2, 36, 48, 3), dtype=np.uint8)
    centre = ClipAugmentation(crop_size=28, resize=32)(clips)
    views = ClipViews([CropView(), CropView(flip=True)], crop_size=28, resize=32)(clips)
    views = keras.ops.convert_to_numpy(views).reshape(3, 2, 2, 28, 28, 3)
    np.testing.assert_array_equal(views[:, 0], keras.ops.convert_to_numpy(centre))
    np.testing.assert_array_equal(views[:, 1], views[:, 0, :, :, ::-1])


def flow_views(flow: np.ndarray, mode: str, **kwargs) -> np.ndarray:
    layer = ClipViews([CropView(), CropView(flip=True)], flow=mode, **kwargs)
    return keras.ops.convert_to_numpy(layer(flow)).reshape(len(flow), 2, *layer.compute_output_shape(flow.shape)[1:])


def test_flipping_float_flow_negates_x_only(rng):
    flow = rng.normal(size=(2, 3, HEIGHT, WIDTH, 2)).astype(np.float32)
    views = flow_views(flow, "float", crop_size=CROP, resize=None, centre_square=False)
    plain, flipped = views[:, 0], views[:, 1]
    np.testing.assert_array_equal(flipped[..., 0], -plain[..., ::-1, 0])
    np.testing.assert_array_equal(flipped[..., 1], plain[..., ::-1, 1])


def test_flipping_uint8_flow_is_the_exact_negation_of_the_decoded_value():
    bound = 20.0
    q = np.arange(256, dtype=np.uint8).reshape(1, 1, 16, 16, 1)
    flow = np.concatenate([q, q], axis=-1)
    views = flow_views(flow, "uint8", crop_size=16, resize=None, centre_square=False)

    def decode(values):
        return values * 2 * bound / 255 - bound

    plain, flipped = views[:, 0], views[:, 1]
    np.testing.assert_allclose(decode(flipped[..., 0]), -decode(plain[..., ::-1, 0]), atol=1e-4)
    np.testing.assert_array_equal(flipped[..., 0], 255 - plain[..., ::-1, 0])
    np.testing.assert_array_equal(flipped[..., 1], plain[..., ::-1, 1])  # y is only mirrored


def test_training_flips_of_flow_negate_x_of_the_flipped_clips_only():
    clips = coded_clips(32, channels=2)
    out = keras.ops.convert_to_numpy(
        ClipAugmentation(CROP, resize=None, centre_square=False, flow="float", seed=2)(clips, training=True)
    )
    for b in range(32):
        top, left, flipped = decode_view(np.abs(out[b]))
        expected = crop_of(clips[b], top, left, flipped).copy()
        if flipped:
            expected[..., 0] *= -1
        np.testing.assert_array_equal(out[b], expected)


@pytest.mark.parametrize("mode", ["float", "uint8"])
def test_resizing_flow_scales_the_displacements(mode):
    bound, vx, vy = 20.0, 4.0, -2.0
    field = np.stack([np.full((40, 40), vx), np.full((40, 40), vy)], axis=-1)
    if mode == "uint8":
        field = (field + bound) * 255 / (2 * bound)  # unrounded q, so the check is exact
    out = ClipAugmentation(crop_size=16, resize=20, flow=mode)(field[None, None].astype(np.float32))
    out = keras.ops.convert_to_numpy(out)
    if mode == "uint8":
        out = out * 2 * bound / 255 - bound
    np.testing.assert_allclose(out[..., 0], vx / 2, atol=1e-4)
    np.testing.assert_allclose(out[..., 1], vy / 2, atol=1e-4)


def test_bad_arguments_give_clear_errors():
    with pytest.raises(ValueError, match="does not fit in frames resized to"):
        ClipAugmentation(crop_size=170, resize=160)
    with pytest.raises(ValueError, match="flow must be one of"):
        ClipAugmentation(flow="int8")
    with pytest.raises(ValueError, match="expects 2 channels"):
        ClipAugmentation(crop_size=8, resize=None, flow="float")(np.zeros((1, 2, 10, 10, 3), "float32"))
    with pytest.raises(ValueError, match="rank 3"):
        ClipAugmentation(crop_size=8, resize=None)(np.zeros((10, 10, 3), "float32"))


@pytest.mark.parametrize("layer_class", [ClipAugmentation, ClipViews])
def test_layers_round_trip_through_their_config(layer_class, rng):
    extra = {"views": KARPATHY_VIEWS} if layer_class is ClipViews else {"seed": 5}
    layer = layer_class(crop_size=(16, 18), resize=(20, 22), flow="uint8", **extra)
    rebuilt = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert rebuilt.get_config() == layer.get_config()
    flow = rng.integers(0, 256, (2, 2, 24, 30, 2), dtype=np.uint8)
    np.testing.assert_array_equal(layer(flow), rebuilt(flow))
