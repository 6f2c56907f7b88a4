"""The names and defaults the library and the ``kvz`` commands share, with no heavy import.

Building ``kvz``'s parsers must not load TensorFlow or OpenCV, yet every choice and default a
flag offers is the library's own. Both read them from here, so there is one spelling of each.

Example:
>>> "dis" in FLOW_ALGORITHMS and DEFAULT_FLOW_ALGORITHM in FLOW_ALGORITHMS
True
"""

# Optical flow (keras_video_zoo.flow)
FLOW_ALGORITHMS = ("dis", "dis_fast", "dis_ultrafast", "farneback", "tvl1")
DEFAULT_FLOW_ALGORITHM = "dis"
DEFAULT_FLOW_BOUND = 20.0  # pixels per frame that map to the ends of the uint8 range
QUANTISATION_MODES = ("bound", "minmax")
DEFAULT_FLOW_JPEG_QUALITY = 95
FLOW_REPORT_NAME = "flow_report.json"
DEFAULT_FLOW_SHORT_SIDE = 256  # Simonyan & Zisserman's frames; 224 crops of them feed the temporal stream
STACKING_MODES = ("forward", "centred", "bidirectional", "trajectory")

# Reading videos (keras_video_zoo.data)
DAMAGED_POLICIES = ("use", "skip")  # use what a damaged video decodes, or skip it; reported either way
SYNTHETIC_DATASET_KINDS = ("source", "target")

# Training (keras_video_zoo.training, keras_video_zoo.models.transfer)
RECIPE_NAMES = ("karpathy", "simonyan", "simonyan_finetune", "small_adam")
TRANSFER_MODES = ("scratch", "top", "top3", "all")

# Deployment
EXPORT_FORMATS = ("saved_model", "onnx", "litert")

# Set to "0", interlaced video is read as stored (woven fields) instead of deinterlaced (kvz ... --no-deinterlace).
DEINTERLACE_ENV = "KVZ_DEINTERLACE"
