"""Archive CSVs (inside the daily zips) → rows of the core dtypes → the Parquet layout.

Column orders are Binance's (the files have had a header row only since late 2022, so both forms are
read; the header, when there is one, is checked for its column count and otherwise ignored):

* ``trades``: id, price, qty, quote_qty, time, is_buyer_maker → TRADE in ``trade/``
* ``aggTrades``: agg_trade_id, price, quantity, first_trade_id, last_trade_id, transact_time,
  is_buyer_maker → TRADE in ``agg_trade/`` (never mixed with ``trade/``: each print would count twice)
* ``bookTicker``: update_id, best_bid_price, best_bid_qty, best_ask_price, best_ask_qty,
  transaction_time, event_time → QUOTE in ``quote/``
* ``klines`` (1m): open_time, open, high, low, close, volume, close_time, … → bars in ``ohlcv_1m/``

The archive has no receive times: ``ts_recv = ts_event`` (the transaction time); the replay feed's
``md_latency_ms`` adds a delay. ``is_buyer_maker`` true means the seller was the aggressor. Times are
ms in the futures archive; µs or ns stamps are recognised by magnitude. Rows that break the core's
sanity rules are dropped and counted.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.csv as pacsv  # type: ignore[import-untyped]

from cryptoscalp_core.domain.events import EventKind, Side, empty, valid_rows
from cryptoscalp_feed_replay.ohlcv import OHLCV_DTYPE

COLUMNS: Final[dict[str, list[str]]] = {
    "trades": ["id", "price", "qty", "quote_qty", "time", "is_buyer_maker"],
    "aggTrades": ["agg_trade_id", "price", "quantity", "first_trade_id", "last_trade_id", "transact_time",
                  "is_buyer_maker"],
    "bookTicker": ["update_id", "best_bid_price", "best_bid_qty", "best_ask_price", "best_ask_qty",
                   "transaction_time", "event_time"],
    "klines": ["open_time", "open", "high", "low", "close", "volume", "close_time", "quote_volume", "count",
               "taker_buy_volume", "taker_buy_quote_volume", "ignore"],
}
#: Layout ``<kind>`` directory each archive type is written to.
KIND_DIR: Final = {"trades": "trade", "aggTrades": "agg_trade", "bookTicker": "quote", "klines": "ohlcv_1m"}
_INT_COLUMNS: Final = {"id", "agg_trade_id", "first_trade_id", "last_trade_id", "time", "transact_time",
                       "update_id", "transaction_time", "event_time", "open_time", "close_time", "count"}


def read_archive_csv(zip_path: Path, kind: str) -> pa.Table:
    """The CSV inside an archive zip as a table with Binance's column names, header row or not."""
    names = COLUMNS[kind]
    with zipfile.ZipFile(zip_path) as archive:
        members = [m for m in archive.namelist() if m.lower().endswith(".csv")]
        if len(members) != 1:
            raise ValueError(f"{zip_path.name}: expected one CSV inside, found {members}")
        data = archive.read(members[0])
    first = data.split(b"\n", 1)[0].strip()
    has_header = bool(first) and not first[:1].isdigit()
    if has_header and len(first.split(b",")) != len(names):
        raise ValueError(f"{zip_path.name}: header {first[:200]!r} does not have the {len(names)} {kind} columns")
    types = {name: pa.int64() if name in _INT_COLUMNS else pa.float64() for name in names}
    types["is_buyer_maker"] = pa.bool_()
    return pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1 if has_header else 0),
        convert_options=pacsv.ConvertOptions(column_types={n: t for n, t in types.items() if n in names}),
    )


def _ns(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    top = int(values.max()) if len(values) else 0
    scale = 1 if top >= 10**17 else 1_000 if top >= 10**14 else 1_000_000
    return values * scale


def _col(table: pa.Table, name: str) -> npt.NDArray[np.generic]:
    return table.column(name).to_numpy(zero_copy_only=False)  # type: ignore[no-any-return]


def convert(table: pa.Table, kind: str) -> tuple[npt.NDArray[np.void], dict[str, int]]:
    """Rows for the layout from an archive table, and the count of rows dropped per rule."""
    if kind == "klines":
        bars = np.empty(table.num_rows, dtype=OHLCV_DTYPE)
        bars["ts_open"] = _ns(_col(table, "open_time"))  # type: ignore[arg-type]
        for name in ("open", "high", "low", "close", "volume"):
            bars[name] = _col(table, name)
        good = np.isfinite(bars["open"]) & (bars["open"] > 0) & np.isfinite(bars["close"]) & (bars["close"] > 0)
        dropped = int((~good).sum())
        return bars[good], ({"bad_bar": dropped} if dropped else {})
    if kind == "bookTicker":
        rows = empty(EventKind.QUOTE, table.num_rows)
        rows["ts_event"] = rows["ts_recv"] = _ns(_col(table, "transaction_time"))  # type: ignore[arg-type]
        rows["seq"] = _col(table, "update_id")
        for src, dst in (("best_bid_price", "bid_price"), ("best_bid_qty", "bid_qty"),
                         ("best_ask_price", "ask_price"), ("best_ask_qty", "ask_qty")):
            rows[dst] = _col(table, src)
    else:
        agg = kind == "aggTrades"
        rows = empty(EventKind.TRADE, table.num_rows)
        time = _ns(_col(table, "transact_time" if agg else "time"))  # type: ignore[arg-type]
        rows["ts_event"] = rows["ts_recv"] = time
        rows["trade_id"] = _col(table, "agg_trade_id" if agg else "id")
        rows["price"] = _col(table, "price")
        rows["qty"] = _col(table, "quantity" if agg else "qty")
        rows["side"] = np.where(_col(table, "is_buyer_maker").astype(bool), int(Side.SELL), int(Side.BUY))
    rows = rows[np.argsort(rows["ts_recv"], kind="stable")]
    check = valid_rows(rows)
    return rows[check.mask], check.dropped
