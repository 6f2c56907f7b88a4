"""Packaging; the metadata lives in setup.cfg.

Only the package list is here, because setup.cfg cannot map one package to another folder:
the repository's ``weights/`` folder (where the bundled checkpoints are made and reviewed)
ships inside the package as ``keras_video_zoo.bundled_weights``, so an installed wheel finds
its checkpoints with no environment variable (``keras_video_zoo.weights.weights_dir``).
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["keras_video_zoo", "keras_video_zoo.*"]), "keras_video_zoo.bundled_weights"],
    package_dir={"keras_video_zoo.bundled_weights": "weights"},
    package_data={
        "keras_video_zoo": ["*.json"],
        "keras_video_zoo.convert": ["*.txt"],  # the published class lists (ImageNet synsets, UCF-101 classInd order)
        "keras_video_zoo.bundled_weights": ["*.json", "*.md", "*/*"],
    },
)
