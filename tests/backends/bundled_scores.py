"""Scores of every bundled checkpoint on fixed clips, on the backend this process runs (test_parity.py).

``KERAS_BACKEND=jax python -m tests.backends.bundled_scores OUT.npz``
"""

import sys

import keras
import numpy as np

from keras_video_zoo import create_model
from keras_video_zoo.weights import list_weights
from tests.helpers.models import random_clips


def main(out: str) -> None:
    scores = {}
    for tag in list_weights():
        model = create_model(tag)
        scores[tag] = keras.ops.convert_to_numpy(model.predict(random_clips(model, batch=3, seed=1), verbose=0))
    np.savez(out, backend=keras.backend.backend(), **scores)
    print(f"{keras.backend.backend()}: {len(scores)} checkpoints")


if __name__ == "__main__":
    main(sys.argv[1])
