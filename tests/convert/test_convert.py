"""kvz convert: Caffe and MatConvNet files read without their frameworks, mapped exactly, checked against NumPy.

Every exactness test compares the converted zoo model with the NumPy reference pass run on the
fixture's own arrays (keras_video_zoo.convert.lookalikes builds that SourceNet without any reader), so the
reader, the mapping and the zoo's layers are all under test at once.
"""

import json

import keras
import numpy as np
import pytest

from keras_video_zoo import create_model
from keras_video_zoo.cli import main
from keras_video_zoo.convert import ConversionError, convert_checkpoint, read_mean, reference_forward
from keras_video_zoo.convert import lookalikes as fx
from keras_video_zoo.convert.caffe import read_caffemodel
from keras_video_zoo.convert.matconvnet import read_matconvnet
from keras_video_zoo.weights import sha256_file

TOLERANCE = 1e-5  # relative to the largest magnitude: float32 round-off


def _zoo_logits_and_features(model, clip):
    features = np.asarray(keras.Model(model.inputs, model.get_layer("fc7").output).predict(clip, verbose=0))
    kernel, bias = model.get_layer("predictions").get_weights()
    return features.astype(np.float64) @ kernel + bias, features


def _relative(found, wanted) -> float:
    return float(np.abs(found - wanted).max() / np.abs(wanted).max())


def _assert_matches_reference(model, reference_net, source_input, clip):
    logits, features = _zoo_logits_and_features(model, clip)
    expected = reference_forward(reference_net, source_input)
    assert _relative(features, expected["features"]) <= TOLERANCE
    assert _relative(logits, expected["logits"]) <= TOLERANCE
    probabilities = np.asarray(model.predict(clip, verbose=0))
    np.testing.assert_allclose(probabilities, expected["probabilities"], atol=1e-4)


def _assert_every_weight_converted(model, build):
    """No layer keeps its initial weights: a fresh model of the same build differs in every weight."""
    fresh = create_model(model.build_arguments.model, **build)
    for layer in model.layers:
        for converted, initial in zip(layer.get_weights(), fresh.get_layer(layer.name).get_weights(), strict=True):
            assert not np.allclose(converted, initial), f"{layer.name} kept its initial weights"


def _rgb_clip(rng, size, batch=2):
    return rng.integers(0, 256, (batch, 1, size, size, 3), dtype=np.uint8)


# ------------------------------------------------------------------------------------------------ readers


@pytest.mark.parametrize("v1", [True, False], ids=["V1-layers", "V2-layer"])
@pytest.mark.parametrize("packed", [True, False], ids=["packed", "unpacked"])
def test_caffemodel_blobs_read_back_exactly(tmp_path, rng, v1, packed):
    layers = fx.cnn_m_2048(rng, size=96)
    path = fx.write_caffemodel(tmp_path / "net.caffemodel", layers, v1=v1, packed=packed, input_dims=[1, 3, 96, 96])
    net = read_caffemodel(path)
    assert net.input_shape == (3, 96, 96)
    assert [layer.name for layer in net.layers] == [layer["name"] for layer in layers]
    written = {layer["name"]: layer["blobs"] for layer in layers if layer.get("blobs")}
    for layer in net.weighted():
        for read, expected in zip(layer.blobs, written[layer.name], strict=True):
            np.testing.assert_array_equal(np.asarray(read).reshape(expected.shape), expected)
    conv2 = net.layers[4]
    assert conv2.params["kernel"] == (5, 5) and conv2.params["stride"] == (2, 2) and conv2.params["pad"] == (1, 1)
    assert net.layers[2].params == {"local_size": 5, "alpha": pytest.approx(5e-4), "beta": 0.75, "k": 2.0}


@pytest.mark.parametrize("v1", [True, False], ids=["V1-prototxt", "V2-prototxt"])
def test_a_prototxt_defines_the_layers_and_input_as_caffe_loads_them(tmp_path, rng, v1):
    layers = fx.vgg16(rng, size=64)
    model_file = fx.write_caffemodel(tmp_path / "w.caffemodel", layers, v1=v1)  # no input dims in the weights
    prototxt = fx.write_prototxt(tmp_path / "deploy.prototxt", layers, [1, 3, 64, 64], v1=v1)
    net = read_caffemodel(model_file, prototxt)
    assert net.input_shape == (3, 64, 64)
    assert len(net.weighted("conv")) == 13 and net.weighted("conv")[0].params["pad"] == (1, 1)


