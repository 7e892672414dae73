"""Feed components that wrap other feeds: nested ``{use: ..., ...}`` sections validated and built
through the :class:`~cryptoscalp_core.registry.ComponentRegistry`.

A wrapper's config holds its inner feeds as :class:`NestedFeed` sections. They are validated against
the registry the wrapper was registered in, so ``cryptoscalp profile check`` reports a bad inner setting
with its full YAML path (``feed.sources[1].depth``), and an unknown inner component with the installed
ones and the closest match, exactly like a top-level section.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, TypeVar

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from cryptoscalp_core.ports.market_feed import MarketFeed
from cryptoscalp_core.profile.model import ComponentSection
from cryptoscalp_core.registry import ComponentConfig, ComponentKind, ComponentRegistry, ComponentSpec

C = TypeVar("C", bound="NestedFeedConfig")

#: What a wrapper may pass on to the factory of an inner feed (the container's injectables it received).
INJECTABLE = ("profile", "instruments", "mode", "plugins", "clock", "secrets", "store", "cache", "bus")


class NestedFeedError(RuntimeError):
    """An inner feed cannot be built (its factory needs something the wrapper cannot give it)."""


def _error(kind: str, loc: tuple[str | int, ...], message: str, value: Any) -> InitErrorDetails:
    # The message travels as context so braces in it are never read as a template.
    return InitErrorDetails(type=PydanticCustomError(kind, "{msg}", {"msg": message}), loc=loc, input=value)


def validate_sections(registry: ComponentRegistry | None, raw: Any, loc: tuple[str | int, ...]
                      ) -> list[tuple[ComponentSpec, ComponentConfig]]:
    """``raw`` sections (one mapping or a list) → ``(spec, config)`` pairs; a ``ValidationError`` whose
    locations continue ``loc`` lists every problem of every section."""
    if registry is None:
        raise ValueError("nested feed sections need the component registry; register the wrapper through "
                         "cryptoscalp_register_components")
    items = list(enumerate(raw)) if isinstance(raw, list) else [(None, raw)]
    errors: list[InitErrorDetails] = []
    built: list[tuple[ComponentSpec, ComponentConfig]] = []
    for index, item in items:
        where = loc if index is None else (*loc, index)
        if isinstance(item, ComponentSection):
            item = {"use": item.use, **item.settings}
        if not isinstance(item, Mapping) or not isinstance(item.get("use"), str) or not item["use"]:
            errors.append(_error("nested_feed", where, "expected a feed section {use: NAME, ...settings}", item))
            continue
        try:
            spec = registry.get(ComponentKind.FEED, item["use"])
        except LookupError as exc:
            errors.append(_error("unknown_component", (*where, "use"), str(exc), item["use"]))
            continue
        settings = {k: v for k, v in item.items() if k != "use"}
        try:
            built.append((spec, spec.config.model_validate(settings)))
        except ValidationError as exc:
            for err in exc.errors():
                errors.append(_error(err["type"], (*where, *err["loc"]), err["msg"], err.get("input")))
    if errors:
        raise ValidationError.from_exception_data("nested feed", errors)
    return built


class NestedFeedConfig(ComponentConfig):
    """Base of wrapper configs. :func:`bind_registry` makes a subclass that knows its registry."""

    registry: ClassVar[ComponentRegistry | None] = None


def bind_registry(config: type[C], registry: ComponentRegistry) -> type[C]:
    """A subclass of ``config`` validating nested sections against ``registry`` (which plugins fill
    later; lookups happen at validation time, so every installed feed is known by then)."""
    bound = type(config.__name__, (config,), {"registry": registry, "__module__": config.__module__,
                                              "__doc__": config.__doc__})
    return bound


def build_feed(spec: ComponentSpec, config: ComponentConfig, deps: Mapping[str, Any]) -> MarketFeed:
    """Call an inner feed's factory with the dependencies it names, as the container would."""
    params = list(inspect.signature(spec.factory).parameters.values())[1:]
    kwargs: dict[str, Any] = {}
    for param in params:
        if param.kind in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL):
            continue
        if param.name in deps:
            kwargs[param.name] = deps[param.name]
        elif param.default is inspect.Parameter.empty:
            raise NestedFeedError(f"feed {spec.name!r} needs {param.name!r}, which a nested feed cannot be "
                                  f"given (available: {', '.join(sorted(deps))})")
    feed = spec.factory(config, **kwargs)
    if not isinstance(feed, MarketFeed):
        raise NestedFeedError(f"feed {spec.name!r} built a {type(feed).__name__}, not a MarketFeed")
    return feed


def build_feeds(pairs: Sequence[tuple[ComponentSpec, ComponentConfig]], deps: Mapping[str, Any]
                ) -> list[MarketFeed]:
    return [build_feed(spec, config, deps) for spec, config in pairs]
