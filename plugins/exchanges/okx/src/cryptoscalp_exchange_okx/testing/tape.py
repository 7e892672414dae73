"""What the fake server plays: a *tape* of OKX public pushes, from a recording or generated.

* :func:`load_recording` reads cryptofeed's raw OKX recordings (``<recv_seconds>: <json>`` per received
  frame, gzip or plain) and keeps the data pushes (``arg`` + ``data``), in order.
* :func:`synthetic_tape` makes a deterministic BTC-USDT-SWAP session following the v5 protocol notes:
  a 400-level ``books`` snapshot, updates with ``seqId``/``prevSeqId`` and real checksums, trades,
  ``bbo-tbt``, ``mark-price`` and ``funding-rate`` pushes. Sizes keep trailing zeros (``"1.50"``) so a
  checksum built from normalised numbers would fail.
* :class:`VenueBook` is the server's own book of one instrument, from which it cuts a fresh snapshot
  when a client (re)subscribes mid-stream, as OKX does.
"""

from __future__ import annotations

import gzip
import random
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from cryptoscalp_exchange_okx.checksum import okx_checksum

Push = dict[str, Any]


def load_recording(path: str | Path) -> list[Push]:
    """The data pushes of a cryptofeed OKX WebSocket recording, in the order they were received."""
    opener = gzip.open if str(path).endswith(".gz") else open
    out: list[Push] = []
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            head, sep, body = line.partition(": ")
            if not sep or " " in head or not body.startswith("{"):
                continue  # sent frames, connect markers, the trailing configuration line
            try:
                msg = orjson.loads(body)
            except orjson.JSONDecodeError:
                continue
            if isinstance(msg, dict) and "arg" in msg and "data" in msg:
                out.append(msg)
    return out


class VenueBook:
    """The server-side book of one instrument, keeping the strings it was given."""

    def __init__(self) -> None:
        self.bids: dict[Decimal, tuple[str, str, str]] = {}
        self.asks: dict[Decimal, tuple[str, str, str]] = {}

    def apply(self, item: dict[str, Any], snapshot: bool) -> None:
        if snapshot:
            self.bids.clear()
            self.asks.clear()
        for levels, side in ((item.get("bids", []), self.bids), (item.get("asks", []), self.asks)):
            for level in levels:
                price = Decimal(level[0])
                if Decimal(level[1]) == 0:
                    side.pop(price, None)
                else:
                    side[price] = (level[0], level[1], level[3] if len(level) > 3 else "1")

    def sorted_levels(self) -> tuple[list[list[str]], list[list[str]]]:
        bids = [[p, s, "0", n] for _, (p, s, n) in sorted(self.bids.items(), reverse=True)]
        asks = [[p, s, "0", n] for _, (p, s, n) in sorted(self.asks.items())]
        return bids, asks

    def checksum(self) -> int:
        bids, asks = self.sorted_levels()
        return okx_checksum([(b[0], b[1]) for b in bids[:25]], [(a[0], a[1]) for a in asks[:25]])


# -- synthetic session ------------------------------------------------------------------------------------
def _px(ticks: int) -> str:
    return format(Decimal(ticks) / 10, "f")  # BTC-USDT-SWAP tick 0.1: "65000" or "65000.1"


def _sz(rng: random.Random) -> str:
    return rng.choice(["1", "2", "0.50", "1.50", "3", "12", "0.01", "7.25", "40"])