def test_a_mean_binaryproto_reads_as_height_width_channels(tmp_path, rng):
    mean = rng.uniform(90, 130, (3, 8, 6)).astype(np.float32)
    values = read_mean(fx.write_binaryproto(tmp_path / "mean.binaryproto", mean))
    np.testing.assert_array_equal(values, mean.transpose(1, 2, 0))


def test_matconvnet_simplenn_and_dagnn_read_the_same_network(tmp_path, rng):
    layers = fx.cnn_m_2048(rng, size=96)
    simple = read_matconvnet(fx.write_matconvnet(tmp_path / "s.mat", layers, size=96))
    dag = read_matconvnet(fx.write_matconvnet(tmp_path / "d.mat", layers, size=96, dag=True, wrap_in_net=True))
    assert simple.description == {"format": "SimpleNN"} and dag.description == {"format": "DagNN"}
    assert simple.input_shape == dag.input_shape == (3, 96, 96)
    for a, b in zip(simple.layers, dag.layers, strict=True):
        assert (a.kind, a.params) == (b.kind, b.params)
        for x, y in zip(a.blobs, b.blobs, strict=True):
            np.testing.assert_array_equal(np.asarray(x).ravel(), np.asarray(y).ravel())


# ---------------------------------------------------------------------------------------- exact mappings


@pytest.mark.parametrize("v1", [True, False], ids=["V1", "V2"])
def test_cnn_m_2048_caffe_converts_exactly(tmp_path, rng, v1):
    # 96x96 input leaves a 2x2 pool5 map, so fc6's rows really move from (C, H, W) to (H, W, C).
    layers = fx.cnn_m_2048(rng, size=96, classes=6)
    source = fx.write_caffemodel(tmp_path / "VGG_CNN_M_2048.caffemodel", layers, v1=v1, input_dims=[1, 3, 96, 96])
    mean = rng.uniform(95, 130, (3, 96, 96)).astype(np.float32)  # BGR mean image
    mean_file = fx.write_binaryproto(tmp_path / "VGG_mean.binaryproto", mean)
    converted = convert_checkpoint(source, tmp_path / "out", mean=mean_file)
    model = create_model(tmp_path / "out")
    assert model.build_arguments.model == "spatial_stream"
    clip = _rgb_clip(rng, 96)
    bgr_mean = mean.reshape(3, -1).mean(axis=1)
    source_input = (clip[:, 0, ..., ::-1].astype(np.float32) - bgr_mean).transpose(0, 3, 1, 2)  # BGR, NCHW
    _assert_matches_reference(model, fx.source_net(layers), source_input, clip)
    _assert_every_weight_converted(model, dict(model.build_arguments.kwargs))
    record = model.record
    conversion = record.recipe["converted_from"]
    assert conversion["file"] == "VGG_CNN_M_2048.caffemodel" and conversion["sha256"] == sha256_file(source)
    assert conversion["exact"] and conversion["max_relative_difference_from_reference"] <= TOLERANCE
    assert conversion["channel_order"] == "bgr" and record.license.startswith("non-commercial")
    assert record.model_kwargs["mean"] == pytest.approx(bgr_mean[::-1], abs=1e-3)
    deviation = float(np.abs(mean - bgr_mean[:, None, None]).max())
    assert record.preprocessing["mean_image_max_deviation"] == pytest.approx(deviation, abs=1e-3)
    assert converted.max_difference <= TOLERANCE


def test_cnn_m_2048_from_imagenet_gets_the_published_class_names(tmp_path, rng):
    layers = fx.cnn_m_2048(rng, size=64, classes=1000)
    source = fx.write_caffemodel(tmp_path / "VGG_CNN_M_2048.caffemodel", layers, input_dims=[1, 3, 64, 64])
    record = convert_checkpoint(source, tmp_path / "out").record
    assert len(record.labels) == 1000 and record.labels[:2] == ("tench", "goldfish")
    assert record.dataset == {"name": "imagenet-ilsvrc2012"} and record.tag == "imagenet_ilsvrc2012"
    assert "assumed" not in " ".join(record.recipe["converted_from"]["notes"])  # the published VGG mean was used


