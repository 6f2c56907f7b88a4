"""Fast on every CPU by default: oneDNN on unless the user chose, and slow fusion free of the Conv3D cliff.

TensorFlow leaves oneDNN off on CPUs without AVX-512, where its Conv3D gradient is ~500x slower
(17 s against 0.03 s per slow_fusion_tiny step, measured). The guard compares step times within
one run, as a ratio to a Conv2D model of similar size, in the worst case: oneDNN switched off.
"""

import os
import subprocess
import sys
import textwrap

import pytest

from keras_video_zoo import create_model
from keras_video_zoo.layers import FrameWindowConv
from tests.helpers.test_case import tensorflow_only


def _python(code: str, env: dict[str, str]) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in ("TF_ENABLE_ONEDNN_OPTS",)} | env
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], env=environment, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(("user_value", "expected"), [(None, "1"), ("0", "0")])
def test_importing_the_zoo_turns_onednn_on_unless_the_user_chose(user_value, expected):
    env = {} if user_value is None else {"TF_ENABLE_ONEDNN_OPTS": user_value}
    code = "import os, keras_video_zoo; print(os.environ.get('TF_ENABLE_ONEDNN_OPTS'))"
    assert _python(code, env) == expected


@pytest.mark.parametrize("user_value", [None, "0"])
def test_tensorflow_loaded_first_without_onednn_gets_a_warning_unless_the_user_chose(user_value):
    env = {"TF_CPP_MIN_LOG_LEVEL": "3"} | ({} if user_value is None else {"TF_ENABLE_ONEDNN_OPTS": user_value})
    code = """
        import warnings
        import tensorflow
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            import keras_video_zoo
        from keras_video_zoo.runtime import tensorflow_onednn_enabled
        said = [str(w.message) for w in caught if "oneDNN" in str(w.message)]
        print(tensorflow_onednn_enabled(), len(said), said[0] if said else "-", sep="|")
    """
    onednn_on, warnings_, said = _python(code, env).split("|")
    # On a CPU with AVX-512 TensorFlow turns oneDNN on by itself: nothing to say there.
    expected = 1 if user_value is None and onednn_on == "False" else 0
    assert int(warnings_) == expected, said
    if expected:
        assert said.startswith("TensorFlow was imported before keras_video_zoo, with its oneDNN kernels off")


def test_slow_fusion_builds_its_temporal_convs_from_2d_convolutions():
    model = create_model("slow_fusion_tiny")
    assert [type(model.get_layer(f"conv{i}")).__name__ for i in range(1, 6)] == [
        "FrameWindowConv",
        "FrameWindowConv",
        "FrameWindowConv",
        "Conv2D",
        "Conv2D",
    ]
    assert not any(isinstance(layer, FrameWindowConv) for layer in create_model("early_fusion_tiny").layers)


@tensorflow_only  # oneDNN is TensorFlow's
def test_a_slow_fusion_training_step_costs_what_its_flops_say_even_without_onednn():
    ratio = float(
        _python(
            """
            import time
            import numpy as np
            import keras
            from keras_video_zoo import create_model
            from keras_video_zoo.models.flops import count_flops

            def seconds_per_flop(name):
                model = create_model(name)
                model.compile("sgd", "sparse_categorical_crossentropy")
                x = np.random.default_rng(0).integers(0, 256, (8, *model.input_shape[1:]), dtype="uint8")
                y = np.zeros(8, "int32")
                for _ in range(2):
                    model.train_on_batch(x, y)
                steps = []
                for _ in range(5):
                    start = time.perf_counter()
                    model.train_on_batch(x, y)
                    steps.append(time.perf_counter() - start)
                return np.median(steps) / count_flops(model)

            # early fusion: Conv2D only, of about the same size (0.047 against 0.081 GFLOPs per clip).
            print(seconds_per_flop("slow_fusion_tiny") / seconds_per_flop("early_fusion_tiny"))
            """,
            {"TF_ENABLE_ONEDNN_OPTS": "0", "TF_CPP_MIN_LOG_LEVEL": "3"},
        )
    )
    # Conv3D without oneDNN would be hundreds of times slower per FLOP; the 2-D build stays within a small factor.
    assert ratio < 8, f"slow fusion costs {ratio:.1f}x more per FLOP than Conv2D early fusion without oneDNN"
