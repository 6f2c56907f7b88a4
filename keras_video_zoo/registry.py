"""Named models: ``list_models()`` and ``create_model("name[.tag]")``, as in timm.

Every factory registers itself under its own name with the paper's defaults;
variants (multires, tiny) register the same factory with other defaults.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import keras

Factory = Callable[..., keras.Model]


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
        """Calls the factory with the variant's defaults, then ``overrides``."""
        return self.factory(**{"name": self.name, **self.defaults, **overrides})


_REGISTRY: dict[str, ModelEntry] = {}


def register_model(
    factory: Factory | None = None, *, name: str | None = None, description: str | None = None, **defaults: Any
):
    """Registers ``factory`` (usable bare as a decorator) under ``name``.

    Example:
    >>> from keras_video_zoo.registry import register_model, create_model
    >>> from keras_video_zoo import single_frame
    >>> _ = register_model(single_frame, name="my_single_frame", num_classes=3,
    ...                    input_shape=(1, 32, 32, 3), width=0.1, fc_units=8)
    >>> create_model("my_single_frame").output_shape
    (None, 3)
    """

    def register(fn: Factory) -> Factory:
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


def get_model_entry(name: str) -> ModelEntry:
    """The registry entry for ``name``; a ValueError lists close matches."""
    try:
        return _REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(name, _REGISTRY, n=5, cutoff=0.5)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise ValueError(
            f"Unknown model {name!r}.{hint} See keras_video_zoo.list_models() for all {len(_REGISTRY)} names."
        ) from None


def create_model(model_name: str, /, **kwargs: Any) -> keras.Model:
    """Builds a registered model; ``"name.tag"`` asks for the weights ``tag``.

    Args:
        model_name: a name from :func:`list_models`, optionally with ``.tag``.
        **kwargs: factory arguments that override the variant's defaults.

    Example:
    >>> from keras_video_zoo import create_model
    >>> model = create_model("slow_fusion_tiny", num_classes=5)
    >>> model.input_shape, model.output_shape
    ((None, 10, 64, 64, 3), (None, 5))
    """
    base, _, tag = model_name.partition(".")
    entry = get_model_entry(base)
    if tag:
        if kwargs.get("weights") not in (None, tag):
            raise ValueError(
                f"create_model({model_name!r}) names weights {tag!r} but weights={kwargs['weights']!r} too."
            )
        kwargs["weights"] = tag
    return entry.build(**kwargs)