def test_a_temporal_cnn_m_converts_to_a_temporal_stream(tmp_path, rng):
    layers = fx.cnn_m_2048(rng, size=96, channels=20, norm2=False)
    source = fx.write_caffemodel(tmp_path / "flow.caffemodel", layers, input_dims=[1, 20, 96, 96])
    convert_checkpoint(source, tmp_path / "out")
    model = create_model(tmp_path / "out")
    assert model.input_shape == (None, 10, 96, 96, 2) and "norm2" not in [layer.name for layer in model.layers]
    flow = rng.integers(0, 256, (2, 10, 96, 96, 2), dtype=np.uint8)
    stacked = flow.astype(np.float32).transpose(0, 2, 3, 1, 4).reshape(2, 96, 96, 20) - 128.0  # x1, y1, x2, ...
    _assert_matches_reference(model, fx.source_net(layers), stacked.transpose(0, 3, 1, 2), flow)


def test_cuhk_very_deep_pair_converts_exactly_with_their_conventions(tmp_path, rng):
    spatial_layers = fx.vgg16(rng, size=64, classes=101)
    temporal_layers = fx.vgg16(rng, size=64, classes=101, channels=20)
    spatial = fx.write_caffemodel(tmp_path / "cuhk_action_spatial_vgg_16_split2.caffemodel", spatial_layers)
    temporal = fx.write_caffemodel(tmp_path / "cuhk_action_temporal_vgg_16_split2.caffemodel", temporal_layers)
    fx.write_prototxt(tmp_path / "spatial.prototxt", spatial_layers, [1, 3, 64, 64])
    fx.write_prototxt(tmp_path / "temporal.prototxt", temporal_layers, [1, 20, 64, 64])
    flow_mean = rng.uniform(126, 130, (64, 64, 20)).astype(np.float32)  # flow_mean.mat's image_mean, H x W x 2L
    import scipy.io

    scipy.io.savemat(tmp_path / "flow_mean.mat", {"image_mean": flow_mean})
    convert_checkpoint(spatial, tmp_path / "s", prototxt=tmp_path / "spatial.prototxt")
    convert_checkpoint(
        temporal, tmp_path / "t", prototxt=tmp_path / "temporal.prototxt", mean=tmp_path / "flow_mean.mat"
    )

    rgb_model, flow_model = create_model(tmp_path / "s"), create_model(tmp_path / "t")
    assert rgb_model.build_arguments.kwargs["trunk"] == "vgg16" and rgb_model.count_params() > 0
    assert rgb_model.record.labels[:3] == ("ApplyEyeMakeup", "ApplyLipstick", "Archery")
    assert rgb_model.record.labels.index("Hammering") < rgb_model.record.labels.index("HammerThrow")  # classInd order
    assert rgb_model.record.dataset == {"name": "ucf101", "split": 2} and rgb_model.record.tag == "ucf101_split2"
    clip = _rgb_clip(rng, 64)
    bgr = np.asarray(rgb_model.record.model_kwargs["mean"][::-1], np.float32)
    source_input = (clip[:, 0, ..., ::-1].astype(np.float32) - bgr).transpose(0, 3, 1, 2)
    _assert_matches_reference(rgb_model, fx.source_net(spatial_layers), source_input, clip)

    assert flow_model.build_arguments.kwargs["mean_flow_subtraction"] is False
    per_channel = flow_mean.reshape(-1, 20).mean(axis=0)
    np.testing.assert_allclose(flow_model.build_arguments.kwargs["flow_mean"], per_channel, atol=1e-4)
    flow = rng.integers(0, 256, (2, 10, 64, 64, 2), dtype=np.uint8)
    stacked = flow.astype(np.float32).transpose(0, 2, 3, 1, 4).reshape(2, 64, 64, 20) - per_channel
    _assert_matches_reference(flow_model, fx.source_net(temporal_layers), stacked.transpose(0, 3, 1, 2), flow)
    _assert_every_weight_converted(flow_model, dict(flow_model.build_arguments.kwargs))


