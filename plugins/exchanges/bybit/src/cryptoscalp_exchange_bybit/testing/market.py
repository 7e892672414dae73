"""The fake venue's market state: the true book of each symbol and the topic streams derived from it.

A recording (or fixture) is a list of v5 push messages. Book messages update the *true* book; each
subscribed depth is a :class:`ViewStream` with its own update id ``u`` (as on Bybit, every topic counts
on its own). A depth at least as deep as the recording forwards the recorded levels as they are; a
shallower one sends the difference between consecutive top-N views (levels entering the top N are
inserts, levels leaving it are deletes), which is what Bybit's ``orderbook.50`` does. Level 1 sends
snapshots only, as Bybit's linear level-1 book does.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

Levels = dict[str, str]  # price string -> size string, as on the wire


def _key(price: str) -> Decimal:
    return Decimal(price)


def top(levels: Levels, n: int, bids: bool) -> Levels:
    ordered = sorted(levels, key=_key, reverse=bids)[:n]
    return {p: levels[p] for p in ordered}


class TrueBook:
    """Every level the recording has shown for one symbol (the venue's own book)."""

    def __init__(self, symbol: str, recorded_depth: int) -> None:
        self.symbol = symbol
        self.recorded_depth = recorded_depth
        self.bids: Levels = {}
        self.asks: Levels = {}
        self.ts = 0
        self.cts = 0
        self.seq = 0
        self.last_u = 0

    def apply(self, msg: dict[str, Any]) -> tuple[list[list[str]], list[list[str]]]:
        """Apply a recorded message; return its levels (bids, asks) as sent."""
        data = msg["data"]
        if msg["type"] == "snapshot" or data.get("u") == 1:
            self.bids.clear()
            self.asks.clear()
        for side, book in (("b", self.bids), ("a", self.asks)):
            for price, size in data[side]:
                if Decimal(size) == 0:
                    book.pop(price, None)
                else:
                    book[price] = size
        self.ts, self.cts, self.seq = int(msg["ts"]), int(msg.get("cts", msg["ts"])), int(data.get("seq", 0))
        self.last_u = int(data.get("u", self.last_u + 1))
        return data["b"], data["a"]


class ViewStream:
    """``orderbook.{depth}.{symbol}`` as the venue publishes it."""

    def __init__(self, book: TrueBook, depth: int) -> None:
        self.book = book
        self.depth = depth
        self.topic = f"orderbook.{depth}.{book.symbol}"
        # A view as deep as the recording continues the recording's ids; any other counts on its own.
        self.u = book.last_u
        self.bids: Levels = {}
        self.asks: Levels = {}
        self.force_snapshot = False
        self.passthrough = depth >= book.recorded_depth
        self.refresh_view()

    def refresh_view(self) -> None:
        self.bids = top(self.book.bids, self.depth, True)
        self.asks = top(self.book.asks, self.depth, False)

    def message(self, kind: str) -> dict[str, Any]:
        book = self.book
        return {"topic": self.topic, "type": kind, "ts": book.ts,
                "data": {"s": book.symbol, "b": [[p, s] for p, s in self.bids.items()],
                         "a": [[p, s] for p, s in self.asks.items()], "u": self.u, "seq": book.seq},
                "cts": book.cts}

    def snapshot(self) -> dict[str, Any]:
        """The current view as a snapshot (what a new subscriber gets first); ``u`` does not move."""
        return self.message("snapshot")

    def on_book_change(self, recorded: tuple[list[list[str]], list[list[str]]]) -> dict[str, Any] | None:
        """The message this topic publishes after the true book changed, or ``None`` if its view did not."""
        old_b, old_a = self.bids, self.asks
        self.refresh_view()
        if self.force_snapshot or self.depth == 1:
            if self.depth == 1 and not self.force_snapshot and (old_b, old_a) == (self.bids, self.asks):
                return None
            self.force_snapshot = False
            self.u += 1
            return self.message("snapshot")
        if self.passthrough:
            bids, asks = recorded
        else:
            bids = _diff(old_b, self.bids)
            asks = _diff(old_a, self.asks)
            if not bids and not asks:
                return None
        self.u += 1
        book = self.book
        return {"topic": self.topic, "type": "delta", "ts": book.ts,
                "data": {"s": book.symbol, "b": bids, "a": asks, "u": self.u, "seq": book.seq}, "cts": book.cts}

    def restart(self) -> None:
        """The venue's service restarted: the next message is a snapshot with ``u == 1``."""
        self.u = 0
        self.force_snapshot = True


def _diff(old: Levels, new: Levels) -> list[list[str]]:
    out = [[p, s] for p, s in new.items() if old.get(p) != s]
    out.extend([p, "0"] for p in old if p not in new)
    return out


class TickerStream:
    """``tickers.{symbol}``: snapshot of the merged fields to a new subscriber, recorded deltas after."""

    def __init__(self, symbol: str) -> None:
        self.topic = f"tickers.{symbol}"
        self.fields: dict[str, Any] = {"symbol": symbol}
        self.ts = 0
        self.cs = 0

    def apply(self, msg: dict[str, Any]) -> None:
        if msg["type"] == "snapshot":
            self.fields = {"symbol": self.fields["symbol"]}
        self.fields.update(msg["data"])
        self.ts, self.cs = int(msg["ts"]), int(msg.get("cs", 0))

    def snapshot(self) -> dict[str, Any]:
        return {"topic": self.topic, "type": "snapshot", "data": dict(self.fields), "cs": self.cs, "ts": self.ts}
