"""Video data: generated clips and flow (more to come: decoding, datasets, tf.data pipelines)."""

from keras_video_zoo.data.synthetic import example_inputs, moving_square_clip, translating_flow_fields

__all__ = ["example_inputs", "moving_square_clip", "translating_flow_fields"]
