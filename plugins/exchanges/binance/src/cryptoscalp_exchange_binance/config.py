"""Profile settings of the ``binance-usdm`` feed."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from cryptoscalp_core.registry import ComponentConfig

TradeStream = Literal["aggTrade", "trade", "off"]
DepthSpeed = Literal["0ms", "100ms", "250ms", "500ms"]
MarkSpeed = Literal["1s", "3s"]
SnapshotLimit = Literal[5, 10, 20, 50, 100, 500, 1000]


class BinanceFeedConfig(ComponentConfig):
    """Settings of the ``binance-usdm`` feed (see the distribution's README for an example)."""

    ws_url: str = Field("wss://fstream.binance.com", description=(
        "Market-stream base URL, without a path: the feed appends `/public/stream` (book streams) and "
        "`/market/stream` (trades, mark price), or `/stream` with `routed_paths: false`."))
    rest_url: str = Field("https://fapi.binance.com", description=(
        "REST base URL for `/fapi/v1/depth` snapshots and `/fapi/v1/exchangeInfo`."))
    routed_paths: bool = Field(True, description=(
        "Use the split `/public` and `/market` paths. The legacy unrouted path silently delivers no "
        "`/market` streams (mark price, trades), so turn this off only for a server that needs it."))
    trades: TradeStream = Field("aggTrade", description=(
        "`aggTrade` (aggregate trades, the documented futures stream), `trade` (every fill) or `off`. "
        "One of them: both would count the same volume twice."))
    quotes: bool = Field(True, description="Subscribe `<symbol>@bookTicker` (best bid/ask) → QUOTE rows.")
    depth: bool = Field(True, description="Subscribe depth diffs and keep a synchronised book → BOOK_DELTA rows.")
    depth_speed: DepthSpeed = Field("100ms", description=(
        "Depth diff cadence: `@depth@<speed>` (`250ms` is the plain `@depth`)."))
    marks: bool = Field(True, description="Subscribe `<symbol>@markPrice@<speed>` (mark, index, funding) → MARK rows.")
    mark_speed: MarkSpeed = Field("1s", description="Mark-price cadence.")
    snapshot_limit: SnapshotLimit = Field(1000, description=(
        "Levels per side of the REST depth snapshot. Deeper levels are only known once a diff touches "
        "them, so keep 1000 unless the REST weight matters more than depth."))
    max_streams_per_connection: int = Field(200, ge=1, le=1024, description=(
        "Streams per WebSocket connection (Binance allows 1024); more streams open more connections."))
    max_messages_per_second: float = Field(5.0, gt=0, le=10, description=(
        "Outgoing frames per second per connection (subscribe, ping). Binance disconnects above 10."))
    subscribe_timeout_s: float = Field(10.0, gt=0, le=120, description=(
        "Wait for a SUBSCRIBE reply before reconnecting."))
    stall_timeout_s: float = Field(30.0, gt=0, le=3600, description=(
        "Silence after which the feed pings the server; no pong within `pong_timeout_s` → reconnect."))
    pong_timeout_s: float = Field(10.0, gt=0, le=600, description="Wait for the pong of a stall probe.")
    max_connection_age_s: float = Field(23.5 * 3600, gt=0, le=86_400, description=(
        "Binance closes every connection after 24 h. Before that, the feed opens a replacement, lets "
        "both run side by side (duplicates are dropped by sequence), then closes the old one."))
    rotation_overlap_s: float = Field(2.0, ge=0, le=60, description=(
        "How long the old and the replacement connection overlap at a proactive reconnect."))
    connect_timeout_s: float = Field(10.0, gt=0, le=120, description="WebSocket opening handshake timeout.")
    rest_timeout_s: float = Field(10.0, gt=0, le=120, description="Timeout of one REST request.")
    backoff_initial_s: float = Field(0.5, gt=0, le=60, description="First reconnect / snapshot retry delay.")
    backoff_max_s: float = Field(30.0, gt=0, le=3600, description="Cap of the exponential backoff.")
    max_buffered_diffs: int = Field(10_000, ge=10, le=1_000_000, description=(
        "Depth diffs buffered per book while a snapshot is awaited; older ones are dropped (counted)."))
    max_pending_batches: int = Field(100_000, ge=10, le=10_000_000, description=(
        "Batches queued for a slow consumer. Beyond this batches are dropped and counted, and a book "
        "whose deltas were dropped is re-synchronised."))
    check_instruments: bool = Field(True, description=(
        "At start, read `/fapi/v1/exchangeInfo` and refuse symbols that do not trade or whose tick grid "
        "does not fit the profile instrument's."))

    @field_validator("ws_url")
    @classmethod
    def _ws_scheme(cls, value: str) -> str:
        if not value.startswith(("ws://", "wss://")):
            raise ValueError("must start with ws:// or wss://")
        return value.rstrip("/")

    @field_validator("rest_url")
    @classmethod
    def _http_scheme(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _something_to_stream(self) -> BinanceFeedConfig:
        if self.trades == "off" and not (self.quotes or self.depth or self.marks):
            raise ValueError("every stream is off: enable at least one of trades, quotes, depth, marks")
        if self.backoff_max_s < self.backoff_initial_s:
            raise ValueError("backoff_max_s must be >= backoff_initial_s")
        return self