@pytest.mark.parametrize("dag", [False, True], ids=["SimpleNN", "DagNN"])
def test_matconvnet_networks_convert_exactly(tmp_path, rng, dag):
    layers = fx.vgg16(rng, size=64, classes=4, channels=20) if dag else fx.cnn_m_2048(rng, size=96, classes=4)
    size, channels = (64, 20) if dag else (96, 3)
    average = (
        np.full((1, 1, channels), 128.0, np.float32)
        if dag
        else rng.uniform(100, 125, (size, size, 3)).astype(np.float32)
    )
    names = [f"class {i}" for i in range(4)]
    source = fx.write_matconvnet(tmp_path / "net.mat", layers, size=size, channels=channels, dag=dag,
                                 average_image=average, classes=names, wrap_in_net=dag)  # fmt: skip
    convert_checkpoint(source, tmp_path / "out")
    model = create_model(tmp_path / "out")
    assert model.record.labels == tuple(names)
    reference = fx.matconvnet_source_net(layers, size, channels)
    if dag:
        clip = rng.integers(0, 256, (2, 10, size, size, 2), dtype=np.uint8)
        source_input = clip.astype(np.float32).transpose(0, 2, 3, 1, 4).reshape(2, size, size, 20) - 128.0
    else:
        clip = _rgb_clip(rng, size)
        source_input = clip[:, 0].astype(np.float32) - average.reshape(-1, 3).mean(axis=0)  # RGB, NHWC
    _assert_matches_reference(model, reference, source_input, clip)


def test_width_scaled_files_convert_with_the_width_read_off_their_shapes(tmp_path, rng):
    layers = fx.vgg16(rng, size=64, width=0.25, fc=(24, 12), classes=3)
    source = fx.write_caffemodel(tmp_path / "net.caffemodel", layers, input_dims=[1, 3, 64, 64])
    record = convert_checkpoint(source, tmp_path / "out").record
    assert record.model_kwargs["width"] == 0.25 and record.model_kwargs["fc_units"] == [24, 12]
    assert record.model_kwargs["num_classes"] == 3 and record.labels == ()


# -------------------------------------------------------------------------------------- AlexNet starts


@pytest.mark.parametrize("caffenet", [False, True], ids=["AlexNet", "CaffeNet"])
def test_alexnet_starts_a_fusion_model_whose_static_clips_give_the_2d_response(tmp_path, rng, caffenet):
    layers = fx.alexnet(rng, caffenet=caffenet)
    source = fx.write_caffemodel(tmp_path / "bvlc_alexnet.caffemodel", layers, v1=True)
    frame_model = convert_checkpoint(source, tmp_path / "single", num_classes=4).path
    slow = convert_checkpoint(source, tmp_path / "slow", model="slow_fusion", num_classes=4)
    assert not slow.mapping.exact and "not an equivalence" in slow.record.recipe["converted_from"]["notes"][0]
    single, fused = create_model(frame_model), create_model(slow.path)
    assert fused.record.labels == () and fused.record.model_kwargs["lrn_beta"] == 0.75
    # The 2-D conv2 is AlexNet's grouped conv2 (a block-diagonal kernel): equal to Caffe's grouped convolution.
    conv2 = single.get_layer("conv2")
    x = rng.standard_normal((1, 9, 9, conv2.kernel.shape[2])).astype(np.float32)
    caffe_conv2 = next(layer for layer in fx.source_net(layers).layers if layer.name == "conv2")
    expected = fx_conv(x, caffe_conv2)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(conv2(x)), expected, rtol=1e-4, atol=1e-4)
    # Slow fusion's temporal kernels are the 2-D ones spread over time: a static clip gives the 2-D response.
    frame = rng.integers(0, 256, (1, 1, 170, 170, 3), dtype=np.uint8)
    one = keras.ops.convert_to_numpy(keras.Model(single.input, single.get_layer("conv1").output)(frame))
    static = np.repeat(frame, 10, axis=1)
    many = keras.ops.convert_to_numpy(keras.Model(fused.input, fused.get_layer("conv1").output)(static))
    for step in range(many.shape[1]):
        np.testing.assert_allclose(many[0, step], one[0], rtol=1e-4, atol=1e-3)


def fx_conv(x_nhwc, layer):
    """Caffe's grouped convolution (the reference's) on an NHWC tensor, with ReLU, as NHWC."""
    from keras_video_zoo.convert.reference import _caffe_conv

    p = layer.params
    out = _caffe_conv(x_nhwc.transpose(0, 3, 1, 2), layer.blobs[0], layer.blobs[1], p["stride"], p["pad"], p["group"])
    return np.maximum(out, 0).transpose(0, 2, 3, 1)


# ------------------------------------------------------------------------------------------- bad input


