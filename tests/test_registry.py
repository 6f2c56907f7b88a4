import pytest

from keras_video_zoo import create_model, list_models, slow_fusion
from keras_video_zoo.registry import register_model


def test_list_models_filters_with_a_pattern():
    assert list_models("slow_fusion*") == [
        "slow_fusion",
        "slow_fusion_multires",
        "slow_fusion_multires_tiny",
        "slow_fusion_tiny",
    ]
    assert list_models("nothing*") == []
    assert {"single_frame", "early_fusion", "late_fusion", "slow_fusion"} <= set(list_models())


def test_create_model_applies_overrides_and_keeps_the_name():
    model = create_model("slow_fusion_tiny", num_classes=3, name="mine")
    assert (model.name, model.output_shape) == ("mine", (None, 3))
    assert create_model("slow_fusion_tiny").name == "slow_fusion_tiny"


def test_unknown_model_lists_close_matches():
    with pytest.raises(ValueError, match="Unknown model 'slow_fuson'. Did you mean: slow_fusion"):
        create_model("slow_fuson")
    with pytest.raises(ValueError, match=r"Unknown model 'xyz'\. See keras_video_zoo.list_models\(\)"):
        create_model("xyz")


def test_tag_asks_for_weights_by_name():
    with pytest.raises(ValueError, match="No checkpoint is registered as 'slow_fusion_tiny.sports1m'"):
        create_model("slow_fusion_tiny.sports1m")
    with pytest.raises(ValueError, match="names weights 'a' but weights='b' too"):
        create_model("slow_fusion_tiny.a", weights="b")


def test_register_refuses_to_silently_replace_a_model():
    with pytest.raises(ValueError, match="already registered as 'slow_fusion'"):
        register_model(lambda **kwargs: None, name="slow_fusion")
    assert register_model(slow_fusion, name="slow_fusion") is slow_fusion  # re-registering the same is fine
