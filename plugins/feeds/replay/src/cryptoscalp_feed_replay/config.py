"""Profile settings of the ``replay`` feed."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cryptoscalp_core.registry import ComponentConfig

Format = Literal["auto", "binance-ws", "parquet", "ohlcv"]
KindDir = Literal["trade", "agg_trade", "quote", "book_delta", "mark"]

#: Directory names of the Parquet layout that the ``parquet`` format replays by default.
DEFAULT_PARQUET_KINDS: tuple[KindDir, ...] = ("trade", "quote", "book_delta", "mark")


class ReplayConfig(ComponentConfig):
    """Settings of the ``replay`` feed (see the distribution's README for examples)."""

    path: str = Field(min_length=1, description=(
        "A file, a directory or a glob (`data/btcusdt_2023040*.gz`). Files of one symbol are replayed "
        "in time order as one continuous stream; several symbols are merged by ts_recv."))
    format: Format = Field("auto", description=(
        "`binance-ws` (raw Binance USD-M WebSocket recordings), `parquet` (the "
        "`<root>/<venue>/<SYMBOL>/<kind>/<YYYY-MM-DD>.parquet` layout), `ohlcv` (1-minute bars as "
        "synthetic trades), or `auto` (decided from the file names and the first line)."))
    chunk_rows: int = Field(65_536, ge=1, le=10_000_000, description=(
        "Largest batch, in rows. Consecutive rows of one kind form one batch up to this size."))
    speed: float | None = Field(None, gt=0, description=(
        "null: as fast as possible (backtest). A number: pace batches on the event loop's clock at "
        "`speed` times the recorded pace (1.0 = real time), for paper trading on a recording."))
    md_latency_ms: float = Field(0.0, ge=0, le=60_000, description=(
        "Fixed market-data latency added to every ts_recv. Bars and archive files have no receive "
        "stamp (ts_recv = ts_event), so this is their only latency."))
    venue: str = Field("binance-usdm", min_length=1, description=(
        "Venue of the `binance-ws` and `ohlcv` files: a row's instrument is the profile instrument "
        "`venue:SYMBOL`. The `parquet` layout names its venue in the path."))
    symbol: str | None = Field(None, description=(
        "`ohlcv` only: the symbol of every file, for files whose name does not start with it."))
    clock_offset_ms: float | None = Field(None, ge=-86_400_000, le=86_400_000, description=(
        "`binance-ws`: recorder clock minus exchange clock. null: estimated per symbol stream as the "
        "`clock_quantile` of local - E over its first `clock_samples` messages."))
    clock_samples: int = Field(1000, ge=1, description="`binance-ws`: messages used to estimate the clock offset.")
    clock_quantile: float = Field(0.5, ge=0, le=1, description=(
        "`binance-ws`: quantile of local - E taken as the offset. 0.5 (median) is robust to latency "
        "bursts and centres ts_recv - ts_event on `md_latency_ms`; 0.0 makes every sampled latency >= 0."))
    parquet_kinds: tuple[KindDir, ...] = Field(DEFAULT_PARQUET_KINDS, min_length=1, description=(
        "`parquet`: the `<kind>` directories to replay (`trade`, `agg_trade`, `quote`, `book_delta`, "
        "`mark`). Pick `agg_trade` instead of `trade` for aggregated trades."))
