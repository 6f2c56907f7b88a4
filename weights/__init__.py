"""The bundled checkpoints, shipped inside the package as ``keras_video_zoo.bundled_weights``.

``index.json`` points at one checkpoint folder per tiny model family (``<model>.<tag>/``);
``train_bundled.py`` trains, evaluates and registers them (see README.md here).
"""
