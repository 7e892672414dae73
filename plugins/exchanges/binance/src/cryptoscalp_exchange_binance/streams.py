"""Stream names, the routed path each one lives on, and their split over connections."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from cryptoscalp_exchange_binance.config import BinanceFeedConfig

#: Routed paths of ``fstream``: book data on ``/public``, the rest of market data on ``/market``.
PUBLIC: Final = "public"
MARKET: Final = "market"
_PUBLIC_KINDS: Final = frozenset({"depth", "bookTicker"})


def route_of(stream: str) -> str:
    """``public`` or ``market`` for a stream name (``btcusdt@depth@100ms`` → ``public``)."""
    kind = stream.split("@", 2)[1] if "@" in stream else ""
    if kind.startswith("depth") or kind in _PUBLIC_KINDS:
        return PUBLIC
    return MARKET


def streams_for(symbol: str, config: BinanceFeedConfig) -> list[str]:
    """The streams the profile's settings ask for on one symbol."""
    s = symbol.lower()
    out: list[str] = []
    if config.trades != "off":
        out.append(f"{s}@{config.trades}")
    if config.quotes:
        out.append(f"{s}@bookTicker")
    if config.depth:
        out.append(f"{s}@depth" if config.depth_speed == "250ms" else f"{s}@depth@{config.depth_speed}")
    if config.marks:
        out.append(f"{s}@markPrice@1s" if config.mark_speed == "1s" else f"{s}@markPrice")
    return out


@dataclass(frozen=True, slots=True)
class ConnectionPlan:
    """One connection: its URL and the streams it subscribes."""

    url: str
    streams: tuple[str, ...]


def plan_connections(symbols: Sequence[str], config: BinanceFeedConfig) -> list[ConnectionPlan]:
    """Group streams by routed path and split each group into connections of at most
    ``max_streams_per_connection`` streams."""
    by_path: dict[str, list[str]] = {}
    for symbol in symbols:
        for stream in streams_for(symbol, config):
            path = f"/{route_of(stream)}/stream" if config.routed_paths else "/stream"
            by_path.setdefault(path, []).append(stream)
    plans: list[ConnectionPlan] = []
    size = config.max_streams_per_connection
    for path, streams in by_path.items():
        for start in range(0, len(streams), size):
            plans.append(ConnectionPlan(config.ws_url + path, tuple(streams[start:start + size])))
    return plans
