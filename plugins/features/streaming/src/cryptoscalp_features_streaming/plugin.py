"""Hook implementations of the ``features-streaming`` plugin."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from cryptoscalp_core import hookimpl
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.registry import ComponentKind, ComponentRegistry
from cryptoscalp_features_streaming.config import StreamingFeaturesConfig
from cryptoscalp_features_streaming.engine import StreamingFeatureEngine

if TYPE_CHECKING:
    import typer


def make_streaming_features(config: StreamingFeaturesConfig,
                            instruments: Sequence[Instrument] = ()) -> StreamingFeatureEngine:
    """Streaming features over time, tick, volume and event bar clocks (MAs, oscillators, bands, volatility,
    OFI, VPIN, Kyle, Amihud, depth, intensities, cross-asset correlation and beta); preset full gives 1,000+."""
    return StreamingFeatureEngine(config, instruments)


@hookimpl
def cryptoscalp_register_components(registry: ComponentRegistry) -> None:
    registry.add(ComponentKind.FEATURES, "streaming", make_streaming_features, StreamingFeaturesConfig)


@hookimpl
def cryptoscalp_register_commands(app: typer.Typer) -> None:
    from cryptoscalp_features_streaming.cli import features_app

    app.add_typer(features_app, name="features")
