"""Recipes: the papers' numbers, step scaling, schedules, precision policies, bad names."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_video_zoo import create_model
from keras_video_zoo.training import RECIPES, fit, get_recipe, precision_policy
from keras_video_zoo.training.recipes import REFERENCE_DATASET_SIZE


def test_papers_numbers():
    karpathy = get_recipe("karpathy")
    assert (karpathy.learning_rate, karpathy.momentum, karpathy.weight_decay, karpathy.batch_size) == (
        1e-3,
        0.9,
        5e-4,
        32,
    )
    assert [type(c).__name__ for c in karpathy.callbacks()] == ["ReduceLROnPlateau"]
    simonyan = get_recipe("simonyan")
    assert (simonyan.boundaries, simonyan.values, simonyan.total_steps) == (
        (50_000, 70_000),
        (1e-2, 1e-3, 1e-4),
        80_000,
    )
    finetune = get_recipe("simonyan_finetune")
    assert (finetune.boundaries, finetune.values, finetune.total_steps) == ((14_000,), (1e-2, 1e-3), 20_000)


def test_step_scaling_rule():
    recipe = get_recipe("simonyan")
    assert recipe.scaled_steps(REFERENCE_DATASET_SIZE) == (50_000, 70_000, 80_000)
    # half the data at an eighth of the batch: 0.5 * 8 = 4x the steps
    assert recipe.scaled_steps(REFERENCE_DATASET_SIZE // 2 + 1, batch_size=32)[-1] == pytest.approx(320_000, rel=1e-3)
    tiny = recipe.scaled_steps(10, batch_size=256)
    assert tiny == (53, 74, 84)
    assert recipe.scaled_steps(1, batch_size=10_000) == (1, 2, 3)  # at least a step each, increasing
    with pytest.raises(ValueError, match="dataset_size is the number of training videos"):
        recipe.scaled_steps(0)


def test_optimizer_follows_the_schedule():
    recipe = get_recipe("simonyan")
    schedule = recipe.learning_rate_schedule((5, 7))
    np.testing.assert_allclose([float(schedule(step)) for step in (0, 5, 6, 7, 8)], [1e-2, 1e-2, 1e-3, 1e-3, 1e-4])
    optimizer = recipe.optimizer(boundaries=(5, 7))
    assert isinstance(optimizer, keras.optimizers.SGD) and optimizer.weight_decay == 5e-4
    assert float(optimizer.learning_rate) == pytest.approx(1e-2)  # at step 0
    plain = get_recipe("karpathy").optimizer()
    assert float(plain.learning_rate) == pytest.approx(1e-3) and plain.momentum == 0.9


def test_unknown_recipe_lists_the_known_ones():
    with pytest.raises(
        ValueError, match="Unknown recipe .karpaty.; known recipes: karpathy, simonyan, simonyan_finetune, small_adam"
    ):
        get_recipe("karpaty")
    assert set(RECIPES) == {"karpathy", "simonyan", "simonyan_finetune", "small_adam"}


def test_precision_policy_is_scoped():
    before = keras.config.dtype_policy().name
    with precision_policy("mixed_float16"):
        model = create_model("single_frame_tiny")
    assert keras.config.dtype_policy().name == before
    assert model.get_layer("conv1").compute_dtype == "float16"
    assert model.get_layer("conv1").kernel.dtype == "float32"
    assert model.get_layer("predictions").compute_dtype == "float32"
    with pytest.raises(ValueError, match="Unknown precision 'half'"):
        with precision_policy("half"):
            pass


@pytest.mark.parametrize(
    ("precision", "optimizer"), [("mixed_float16", "LossScaleOptimizer"), ("mixed_bfloat16", "SGD")]
)
def test_mixed_precision_training(tmp_path, precision, optimizer):
    with precision_policy(precision):
        model = create_model("single_frame_tiny", num_classes=3)
    clips = np.random.default_rng(0).integers(0, 256, (8, 1, 64, 64, 3), dtype=np.uint8)
    data = tf.data.Dataset.from_tensor_slices((clips, np.arange(8) % 3)).batch(4)
    history = fit(model, data, run_dir=tmp_path, epochs=1, classes=3, tensorboard=False, verbose=0)
    assert type(model.optimizer).__name__ == optimizer  # float16 needs loss scaling, bfloat16 does not
    assert np.isfinite(history.history["loss"][0])
    assert model.get_layer("predictions").kernel.dtype == "float32"


def test_small_adam_decays_along_a_cosine_over_the_whole_run():
    recipe = get_recipe("small_adam")
    optimizer = recipe.optimizer(total_steps=100)
    assert isinstance(optimizer, keras.optimizers.Adam) and optimizer.weight_decay == 5e-4
    schedule = optimizer.learning_rate if callable(optimizer.learning_rate) else optimizer._learning_rate
    assert float(schedule(0)) == pytest.approx(1e-3)
    assert float(schedule(50)) == pytest.approx(0.5e-3)  # halfway down the cosine
    assert float(schedule(100)) == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(ValueError, match="decays over the whole run: pass its total_steps"):
        recipe.optimizer()
    with pytest.raises(ValueError, match="optimizer_name must be one of"):
        recipe.with_options(optimizer_name="rmsprop")
