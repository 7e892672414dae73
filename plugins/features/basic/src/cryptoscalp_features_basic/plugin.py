"""Hook implementations of the ``features-basic`` plugin."""

from __future__ import annotations

from cryptoscalp_core import hookimpl
from cryptoscalp_core.registry import ComponentKind, ComponentRegistry
from cryptoscalp_features_basic.config import BasicFeaturesConfig
from cryptoscalp_features_basic.engine import BasicFeatureEngine


def make_basic_features(config: BasicFeaturesConfig) -> BasicFeatureEngine:
    """Streaming numpy trade and quote features (EMA, SMA, log returns, trade-flow and order-flow imbalance)."""
    return BasicFeatureEngine(config)


@hookimpl
def cryptoscalp_register_components(registry: ComponentRegistry) -> None:
    registry.add(ComponentKind.FEATURES, "basic", make_basic_features, BasicFeaturesConfig)
