"""Hook implementations of the ``exchange-binance`` plugin: the ``binance-usdm`` feed, the replay of its raw
recordings (``binance-usdm-recording``) and its instruments."""

from __future__ import annotations

from cryptoscalp_core import hookimpl
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.marketdata.raw import RawRecordingConfig
from cryptoscalp_core.registry import ComponentKind, ComponentRegistry
from cryptoscalp_exchange_binance.config import BinanceFeedConfig
from cryptoscalp_exchange_binance.feed import make_binance_feed
from cryptoscalp_exchange_binance.instruments import VENUE, resolve
from cryptoscalp_exchange_binance.recording import make_binance_recording


@hookimpl
def cryptoscalp_register_components(registry: ComponentRegistry) -> None:
    registry.add(ComponentKind.FEED, VENUE, make_binance_feed, BinanceFeedConfig)
    registry.add(ComponentKind.FEED, f"{VENUE}-recording", make_binance_recording, RawRecordingConfig)


@hookimpl
def cryptoscalp_resolve_instrument(venue: str, symbol: str) -> Instrument | None:
    # Shipped reference data only: this hook may not do network I/O. The feed re-checks at start.
    return resolve(symbol) if venue == VENUE else None
