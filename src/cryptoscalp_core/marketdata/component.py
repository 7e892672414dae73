"""The market-data wrapper feeds as components: ``multi-source``, ``validated`` and ``market-cache``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.marketdata.cached_feed import CachedFeed, CachedFeedConfig
from cryptoscalp_core.marketdata.market_cache import MarketCache
from cryptoscalp_core.marketdata.multi_config import MultiSourceConfig
from cryptoscalp_core.marketdata.multi_source import FailoverRule, MultiSourceFeed
from cryptoscalp_core.marketdata.nested import bind_registry, build_feed, build_feeds, validate_sections
from cryptoscalp_core.marketdata.validated_feed import ValidatedFeed
from cryptoscalp_core.marketdata.validator_config import ValidatedFeedConfig
from cryptoscalp_core.ports.cache import Cache
from cryptoscalp_core.ports.market_feed import MarketFeed
from cryptoscalp_core.registry import ComponentKind, ComponentRegistry

_MS = 1_000_000


def _deps(instruments: Sequence[Instrument], mode: str, extra: dict[str, Any]) -> dict[str, Any]:
    deps = {"instruments": tuple(instruments), "mode": mode}
    deps.update({k: v for k, v in extra.items() if v is not None})
    return deps


def make_multi_source(config: MultiSourceConfig, instruments: Sequence[Instrument], mode: str = "paper",
                      profile: Any = None, plugins: Any = None, clock: Any = None, secrets: Any = None,
                      store: Any = None, cache: Any = None, bus: Any = None) -> MultiSourceFeed:
    """The same instruments from several feeds, with failover on stall or lag and failback."""
    pairs = validate_sections(type(config).registry, config.sources, ("sources",))
    deps = _deps(instruments, mode, {"profile": profile, "plugins": plugins, "clock": clock, "secrets": secrets,
                                     "store": store, "cache": cache, "bus": bus})
    feeds = build_feeds(pairs, deps)
    names = [f"{i}:{spec.name}" for i, (spec, _) in enumerate(pairs)]
    rule = FailoverRule(stall_ns=int(config.stall_ms * _MS), lag_ns=int(config.lag_ms * _MS),
                        failback_ns=int(config.failback_ms * _MS), min_dwell_ns=int(config.min_dwell_ms * _MS),
                        check_ns=int(config.check_ms * _MS), buffer_ns=int(config.buffer_ms * _MS))
    return MultiSourceFeed(feeds, names, len(instruments), rule, config.dedupe_mode(), config.queue_batches)


def _inner(config: ValidatedFeedConfig | CachedFeedConfig, deps: dict[str, Any]) -> tuple[str, MarketFeed]:
    ((spec, inner),) = validate_sections(type(config).registry, config.source, ("source",))
    return spec.name, build_feed(spec, inner, deps)


def make_validated(config: ValidatedFeedConfig, instruments: Sequence[Instrument], mode: str = "paper",
                   profile: Any = None, plugins: Any = None, clock: Any = None, secrets: Any = None,
                   store: Any = None, cache: Any = None, bus: Any = None) -> ValidatedFeed:
    """Another feed through the data validator: bad rows dropped, counted and logged."""
    deps = _deps(instruments, mode, {"profile": profile, "plugins": plugins, "clock": clock, "secrets": secrets,
                                     "store": store, "cache": cache, "bus": bus})
    name, feed = _inner(config, deps)
    return ValidatedFeed(feed, config, len(instruments), name)


def make_cached(config: CachedFeedConfig, instruments: Sequence[Instrument], cache: Cache, mode: str = "paper",
                profile: Any = None, plugins: Any = None, clock: Any = None, secrets: Any = None,
                store: Any = None, bus: Any = None) -> CachedFeed:
    """Another feed whose latest top of book, trades and features are published in the cache."""
    deps = _deps(instruments, mode, {"profile": profile, "plugins": plugins, "clock": clock, "secrets": secrets,
                                     "store": store, "cache": cache, "bus": bus})
    _, feed = _inner(config, deps)
    return CachedFeed(feed, MarketCache(cache, instruments, prefix=config.prefix, trades_kept=config.trades_kept,
                                        ttl_s=config.ttl_s))


def register(registry: ComponentRegistry) -> None:
    registry.add(ComponentKind.FEED, "multi-source", make_multi_source, bind_registry(MultiSourceConfig, registry))
    registry.add(ComponentKind.FEED, "validated", make_validated, bind_registry(ValidatedFeedConfig, registry))
    registry.add(ComponentKind.FEED, "market-cache", make_cached, bind_registry(CachedFeedConfig, registry))