def synthetic_tape(n_updates: int = 300, *, seed: int = 7, inst_id: str = "BTC-USDT-SWAP",
                   mid_ticks: int = 650_000, depth: int = 400, checksum: bool = True) -> list[Push]:
    """A deterministic session of ``n_updates`` book updates interleaved with trades, quotes and marks."""
    rng = random.Random(seed)
    book = VenueBook()
    ts = 1_717_000_000_000
    seq = 1_000
    bids = [[_px(mid_ticks - 1 - i), _sz(rng), "0", "1"] for i in range(depth)]
    asks = [[_px(mid_ticks + 1 + i), _sz(rng), "0", "1"] for i in range(depth)]
    snap = {"asks": asks, "bids": bids, "ts": str(ts), "checksum": 0, "prevSeqId": -1, "seqId": seq}
    book.apply(snap, True)
    snap["checksum"] = book.checksum() if checksum else 0
    out: list[Push] = [{"arg": {"channel": "books", "instId": inst_id}, "action": "snapshot", "data": [snap]}]
    trade_id = 500_000
    for _ in range(n_updates):
        ts += rng.randint(1, 40)
        prev, seq = seq, seq + rng.randint(1, 3)
        item: dict[str, Any] = {"asks": [], "bids": [], "ts": str(ts)}
        for _ in range(rng.randint(1, 6)):
            is_bid = rng.random() < 0.5
            ticks = mid_ticks - rng.randint(1, 60) if is_bid else mid_ticks + rng.randint(1, 60)
            size = "0" if rng.random() < 0.3 else _sz(rng)
            count = "0" if size == "0" else str(rng.randint(1, 9))
            item["bids" if is_bid else "asks"].append([_px(ticks), size, "0", count])
        book.apply(item, False)
        item.update(checksum=book.checksum() if checksum else 0, prevSeqId=prev, seqId=seq)
        out.append({"arg": {"channel": "books", "instId": inst_id}, "action": "update", "data": [item]})
        roll = rng.random()
        if roll < 0.3:
            trade_id += 1
            out.append({"arg": {"channel": "trades", "instId": inst_id}, "data": [
                {"instId": inst_id, "tradeId": str(trade_id), "px": _px(mid_ticks + rng.randint(-3, 3)),
                 "sz": _sz(rng), "side": rng.choice(["buy", "sell"]), "ts": str(ts), "count": "1"}]})
        elif roll < 0.55:
            bid_b, ask_b = sorted(book.bids, reverse=True)[0], sorted(book.asks)[0]
            out.append({"arg": {"channel": "bbo-tbt", "instId": inst_id}, "data": [
                {"asks": [[book.asks[ask_b][0], book.asks[ask_b][1], "0", "1"]],
                 "bids": [[book.bids[bid_b][0], book.bids[bid_b][1], "0", "1"]], "ts": str(ts), "seqId": seq}]})
        elif roll < 0.6:
            out.append({"arg": {"channel": "funding-rate", "instId": inst_id}, "data": [
                {"instId": inst_id, "instType": "SWAP", "fundingRate": "0.0001", "nextFundingRate": "",
                 "fundingTime": str(1_717_027_200_000), "nextFundingTime": str(1_717_056_000_000),
                 "ts": str(ts)}]})
        elif roll < 0.7:
            out.append({"arg": {"channel": "mark-price", "instId": inst_id}, "data": [
                {"instId": inst_id, "instType": "SWAP", "markPx": _px(mid_ticks), "ts": str(ts)}]})
    return out


def book_pushes(tape: Iterable[Push], inst_id: str) -> Iterator[Push]:
    return (p for p in tape if p["arg"].get("channel", "").startswith("books") and p["arg"].get("instId") == inst_id)


def swap_instrument_row(inst_id: str = "BTC-USDT-SWAP", tick: str = "0.1", lot: str = "0.01",
                        ct_val: str = "0.01") -> dict[str, str]:
    """An instruments-endpoint row of a linear swap, as the fake server serves it."""
    base, quote = inst_id.split("-")[:2]
    return {"instId": inst_id, "instType": "SWAP", "ctType": "linear", "ctVal": ct_val, "ctMult": "1",
            "ctValCcy": base, "settleCcy": quote, "instFamily": f"{base}-{quote}", "uly": f"{base}-{quote}",
            "tickSz": tick, "lotSz": lot, "minSz": lot, "state": "live", "lever": "100"}
