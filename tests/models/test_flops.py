import pytest
import tensorflow as tf
from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

from keras_video_zoo import create_model
from keras_video_zoo.models.flops import count_flops
from tests.helpers.test_case import tensorflow_only


def tensorflow_profiler_flops(model) -> int:
    """FLOPs of the conv and matmul ops as TensorFlow's own profiler counts them."""
    spec = tf.nest.map_structure(lambda t: tf.TensorSpec((1, *t.shape[1:]), tf.float32), model.input)
    graph = convert_variables_to_constants_v2(tf.function(model).get_concrete_function(spec)).graph
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    profile = tf.compat.v1.profiler.profile(graph=graph, cmd="scope", options=options)
    total, pending = 0, [profile]
    while pending:
        node = pending.pop()
        pending.extend(node.children)
        if node.name.endswith(("/convolution", "/Conv3D", "/MatMul")):
            total += node.float_ops
    return total


@pytest.mark.parametrize(
    "name", ["single_frame_tiny", "slow_fusion_tiny", "late_fusion_tiny", "single_frame_multires_tiny"]
)
@tensorflow_only  # the reference is TensorFlow's graph profiler
def test_flops_match_tensorflow_profiler(name):
    model = create_model(name)
    assert count_flops(model) == tensorflow_profiler_flops(model)


def test_paper_single_frame_flops_by_hand():
    convs = [
        57 * 57 * 96 * 11 * 11 * 3,
        28 * 28 * 256 * 25 * 96,
        14 * 14 * 384 * 9 * 256,
        14 * 14 * 384 * 9 * 384,
        14 * 14 * 256 * 9 * 384,
    ]
    dense = [7 * 7 * 256 * 4096, 4096 * 4096, 4096 * 487]
    lrn = [57 * 57 * 96 * 96, 28 * 28 * 256 * 256]  # norm1, norm2: the channel-window band matmul
    assert count_flops(create_model("single_frame")) == 2 * (sum(convs) + sum(dense) + sum(lrn))
