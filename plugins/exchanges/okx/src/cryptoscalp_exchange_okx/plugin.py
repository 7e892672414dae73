"""Hook implementations of the ``exchange-okx`` plugin: the ``okx`` feed, the replay of its raw recordings
(``okx-recording``) and OKX instrument lookup."""

from __future__ import annotations

from cryptoscalp_core import hookimpl
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.marketdata.raw import RawRecordingConfig
from cryptoscalp_core.registry import ComponentKind, ComponentRegistry
from cryptoscalp_exchange_okx.config import OkxFeedConfig
from cryptoscalp_exchange_okx.feed import make_okx_feed
from cryptoscalp_exchange_okx.instruments import VENUE, reference_instruments
from cryptoscalp_exchange_okx.recording import make_okx_recording


@hookimpl
def cryptoscalp_register_components(registry: ComponentRegistry) -> None:
    registry.add(ComponentKind.FEED, VENUE, make_okx_feed, OkxFeedConfig)
    registry.add(ComponentKind.FEED, f"{VENUE}-recording", make_okx_recording, RawRecordingConfig)


@hookimpl
def cryptoscalp_resolve_instrument(venue: str, symbol: str) -> Instrument | None:
    # Shipped reference data only (the hook must not do network I/O); the feed checks the grid
    # against the live instruments endpoint when it starts.
    if venue != VENUE:
        return None
    return reference_instruments().get(symbol)
