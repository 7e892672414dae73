"""Hook implementations only: what the ``feed-synthetic`` entry point gives the plugin host."""

from __future__ import annotations

from cryptoscalp_core import hookimpl
from cryptoscalp_core.registry import ComponentKind, ComponentRegistry


@hookimpl
def cryptoscalp_register_components(registry: ComponentRegistry) -> None:
    from cryptoscalp_feed_synthetic.config import SyntheticFeedConfig
    from cryptoscalp_feed_synthetic.feed import factory

    registry.add(ComponentKind.FEED, "synthetic", factory, SyntheticFeedConfig)
