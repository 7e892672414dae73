"""Profile settings of the ``okx`` feed."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from cryptoscalp_core.registry import ComponentConfig

BookChannel = Literal["books", "books50-l2-tbt", "books-l2-tbt", "none"]
QuoteChannel = Literal["bbo-tbt", "tickers", "none"]
ChecksumMode = Literal["when-present", "off"]

#: channels that need a logged-in socket (OKX VIP tiers)
LOGIN_BOOK_CHANNELS = frozenset({"books50-l2-tbt", "books-l2-tbt"})


class OkxFeedConfig(ComponentConfig):
    """Settings of the ``okx`` market-data feed. Defaults are OKX production endpoints and limits."""

    ws_url: str = Field("wss://ws.okx.com:8443/ws/v5/public", min_length=1, description=(
        "Public WebSocket endpoint (demo: wss://wspap.okx.com:8443/ws/v5/public)."))
    rest_url: str = Field("https://www.okx.com", min_length=1, description=(
        "REST base URL; the feed reads GET /api/v5/public/instruments from it at start."))
    inst_type: Literal["SWAP", "FUTURES", "SPOT"] = Field("SWAP", description="instType of the instruments.")
    book_channel: BookChannel = Field("books", description=(
        "`books` (400 levels, 100 ms), `books50-l2-tbt` / `books-l2-tbt` (tick-by-tick; need login "
        "and the VIP tier), or `none`."))
    quote_channel: QuoteChannel = Field("bbo-tbt", description="Best bid/ask source: `bbo-tbt`, `tickers` or `none`.")
    trades: bool = Field(True, description="Subscribe the `trades` channel.")
    mark: bool = Field(True, description="Subscribe `mark-price` and `funding-rate` (MARK rows).")
    checksum: ChecksumMode = Field("when-present", description=(
        "`when-present`: verify the CRC32 of the top 25 levels whenever OKX sends a non-zero checksum "
        "(it now sends 0, which is never treated as a mismatch); `off`: rely on seqId/prevSeqId only."))
    fetch_instruments: bool = Field(True, description=(
        "Read the instruments endpoint at start and refuse to run when the profile's tick or lot size "
        "disagrees with the venue's (an off-grid book would be silently wrong)."))
    rest_timeout_s: float = Field(10.0, gt=0, le=120, description="Timeout of the instruments request.")
    ping_after_s: float = Field(20.0, gt=0, lt=30, description=(
        "Send the text `ping` after this long without a message (OKX closes silent sockets after 30 s)."))
    pong_timeout_s: float = Field(5.0, gt=0, le=30, description="Reconnect when `pong` does not come back within this.")
    connect_timeout_s: float = Field(10.0, gt=0, le=120, description="Timeout of the WebSocket handshake.")
    subscribe_timeout_s: float = Field(10.0, gt=0, le=120, description=(
        "A subscription not acknowledged within this is retried on a fresh connection."))
    backoff_initial_s: float = Field(0.5, gt=0, le=60, description="First reconnect delay.")
    backoff_max_s: float = Field(30.0, gt=0, le=600, description="Cap of the exponential reconnect delay.")
    max_channels_per_connection: int = Field(30, ge=1, le=500, description=(
        "Channels (channel x instrument) per socket; OKX recommends fewer than 30 book channels each."))
    max_subscribe_ops_per_hour: int = Field(480, ge=1, le=480, description=(
        "OKX allows 480 subscribe/unsubscribe/login requests per hour per connection; past this budget "
        "a resync reconnects instead of resubscribing."))
    queue_batches: int = Field(100_000, ge=16, description=(
        "Batches buffered between the sockets and the consumer; when full the oldest are not lost, "
        "the sockets wait (back-pressure)."))
    api_key: str | None = Field(None, description="SecretStore name of the API key (login channels only).")
    api_secret: str | None = Field(None, description="SecretStore name of the API secret.")
    passphrase: str | None = Field(None, description="SecretStore name of the API passphrase.")

    @model_validator(mode="after")
    def _check(self) -> OkxFeedConfig:
        if self.backoff_max_s < self.backoff_initial_s:
            raise ValueError("backoff_max_s must be >= backoff_initial_s")
        if self.book_channel in LOGIN_BOOK_CHANNELS and not (self.api_key and self.api_secret and self.passphrase):
            raise ValueError(f"book_channel {self.book_channel!r} needs login: set api_key, api_secret and "
                             "passphrase (SecretStore names)")
        if self.book_channel == "none" and self.quote_channel == "none" and not self.trades and not self.mark:
            raise ValueError("nothing to subscribe: enable at least one of book_channel, quote_channel, trades, mark")
        return self
