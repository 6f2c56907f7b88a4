"""Optical flow for the temporal stream: extraction, uint8 JPEG storage, stacking, clip sources.

Conventions (shared with the common flow tools): field ``k`` moves frame ``k`` to
``k + 1`` (x, y in pixels); stored as ``flow_x_00001.jpg``/``flow_y_00001.jpg`` quantised
with bound ``B`` (``q = round(255 (v + B) / 2B)``, 128 = no motion) and a ``manifest.json``.
"""

from keras_video_zoo.flow.dataset_extraction import FlowExtractionReport, FlowSettings, extract_dataset_flow
from keras_video_zoo.flow.extraction import ALGORITHMS, DEFAULT_ALGORITHM, FlowExtractor, compute_flow, end_point_error
from keras_video_zoo.flow.quantisation import (
    DEFAULT_BOUND,
    dequantize_flow,
    dequantize_minmax,
    quantize_flow,
    quantize_minmax,
)
from keras_video_zoo.flow.sources import FlowFolders, FlowShards
from keras_video_zoo.flow.stacking import (
    STACKING_MODES,
    flip_flow,
    stack_indices,
    subtract_mean_flow,
    tau_range,
    trajectory_stack,
)
from keras_video_zoo.flow.storage import FlowFolder, FlowManifest, write_flow_folder

__all__ = [
    "ALGORITHMS",
    "DEFAULT_ALGORITHM",
    "DEFAULT_BOUND",
    "STACKING_MODES",
    "FlowExtractionReport",
    "FlowExtractor",
    "FlowFolder",
    "FlowFolders",
    "FlowManifest",
    "FlowShards",
    "FlowSettings",
    "compute_flow",
    "dequantize_flow",
    "dequantize_minmax",
    "end_point_error",
    "extract_dataset_flow",
    "flip_flow",
    "quantize_flow",
    "quantize_minmax",
    "stack_indices",
    "subtract_mean_flow",
    "tau_range",
    "trajectory_stack",
    "write_flow_folder",
]
