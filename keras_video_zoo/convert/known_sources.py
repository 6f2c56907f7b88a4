"""The published checkpoints ``kvz convert`` knows: what each is, who publishes it, and its conventions.

The conventions (channel order, mean, flow quantisation and stacking) come from each publisher's
own code, named in ``conventions``. None of these files can be downloaded here, so no sha256 is
listed as known: ``kvz convert`` records the sha256 of the file it converted. A file is matched
by its name (``--source NAME`` says which it is when it was renamed).

Example:
>>> find_source("cuhk_action_temporal_vgg_16_split2.caffemodel").dataset
{'name': 'ucf101', 'split': 2}
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class KnownSource:
    """A published checkpoint.

    Attributes:
        name: a short name for ``--source``.
        files: file-name patterns (shell style, case-insensitive); ``{split}`` stands for the split number.
        what: what the network is and was trained on.
        published: who publishes it and where.
        becomes: the zoo model it converts to, and whether exactly.
        license: the licence its publisher states.
        labels: ``"imagenet"``, ``"ucf101"`` or ``"file"`` (the file carries them).
        dataset: the training data, for the record.
        channel_order: ``"bgr"`` or ``"rgb"`` for RGB nets.
        mean: the per-channel mean its code subtracts, in the net's own channel order, when no mean file is given.
        conventions: how its authors' code feeds it (for the record and the README).
        sha256: the file's sha256, where known.
        stacking: for temporal streams, how its authors' code chose the flow fields (recorded in the model).
    """

    name: str
    files: tuple[str, ...]
    what: str
    published: str
    becomes: str
    license: str
    labels: str
    dataset: dict[str, Any] = field(default_factory=dict)
    channel_order: str = "rgb"
    mean: tuple[float, ...] | None = None
    conventions: str = ""
    sha256: str | None = None
    stacking: str | None = None


_VGG_BGR_MEAN = (103.939, 116.779, 123.68)
_FLOW_CUHK = (
    "TV-L1 flow from the authors' dense_flow tool, quantised with bound 20 (q = round(255 (v + 20) / 40)) and stored "
    "as JPEGs; 10 fields stacked x1, y1, ..., x10, y10 forward from the sampled frame; the mean image flow_mean.mat "
    "(about 128) subtracted, no scaling, no mean flow subtraction; frames resized to 256x340, 224 crops "
    "(VideoTemporalPrediction.m)"
)
KNOWN_SOURCES = (
    KnownSource(
        "vgg_cnn_m_2048",
        ("vgg_cnn_m_2048.caffemodel",),
        "CNN-M-2048 trained on ImageNet ILSVRC-2012 (Chatfield et al., BMVC 2014): the two-stream paper's trunk",
        "the Oxford VGG group (deep_eval release) and the Caffe Model Zoo, with VGG_mean.binaryproto",
        "spatial_stream (1000 classes), exact; the temporal stream starts from it by cross-modality initialisation",
        "non-commercial research use (VGG)",
        "imagenet",
        {"name": "imagenet-ilsvrc2012"},
        "bgr",
        _VGG_BGR_MEAN,
        "BGR pixels minus the VGG mean image (VGG_mean.binaryproto), 224 crops; Caffe's ceil-mode pooling",
    ),
    KnownSource(
        "matconvnet_vgg_m_2048",
        ("imagenet-vgg-m-2048.mat",),
        "CNN-M-2048 on ImageNet, MatConvNet SimpleNN import of the VGG model",
        "MatConvNet's pretrained models page (vlfeat.org)",
        "spatial_stream (1000 classes), exact",
        "non-commercial research use (VGG)",
        "file",
        {"name": "imagenet-ilsvrc2012"},
        conventions="RGB pixels minus meta.normalization.averageImage, 224 crops; explicit pooling pads",
    ),
    KnownSource(
        "vgg16_imagenet",
        ("vgg_ilsvrc_16_layers.caffemodel", "imagenet-vgg-verydeep-16.mat"),
        "VGG-16 trained on ImageNet (Simonyan & Zisserman, ICLR 2015): the very deep streams' starting point",
        "the Oxford VGG group (Caffe Model Zoo gist 211839e770f7b538e2d8) and MatConvNet's pretrained models",
        "spatial_stream(trunk='vgg16') (1000 classes), exact",
        "CC BY 4.0 (VGG)",
        "imagenet",
        {"name": "imagenet-ilsvrc2012"},
        "bgr",
        _VGG_BGR_MEAN,
        "Caffe: BGR minus the mean pixel [103.939, 116.779, 123.68]; MatConvNet: RGB minus averageImage",
    ),
    KnownSource(
        "cuhk_spatial_vgg16",
        ("cuhk_action_spatial_vgg_16_split{split}.caffemodel",),
        "very deep two-stream spatial net, VGG-16 fine-tuned on UCF-101 (Wang et al. 2015, 'Towards Good Practices "
        "for Very Deep Two-Stream ConvNets')",
        "CUHK / SIAT MMLab (very_deep_two_stream_model), with cuhk_action_spatial_vgg_16_deploy.prototxt and "
        "rgb_mean.mat",
        "spatial_stream(trunk='vgg16') (101 classes), exact",
        "non-commercial (CUHK)",
        "ucf101",
        {"name": "ucf101"},
        "bgr",
        _VGG_BGR_MEAN,
        "frames resized to 256x340, BGR minus rgb_mean.mat's image_mean, 25 frames x 10 crops of 224 "
        "(VideoSpatialPrediction.m); classes in classInd.txt order",
    ),
    KnownSource(
        "cuhk_temporal_vgg16",
        ("cuhk_action_temporal_vgg_16_split{split}.caffemodel",),
        "very deep two-stream temporal net, VGG-16 on 10 stacked TV-L1 flow fields, UCF-101 (Wang et al. 2015)",
        "CUHK / SIAT MMLab (very_deep_two_stream_model), with cuhk_action_temporal_vgg_16_deploy.prototxt and "
        "flow_mean.mat",
        "temporal_stream(trunk='vgg16', flow_mean=...) (101 classes), exact",
        "non-commercial (CUHK)",
        "ucf101",
        {"name": "ucf101"},
        mean=(128.0,),
        conventions=_FLOW_CUHK,
        stacking="forward",
    ),
    KnownSource(
        "feichtenhofer_spatial_vgg16",
        ("ucf101-img-vgg16-split{split}.mat", "*img*vgg16*split{split}*.mat"),
        "two-stream fusion spatial net, VGG-16 fine-tuned on UCF-101 (Feichtenhofer et al., CVPR 2016)",
        "the pretrained models linked from the README of github.com/feichtenhofer/twostreamfusion (MatConvNet DagNN)",
        "spatial_stream(trunk='vgg16') (101 classes), exact",
        "not stated by the authors (their code is MIT-licensed); ask them before commercial use",
        "ucf101",
        {"name": "ucf101"},
        conventions="RGB minus meta.normalization.averageImage, 224 crops (cnn_ucf101_get_frame_batch.m)",
    ),
    KnownSource(
        "feichtenhofer_temporal_vgg16",
        ("ucf101-tvl1flow-vgg16-split{split}.mat", "*flow*vgg16*split{split}*.mat"),
        "two-stream fusion temporal net, VGG-16 on 10 stacked TV-L1 flow fields, UCF-101 (Feichtenhofer et al. 2016)",
        "the pretrained models linked from the README of github.com/feichtenhofer/twostreamfusion (MatConvNet DagNN)",
        "temporal_stream(trunk='vgg16', flow_mean=128) (101 classes), exact",
        "not stated by the authors (their code is MIT-licensed); ask them before commercial use",
        "ucf101",
        {"name": "ucf101"},
        mean=(128.0,),
        conventions="TV-L1 flow from the authors' gpu_flow tool, bound 20, stored as JPEGs; 10 fields u, v "
        "interleaved, "
        "centred on the sampled frame (offsets -5 .. +4, cnn_ucf101_get_flow_batch.m); averageImage 128 subtracted",
        stacking="centred",
    ),
    KnownSource(
        "bvlc_alexnet",
        ("bvlc_alexnet.caffemodel", "bvlc_reference_caffenet.caffemodel"),
        "BVLC AlexNet / CaffeNet trained on ImageNet (Krizhevsky et al. 2012; Caffe's reference models)",
        "BVLC (the Caffe Model Zoo: models/bvlc_alexnet, models/bvlc_reference_caffenet), with ilsvrc_2012_mean",
        "conv1-conv5 of a Karpathy et al. fusion model (--model single_frame, slow_fusion, ...): a starting point, "
        "not an equivalence",
        "unrestricted (BVLC)",
        "imagenet",
        {"name": "imagenet-ilsvrc2012"},
        "bgr",
        (104.0, 117.0, 123.0),
        "BGR minus the ImageNet mean image (ilsvrc_2012_mean), 227 crops; grouped conv2, conv4, conv5",
    ),
)


def _pattern(pattern: str) -> re.Pattern:
    regex = fnmatch.translate(pattern.replace("{split}", "SPLITNUMBER"))
    return re.compile(regex.replace("SPLITNUMBER", "(?P<split>[1-3])"), re.IGNORECASE)


def _with_split(source: KnownSource, split: str | None) -> KnownSource:
    return replace(source, dataset={**source.dataset, "split": int(split)}) if split else source


def find_source(file_name: str, name: str | None = None) -> KnownSource | None:
    """The known source a file is (by its name, or ``name`` = ``--source``), with its UCF-101 split filled in.

    Raises:
        ValueError: ``name`` is not a known source.
    """
    if name is not None:
        matches = [source for source in KNOWN_SOURCES if source.name == name]
        if not matches:
            raise ValueError(f"--source {name!r} is not a known source; kvz convert --list names them.")
        split = re.search(r"split[_-]?([1-3])", file_name, re.IGNORECASE)
        per_split = any("{split}" in pattern for pattern in matches[0].files)
        return _with_split(matches[0], split.group(1) if split and per_split else None)
    for source in KNOWN_SOURCES:
        for pattern in source.files:
            match = _pattern(pattern).fullmatch(file_name)
            if match:
                return _with_split(source, match.groupdict().get("split"))
    return None
