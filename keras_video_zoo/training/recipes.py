"""The papers' training recipes as data: optimiser, learning-rate schedule, batch size, stopping.

* ``karpathy`` (Karpathy et al. 2014): SGD, momentum 0.9, weight decay 5e-4, lr 1e-3,
  batch 32, lr lowered (x0.1) when the validation loss stops improving.
* ``simonyan`` (Simonyan & Zisserman 2014, training from scratch): SGD momentum 0.9,
  batch 256, lr 1e-2 -> 1e-3 at 50K steps -> 1e-4 at 70K, stop at 80K.
* ``simonyan_finetune``: lr 1e-2 -> 1e-3 at 14K steps, stop at 20K.
* ``small_adam`` (the zoo's, not a paper's): Adam lr 1e-3 with cosine decay over the
  run, batch 16, for the tiny variants trained from scratch on small data (the bundled
  weights, benchmarks and notebooks). The papers' SGD at lr 1e-3 barely moves a tiny
  model on raw 0-255 pixels in a few thousand steps, and at 1e-2 it stalls at chance
  (measured on the synthetic source set); Adam's per-weight scaling does not care.

Step counts scale with the dataset (rule of :meth:`Recipe.scaled_steps`): the papers'
steps were counted on UCF-101 split 1 (9,537 training videos) at their batch size, so a
run keeps the same number of passes over its data: ``steps x (N / 9537) x (B_paper / B)``.

Weight decay is Keras' decoupled decay (``w -= lr * wd * w`` each step), which for
plain SGD equals the papers' L2 penalty up to how momentum accumulates it.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace

import keras

OPTIMIZERS = ("sgd", "adam")
REFERENCE_DATASET_SIZE = 9537  # UCF-101 split 1 training videos: the dataset the papers' step counts refer to
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")


@dataclass(frozen=True)
class Recipe:
    """A training recipe.

    Attributes:
        name: registry name.
        learning_rate: initial learning rate.
        optimizer: ``"sgd"`` (with ``momentum``) or ``"adam"``.
        cosine_decay: decay the learning rate to 0 along a cosine over the whole run
            (instead of steps or plateaus).
        batch_size: the paper's batch size (the pipeline batches; ``fit`` checks nothing).
        momentum: SGD momentum.
        weight_decay: decoupled weight decay per step (``None``: none).
        boundaries: steps where the learning rate drops (step schedule), in paper steps.
        values: learning rates before, between and after ``boundaries``.
        total_steps: paper steps after which training stops (``None``: run the epochs asked).
        plateau_factor: lr multiplier when ``plateau_monitor`` stops improving (``None``: no plateau rule).
        plateau_patience: epochs without improvement before lowering the lr.
        plateau_monitor: the logged quantity to watch.
        source: where the numbers come from.

    Example:
    >>> recipe = get_recipe("simonyan")
    >>> recipe.values, recipe.scaled_steps(dataset_size=954, batch_size=256)
    ((0.01, 0.001, 0.0001), (5002, 7003, 8003))
    """

    name: str
    learning_rate: float
    batch_size: int
    optimizer_name: str = "sgd"
    cosine_decay: bool = False
    momentum: float = 0.9
    weight_decay: float | None = 5e-4
    boundaries: tuple[int, ...] = ()
    values: tuple[float, ...] = ()
    total_steps: int | None = None
    plateau_factor: float | None = None
    plateau_patience: int = 3
    plateau_monitor: str = "val_loss"
    source: str = ""

    def __post_init__(self) -> None:
        if self.optimizer_name not in OPTIMIZERS:
            raise ValueError(f"Recipe {self.name!r}: optimizer_name must be one of {OPTIMIZERS}.")
        if self.boundaries and len(self.values) != len(self.boundaries) + 1:
            raise ValueError(f"Recipe {self.name!r}: need one more lr value than boundaries.")

    @property
    def step_schedule(self) -> bool:
        """Whether the learning rate follows fixed steps (else: constant or lowered on plateau)."""
        return bool(self.boundaries)

    def scaled_steps(self, dataset_size: int, batch_size: int | None = None) -> tuple[int, ...]:
        """The boundaries and the stop step, scaled to ``dataset_size`` videos at ``batch_size``.

        Rule: the papers' steps are passes over UCF-101 split 1 (9,537 videos) at
        ``self.batch_size``; a run keeps the number of passes, so each count is
        multiplied by ``dataset_size / 9537 * self.batch_size / batch_size`` (at least
        1 step, strictly increasing).
        """
        if not isinstance(dataset_size, int) or dataset_size < 1:
            raise ValueError(f"dataset_size is the number of training videos (>= 1); got {dataset_size!r}.")
        batch_size = batch_size or self.batch_size
        factor = dataset_size / REFERENCE_DATASET_SIZE * self.batch_size / batch_size
        steps = [*self.boundaries, *([self.total_steps] if self.total_steps else [])]
        scaled: list[int] = []
        for step in steps:
            scaled.append(max(math.ceil(step * factor), scaled[-1] + 1 if scaled else 1))
        return tuple(scaled)

    def learning_rate_schedule(self, boundaries: tuple[int, ...] | None = None, total_steps: int | None = None):
        """The learning rate: a float, a piecewise-constant schedule at ``boundaries`` (default: the paper's),
        or a cosine decay over ``total_steps`` for ``cosine_decay`` recipes."""
        if self.cosine_decay:
            if not total_steps:
                raise ValueError(f"Recipe {self.name!r} decays over the whole run: pass its total_steps.")
            return keras.optimizers.schedules.CosineDecay(self.learning_rate, decay_steps=total_steps)
        if not self.step_schedule:
            return self.learning_rate
        boundaries = self.boundaries if boundaries is None else boundaries
        return keras.optimizers.schedules.PiecewiseConstantDecay(list(boundaries), list(self.values))

    def optimizer(
        self, boundaries: tuple[int, ...] | None = None, total_steps: int | None = None
    ) -> keras.optimizers.Optimizer:
        """A fresh optimizer for this recipe (schedule at ``boundaries``, or over ``total_steps``, if given).

        Example:
        >>> type(get_recipe("small_adam").optimizer(total_steps=100)).__name__
        'Adam'
        """
        learning_rate = self.learning_rate_schedule(boundaries, total_steps)
        if self.optimizer_name == "adam":  # Keras' weight_decay is decoupled (AdamW)
            return keras.optimizers.Adam(learning_rate=learning_rate, weight_decay=self.weight_decay)
        return keras.optimizers.SGD(learning_rate=learning_rate, momentum=self.momentum, weight_decay=self.weight_decay)

    def callbacks(self) -> list[keras.callbacks.Callback]:
        """Callbacks the recipe needs (``ReduceLROnPlateau`` for the plateau rule)."""
        if self.plateau_factor is None:
            return []
        return [
            keras.callbacks.ReduceLROnPlateau(
                monitor=self.plateau_monitor, factor=self.plateau_factor, patience=self.plateau_patience
            )
        ]

    def to_dict(self) -> dict:
        """The recipe as JSON-ready data (saved with a run)."""
        return asdict(self)

    def with_options(self, **changes) -> Recipe:
        """A copy with some fields changed, e.g. ``learning_rate=1e-4``."""
        return replace(self, **changes)


RECIPES: dict[str, Recipe] = {
    "karpathy": Recipe(
        name="karpathy",
        learning_rate=1e-3,
        batch_size=32,
        weight_decay=5e-4,
        plateau_factor=0.1,
        plateau_patience=3,  # (choice) the paper only says "lowered on plateau"
        source="Karpathy et al. 2014, Sec. 3.4: SGD momentum 0.9, weight decay 5e-4, lr 1e-3, batch 32",
    ),
    "simonyan": Recipe(
        name="simonyan",
        learning_rate=1e-2,
        batch_size=256,
        weight_decay=5e-4,  # not printed in the two-stream paper; CNN-M's (Chatfield et al. 2014)
        boundaries=(50_000, 70_000),
        values=(1e-2, 1e-3, 1e-4),
        total_steps=80_000,
        source="Simonyan & Zisserman 2014, Sec. 6: lr 1e-2, /10 at 50K and 70K, stop at 80K, batch 256",
    ),
    "simonyan_finetune": Recipe(
        name="simonyan_finetune",
        learning_rate=1e-2,
        batch_size=256,
        weight_decay=5e-4,
        boundaries=(14_000,),
        values=(1e-2, 1e-3),
        total_steps=20_000,
        source="Simonyan & Zisserman 2014, Sec. 6: fine-tuning lr 1e-2, /10 at 14K, stop at 20K",
    ),
    "small_adam": Recipe(
        name="small_adam",
        learning_rate=1e-3,
        batch_size=16,
        optimizer_name="adam",
        cosine_decay=True,
        weight_decay=5e-4,
        source="keras_video_zoo: Adam lr 1e-3, cosine decay to 0 over the run, for tiny models on small data",
    ),
}


def get_recipe(recipe: str | Recipe) -> Recipe:
    """The recipe named ``recipe`` (a :class:`Recipe` passes through).

    Example:
    >>> get_recipe("karpathy").learning_rate
    0.001
    """
    if isinstance(recipe, Recipe):
        return recipe
    if recipe not in RECIPES:
        raise ValueError(f"Unknown recipe {recipe!r}; known recipes: {', '.join(sorted(RECIPES))}.")
    return RECIPES[recipe]


@contextlib.contextmanager
def precision_policy(precision: str = "float32") -> Iterator[None]:
    """Builds models inside the block under a Keras dtype policy, then restores the old one.

    ``"mixed_float16"`` (GPUs) or ``"mixed_bfloat16"`` (TPUs, recent CPUs/GPUs) compute in
    half precision with float32 weights; the zoo's classifier heads are float32 already.
    Keras wraps the optimizer in a ``LossScaleOptimizer`` for ``mixed_float16`` at compile.

    Example:
    >>> from keras_video_zoo import create_model
    >>> with precision_policy("mixed_bfloat16"):
    ...     model = create_model("single_frame_tiny")
    >>> model.get_layer("conv1").compute_dtype, model.get_layer("predictions").compute_dtype
    ('bfloat16', 'float32')
    """
    if precision not in PRECISIONS:
        raise ValueError(f"Unknown precision {precision!r}; choose one of {PRECISIONS}.")
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(precision)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)
