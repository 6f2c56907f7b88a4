"""Using trained models outside training: whole-video timelines and export to other runtimes.

- :mod:`keras_video_zoo.deployment.timeline`: :func:`predict_video`, sliding windows over a video of any length.
- :mod:`keras_video_zoo.deployment.live`: :func:`live_windows`, the same windows over a live stream (network, webcam,
  pipe) as it arrives, keeping up with it; :class:`LiveScorer` for frames handed over one by one.
- :mod:`keras_video_zoo.deployment.app`: the web page (``kvz app``): a video file, the browser's camera, a stream.
- :mod:`keras_video_zoo.deployment.playable`: a copy of a video web browsers play.
- :mod:`keras_video_zoo.deployment.export`: SavedModel, ONNX and LiteRT artefacts with their labels, checked
  against the Keras scores.

They import TensorFlow, so nothing is loaded here.
"""
