"""Scripts for the fake server: v5 push messages, one JSON object per line (``.gz`` read transparently).

Bybit's historical order-book dumps have exactly this form (``{"topic","type","ts","data","cts"}`` per
line), so a downloaded dump replays as is. :func:`linear_info` builds the instruments-info entry the fake
REST endpoint serves for a symbol.
"""

from __future__ import annotations

import gzip
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import orjson

#: The hand-made BTCUSDT fixture shipped with the plugin (book, trades, tickers; see fixtures/README.md).
FIXTURE = "btcusdt_linear.jsonl"


def load_script(path: str | Path) -> list[dict[str, Any]]:
    """Messages of a JSONL file; lines that are not JSON objects with a ``topic`` are skipped."""
    p = Path(path)
    raw = gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
    out = []
    for line in raw.splitlines():
        if not line.strip():
            continue
        msg = orjson.loads(line)
        if isinstance(msg, dict) and "topic" in msg:
            out.append(msg)
    return out


def fixture_path(name: str = FIXTURE) -> Path:
    return Path(str(resources.files("cryptoscalp_exchange_bybit.testing").joinpath("fixtures", name)))


def linear_info(symbol: str, tick_size: str, qty_step: str, *, min_qty: str | None = None,
                min_notional: str = "5", status: str = "Trading") -> dict[str, Any]:
    """An instruments-info ``list`` entry shaped like Bybit's (linear perpetual)."""
    base = symbol.removesuffix("USDT")
    scale = max(0, -Decimal(tick_size).as_tuple().exponent)  # type: ignore[operator]
    return {"symbol": symbol, "contractType": "LinearPerpetual", "status": status, "baseCoin": base,
            "quoteCoin": "USDT", "settleCoin": "USDT", "priceScale": str(scale),
            "leverageFilter": {"minLeverage": "1", "maxLeverage": "100.00", "leverageStep": "0.01"},
            "priceFilter": {"minPrice": tick_size, "maxPrice": "1999999.80", "tickSize": tick_size},
            "lotSizeFilter": {"maxOrderQty": "1000000", "minOrderQty": min_qty or qty_step, "qtyStep": qty_step,
                              "postOnlyMaxOrderQty": "1000000", "maxMktOrderQty": "100000",
                              "minNotionalValue": min_notional},
            "fundingInterval": 480, "launchTime": "1585526400000", "deliveryTime": "0"}
