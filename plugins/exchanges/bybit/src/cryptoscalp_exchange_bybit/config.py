"""Profile settings of the ``bybit`` feed (validated once at start-up, never on the hot path)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from cryptoscalp_core.registry import ComponentConfig

#: Depths Bybit v5 offers for linear contracts (``orderbook.{depth}.{symbol}``); 0 turns the book off.
Depth = Literal[0, 50, 200, 500, 1000]

MAINNET_WS = "wss://stream.bybit.com/v5/public/linear"
MAINNET_REST = "https://api.bybit.com"


class BybitFeedConfig(ComponentConfig):
    """Settings of the ``bybit`` market-data feed (Bybit v5, ``category=linear``)."""

    ws_url: str = Field(MAINNET_WS, min_length=1, description=(
        "Public WebSocket endpoint for linear contracts. Testnet: "
        "`wss://stream-testnet.bybit.com/v5/public/linear`; the fake server prints its own."))
    rest_url: str = Field(MAINNET_REST, min_length=1, description=(
        "REST base URL, used at start for instrument metadata (`/v5/market/instruments-info`)."))
    depth: Depth = Field(50, description=(
        "L2 book depth (`orderbook.{depth}`: 50 every 20 ms, 200 / 500 / 1000 every 100-200 ms); 0 = no book."))
    trades: bool = Field(True, description="Subscribe `publicTrade.{symbol}` (TRADE rows).")
    quotes: bool = Field(True, description="Subscribe `orderbook.1.{symbol}` (best bid/ask as QUOTE rows, 10 ms).")
    marks: bool = Field(True, description="Subscribe `tickers.{symbol}` (mark/index price and funding as MARK rows).")
    block_trades: bool = Field(True, description=(
        "Keep block trades (`BT: true`, negotiated off the book). false drops them, counted as `block_trade`."))
    ping_interval_s: float = Field(20.0, gt=0, le=600, description=(
        "Seconds between `{\"op\":\"ping\"}` heartbeats. Bybit recommends 20 and cuts a silent socket after 10 min."))
    stall_timeout_s: float = Field(30.0, gt=0, le=3600, description=(
        "Reconnect when nothing at all (data or pong) arrived for this long."))
    open_timeout_s: float = Field(10.0, gt=0, le=300, description="Limit on the WebSocket handshake.")
    subscribe_timeout_s: float = Field(10.0, gt=0, le=300, description=(
        "Limit on the subscribe acknowledgement; also how long a resubscribed book may wait for its snapshot "
        "before the connection is replaced."))
    backoff_initial_s: float = Field(0.5, gt=0, le=60, description="First reconnect delay (before jitter).")
    backoff_max_s: float = Field(30.0, gt=0, le=3600, description="Cap of the exponential reconnect delay.")
    max_args_per_request: int = Field(10, ge=1, le=1000, description="Topics per subscribe request.")
    max_args_chars: int = Field(21_000, ge=100, le=21_000, description=(
        "Characters of topic names per connection (Bybit's public limit is 21,000); more topics open more "
        "connections."))
    verify_instruments: bool = Field(True, description=(
        "At start, fetch the instruments' metadata over REST and refuse to start when a symbol is unknown, not "
        "trading, or its tick/lot size differs from the profile's instrument (book prices are ticks of it)."))
    cache_instruments: bool = Field(True, description=(
        "Write the metadata fetched at start to the local cache (`$CRYPTOSCALP_CACHE_DIR/bybit/`, default "
        "`~/.cache/cryptoscalp`), from which profiles resolve `bybit:SYMBOL` offline."))
    keep_book: bool = Field(True, description=(
        "Keep the synchronised L2 book of each instrument inside the feed (`feed.book(i)`), for inspection and "
        "checks. Costs a dictionary update per level."))
    rest_timeout_s: float = Field(10.0, gt=0, le=300, description="Limit on each REST request.")
    rest_retries: int = Field(3, ge=1, le=20, description="REST attempts (with backoff) before start() fails.")
    queue_batches: int = Field(100_000, ge=10, description=(
        "Batches held for a slow consumer before reading from the socket pauses (back-pressure, never loss)."))

    @model_validator(mode="after")
    def _something_subscribed(self) -> BybitFeedConfig:
        if not (self.depth or self.trades or self.quotes or self.marks):
            raise ValueError("nothing to subscribe: enable at least one of depth, trades, quotes, marks")
        if self.backoff_max_s < self.backoff_initial_s:
            raise ValueError("backoff_max_s must be >= backoff_initial_s")
        for name in ("ws_url", "rest_url"):
            url: str = getattr(self, name)
            scheme = url.split("://", 1)[0]
            allowed = ("ws", "wss") if name == "ws_url" else ("http", "https")
            if "://" not in url or scheme not in allowed:
                raise ValueError(f"{name} must start with {' or '.join(s + '://' for s in allowed)}, got {url!r}")
        return self