def _refused(tmp_path, capsys, source, *extra) -> str:
    out = tmp_path / "out"
    assert main(["convert", str(source), str(out), *extra]) == 1
    assert not out.exists() and not list(tmp_path.glob(".out.*")), "a partial folder was left"
    message = capsys.readouterr().err
    assert message.startswith(f"kvz convert: {source}:")
    return message


def test_a_truncated_caffemodel_is_refused(tmp_path, rng, capsys):
    data = fx.caffemodel_bytes(fx.cnn_m_2048(rng, size=64), input_dims=[1, 3, 64, 64])
    source = tmp_path / "cut.caffemodel"
    source.write_bytes(data[: len(data) * 2 // 3])
    assert "truncated" in _refused(tmp_path, capsys, source)


@pytest.mark.parametrize("content", [b"", b"\x00\x01garbage" * 50, b"name: not a binary model\n"])
def test_files_that_are_not_models_are_refused(tmp_path, capsys, content):
    source = tmp_path / "model.caffemodel"
    source.write_bytes(content)
    message = _refused(tmp_path, capsys, source)
    assert "empty" in message or "not a Caffe model" in message or "protobuf" in message or "no layers" in message


def test_another_architecture_is_refused_naming_the_layer_and_shapes(tmp_path, rng, capsys):
    layers = fx.cnn_m_2048(rng, size=96)
    conv3 = next(layer for layer in layers if layer["name"] == "conv3")
    conv3["blobs"] = [conv3["blobs"][0][:40], conv3["blobs"][1][:40]]  # 40 filters where width 0.125 has 64
    conv3["params"]["num_output"] = 40
    layers[layers.index(conv3) + 2]["blobs"][0] = rng.standard_normal((64, 40, 3, 3)).astype(np.float32)
    source = fx.write_caffemodel(tmp_path / "other.caffemodel", layers, input_dims=[1, 3, 96, 96])
    message = _refused(tmp_path, capsys, source)
    assert "'conv3'" in message and "64" in message and "40" in message


def test_average_pooling_is_refused_naming_the_layer(tmp_path, rng, capsys):
    layers = fx.cnn_m_2048(rng, size=96)
    next(layer for layer in layers if layer["name"] == "pool2")["params"]["method"] = "ave"
    source = fx.write_caffemodel(tmp_path / "avg.caffemodel", layers, input_dims=[1, 3, 96, 96])
    message = _refused(tmp_path, capsys, source)
    assert "'pool2'" in message and "pooling" in message and "max" in message and "avg" in message


def test_an_input_size_where_ceil_mode_pooling_differs_is_refused_naming_sizes_that_work(tmp_path, rng, capsys):
    layers = fx.cnn_m_2048(rng, size=96)
    source = fx.write_caffemodel(tmp_path / "net.caffemodel", layers, input_dims=[1, 3, 97, 97])
    message = _refused(tmp_path, capsys, source)
    assert "ceil-mode" in message and "sizes that work: " in message and "96" in message


def test_a_mean_file_of_another_net_is_refused(tmp_path, rng, capsys):
    layers = fx.cnn_m_2048(rng, size=64)
    source = fx.write_caffemodel(tmp_path / "net.caffemodel", layers, input_dims=[1, 3, 64, 64])
    mean = fx.write_binaryproto(tmp_path / "flow_mean.binaryproto", np.full((20, 4, 4), 128.0, np.float32))
    assert "20 channels" in _refused(tmp_path, capsys, source, "--mean", str(mean))


def test_a_matlab_v73_file_is_refused_with_the_command_that_rewrites_it(tmp_path, capsys):
    source = tmp_path / "net.mat"
    source.write_bytes(b"MATLAB 7.3 MAT-file, Platform: GLNXA64" + b"\x00" * 200)
    assert "-v7" in _refused(tmp_path, capsys, source)


def test_an_existing_output_folder_is_not_overwritten(tmp_path, rng, capsys):
    source = fx.write_caffemodel(tmp_path / "net.caffemodel", fx.cnn_m_2048(rng, size=64), input_dims=[1, 3, 64, 64])
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    assert main(["convert", str(source), str(tmp_path / "out")]) == 1
    assert (tmp_path / "out" / "keep.txt").read_text() == "mine" and "already exists" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------- command


def test_kvz_convert_writes_a_checkpoint_every_command_takes(tmp_path, rng, capsys):
    layers = fx.cnn_m_2048(rng, size=64, classes=3)
    source = fx.write_caffemodel(tmp_path / "VGG_CNN_M_2048.caffemodel", layers, input_dims=[1, 3, 64, 64])
    labels = tmp_path / "labels.txt"
    labels.write_text("walk\nrun\njump\n")
    assert main(["convert", str(source), str(tmp_path / "ckpt"), "--labels", str(labels), "--tag", "mine"]) == 0
    printed = capsys.readouterr().out
    assert "spatial_stream (cnn_m_2048)" in printed and "exact" in printed and f"--model {tmp_path / 'ckpt'}" in printed
    record = json.loads((tmp_path / "ckpt" / "keras_video_zoo.json").read_text())
    assert record["labels"] == ["walk", "run", "jump"] and record["tag"] == "mine"
    assert record["recipe"]["command"].startswith("kvz convert VGG_CNN_M_2048.caffemodel OUT")
    model = create_model(str(tmp_path / "ckpt"), num_classes=5)  # a new head for fine-tuning keeps the rest
    assert model.output_shape == (None, 5) and model.record.base_model == "spatial_stream.mine"


def test_kvz_convert_list_names_every_known_source(capsys):
    assert main(["convert", "--list"]) == 0
    printed = capsys.readouterr().out
    for name in (
        "vgg_cnn_m_2048",
        "cuhk_spatial_vgg16",
        "cuhk_temporal_vgg16",
        "feichtenhofer_temporal_vgg16",
        "bvlc_alexnet",
    ):
        assert f"{name}:" in printed
    assert "non-commercial" in printed and "sha256: not known here" in printed


def test_kvz_convert_needs_a_file_and_a_folder(capsys):
    assert main(["convert"]) == 2
    assert "give FILE and OUT" in capsys.readouterr().err


@pytest.mark.skipif(keras.backend.backend() == "jax", reason="kvz export traces through TensorFlow or PyTorch")
def test_a_converted_model_exports_with_its_labels(tmp_path, rng):
    layers = fx.vgg16(rng, size=64, classes=3)
    source = fx.write_caffemodel(tmp_path / "net.caffemodel", layers, input_dims=[1, 3, 64, 64])
    labels = tmp_path / "labels.txt"
    labels.write_text("a\nb\nc\n")
    convert_checkpoint(source, tmp_path / "ckpt", labels=labels)
    assert main(["export", "--model", str(tmp_path / "ckpt"), "--format", "onnx", str(tmp_path / "onnx")]) == 0
    exported = json.loads((tmp_path / "onnx" / "kvz_export.json").read_text())
    assert exported["labels"] == ["a", "b", "c"] and exported["max_abs_diff"] <= 1e-4


def test_a_renamed_file_is_named_with_source_and_npy_means_read_as_caffe_saves_them(tmp_path, rng):
    layers = fx.vgg16(rng, size=64, classes=101)
    source = fx.write_caffemodel(tmp_path / "downloaded.caffemodel", layers, input_dims=[1, 3, 64, 64])
    mean = rng.uniform(90, 130, (3, 64, 64)).astype(np.float32)  # (C, H, W), as Caffe's Python tools save it
    np.save(tmp_path / "mean.npy", mean)
    np.testing.assert_array_equal(read_mean(tmp_path / "mean.npy"), mean.transpose(1, 2, 0))
    record = convert_checkpoint(
        source, tmp_path / "out", known_source="cuhk_spatial_vgg16", mean=tmp_path / "mean.npy"
    ).record
    assert record.labels[0] == "ApplyEyeMakeup" and record.dataset == {"name": "ucf101"}
    assert record.recipe["converted_from"]["known_source"] == "cuhk_spatial_vgg16"
    assert record.model_kwargs["mean"] == pytest.approx(mean.reshape(3, -1).mean(axis=1)[::-1], abs=1e-3)
    with pytest.raises(ConversionError, match="not a known source"):
        convert_checkpoint(source, tmp_path / "other", known_source="nope")


def test_alexnet_weights_start_only_karpathy_models(tmp_path, rng):
    source = fx.write_caffemodel(tmp_path / "bvlc_alexnet.caffemodel", fx.alexnet(rng), v1=True)
    with pytest.raises(ConversionError, match="Karpathy et al. fusion model .*'spatial_stream' is not one"):
        convert_checkpoint(source, tmp_path / "out", model="spatial_stream")
    assert not (tmp_path / "out").exists()
