"""Named models, as in timm: ``register_model``, ``list_models()``, and the build arguments every model records.

Every factory registers itself under its own name with the paper's defaults; variants
(multires, tiny) register the same factory with other defaults. Models register when
``keras_video_zoo.models`` is imported, which ``keras_video_zoo.list_models`` and
``keras_video_zoo.create_model`` do first.

Every model a registered factory builds records how to build it again:
``model.build_arguments`` is a :class:`BuildArguments` (a registry name and the keyword
arguments on top of its defaults), which checkpoint records store, so any variant, registered
or not, rebuilds with today's code (``keras_video_zoo.create_model(name, **kwargs)``).
"""

from __future__ import annotations

import difflib
import fnmatch
import functools
import inspect
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import keras

Factory = Callable[..., "keras.Model"]
# Arguments that say how a model starts, not what it is: left out of the build arguments.
INITIALISATION_ARGUMENTS = ("weights", "cross_modality_from")


@dataclass(frozen=True)
class BuildArguments:
    """How a model was built: ``create_model(model, **kwargs)`` builds the same architecture.

    Attributes:
        model: a registry name (a family such as ``"slow_fusion"`` or a variant such as ``"slow_fusion_tiny"``).
        kwargs: JSON-ready keyword arguments on top of that entry's defaults.
    """

    model: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)


def record_build_arguments(model: keras.Model, name: str, kwargs: Mapping[str, Any]) -> None:
    """Sets ``model.build_arguments``; ``None`` when an argument is not JSON (e.g. a model object)."""
    arguments = {key: value for key, value in kwargs.items() if key not in INITIALISATION_ARGUMENTS}
    try:
        arguments = json.loads(json.dumps(arguments))
    except (TypeError, ValueError):
        model.build_arguments = None  # e.g. two_stream(spatial=<a keras.Model>): rebuilt from its saved config
        return
    model.build_arguments = BuildArguments(name, MappingProxyType(arguments))


def _recording(factory: Factory) -> Factory:
    """``factory``, recording on every model it builds the arguments it was called with."""
    signature = inspect.signature(factory)

    @functools.wraps(factory)
    def build(*args, **kwargs):
        model = factory(*args, **kwargs)
        record_build_arguments(model, factory.__name__, signature.bind(*args, **kwargs).arguments)
        return model

    build.records_build_arguments = True
    return build


@dataclass(frozen=True)
class ModelEntry:
    """One registered model: a factory and the arguments that define the variant.

    Attributes:
        name: registry name, e.g. ``"slow_fusion_tiny"``.
        factory: the family's factory function.
        defaults: keyword arguments passed to the factory (callers may override).
        description: one line for ``kvz models`` and the README table.
    """

    name: str
    factory: Factory
    defaults: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""

    def build(self, **overrides: Any) -> keras.Model:
        """Calls the factory with the variant's defaults, then ``overrides``; records the build arguments.

        A bare weights tag (``weights="synthetic"``) is looked up under this entry's name, so
        ``name=`` never changes which checkpoint loads.
        """
        weights = overrides.get("weights")
        if isinstance(weights, str) and not any(c in weights for c in "./\\") and not os.path.exists(weights):
            overrides = {**overrides, "weights": f"{self.name}.{weights}"}
        model = self.factory(**{"name": self.name, **self.defaults, **overrides})
        record_build_arguments(model, self.name, overrides)
        return model


_REGISTRY: dict[str, ModelEntry] = {}


def register_model(
    factory: Factory | None = None, *, name: str | None = None, description: str | None = None, **defaults: Any
):
    """Registers ``factory`` (usable bare as a decorator) under ``name``.

    Used as a decorator, it returns the factory wrapped so that direct calls record their
    build arguments too.

    Example:
    >>> from keras_video_zoo.registry import register_model
    >>> from keras_video_zoo import create_model, single_frame
    >>> _ = register_model(single_frame, name="my_single_frame", num_classes=3,
    ...                    input_shape=(1, 32, 32, 3), width=0.1, fc_units=8)
    >>> model = create_model("my_single_frame")
    >>> model.output_shape, model.build_arguments.model
    ((None, 3), 'my_single_frame')
    """

    def register(fn: Factory) -> Factory:
        if not getattr(fn, "records_build_arguments", False):
            fn = _recording(fn)
        entry_name = name or fn.__name__
        if entry_name in _REGISTRY and _REGISTRY[entry_name].factory is not fn:
            raise ValueError(f"A different model is already registered as {entry_name!r}.")
        summary = description or (fn.__doc__ or "").strip().splitlines()[0]
        _REGISTRY[entry_name] = ModelEntry(entry_name, fn, MappingProxyType(dict(defaults)), summary)
        return fn

    return register(factory) if factory is not None else register


def list_models(pattern: str | None = None) -> list[str]:
    """Sorted registry names, optionally filtered by a shell-style ``pattern``.

    Example:
    >>> from keras_video_zoo import list_models
    >>> list_models("slow_fusion*tiny")
    ['slow_fusion_multires_tiny', 'slow_fusion_tiny']
    """
    names = sorted(_REGISTRY)
    return names if pattern is None else [n for n in names if fnmatch.fnmatchcase(n, pattern)]


def is_registered(name: str) -> bool:
    """Whether ``name`` is a registry name."""
    return name in _REGISTRY


def get_model_entry(name: str) -> ModelEntry:
    """The registry entry for ``name``; a ValueError lists close matches."""
    try:
        return _REGISTRY[name]
    except KeyError:
        if not _REGISTRY:
            raise ValueError(
                f"Unknown model {name!r}: no model is registered yet. Models register when keras_video_zoo.models "
                "is imported (keras_video_zoo.create_model and list_models do it)."
            ) from None
        close = difflib.get_close_matches(name, _REGISTRY, n=5, cutoff=0.5)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise ValueError(
            f"Unknown model {name!r}.{hint} See keras_video_zoo.list_models() (or kvz models) for all "
            f"{len(_REGISTRY)} names."
        ) from None
