"""Hook implementations only: what the ``exchange-bybit`` entry point gives the plugin host."""

from __future__ import annotations

from cryptoscalp_core import hookimpl
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.marketdata.raw import RawRecordingConfig
from cryptoscalp_core.registry import ComponentKind, ComponentRegistry
from cryptoscalp_exchange_bybit.config import BybitFeedConfig
from cryptoscalp_exchange_bybit.feed import make_bybit_feed
from cryptoscalp_exchange_bybit.instruments import VENUE, resolve
from cryptoscalp_exchange_bybit.recording import make_bybit_recording


@hookimpl
def cryptoscalp_register_components(registry: ComponentRegistry) -> None:
    registry.add(ComponentKind.FEED, VENUE, make_bybit_feed, BybitFeedConfig)
    registry.add(ComponentKind.FEED, f"{VENUE}-recording", make_bybit_recording, RawRecordingConfig)


@hookimpl
def cryptoscalp_resolve_instrument(venue: str, symbol: str) -> Instrument | None:
    if venue != VENUE:
        return None
    return resolve(symbol)
