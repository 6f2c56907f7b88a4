"""Video data: synthetic clips (more to come: decoding, datasets, tf.data pipelines)."""

from keras_video_zoo.data.synthetic import moving_square_clip

__all__ = ["moving_square_clip"]
