"""Using trained models outside training: whole-video timelines and export to other runtimes.

- :mod:`keras_video_zoo.deployment.timeline`: :func:`predict_video`, sliding windows over a video of any length.
- :mod:`keras_video_zoo.deployment.export`: SavedModel, ONNX and LiteRT artefacts with their labels, checked
  against the Keras scores.

Both import TensorFlow, so nothing is loaded here.
"""
