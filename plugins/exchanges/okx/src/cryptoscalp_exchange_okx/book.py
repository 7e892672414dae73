"""A price-level book that keeps OKX's raw strings, for sequencing and checksum verification.

Levels are keyed by integer ticks (what the pipeline's rows carry) and remember the price and size
strings exactly as OKX sent them, because the checksum is defined over those strings. Each side keeps a
sorted key list (bids stored negated so both sides sort ascending from the touch); OKX books hold at
most a few hundred levels, where ``bisect`` on a list beats any tree.
"""

from __future__ import annotations

from bisect import bisect_left, insort

from cryptoscalp_exchange_okx.checksum import CHECKSUM_DEPTH, okx_checksum


class _BookSide:
    __slots__ = ("keys", "levels", "sign")

    def __init__(self, sign: int) -> None:
        self.sign = sign  # -1 for bids: keys are -ticks so the best bid sorts first
        self.keys: list[int] = []
        self.levels: dict[int, tuple[str, str]] = {}

    def set(self, ticks: int, price: str, size: str, empty: bool) -> None:
        levels = self.levels
        if empty:
            if levels.pop(ticks, None) is not None:
                keys = self.keys
                del keys[bisect_left(keys, self.sign * ticks)]
            return
        if ticks not in levels:
            insort(self.keys, self.sign * ticks)
        levels[ticks] = (price, size)

    def top(self, n: int) -> list[tuple[str, str]]:
        sign, levels = self.sign, self.levels
        return [levels[sign * key] for key in self.keys[:n]]

    def clear(self) -> None:
        self.keys.clear()
        self.levels.clear()


class OkxBook:
    """L2 book of one instrument: ``set_level`` applies one OKX level, ``checksum`` verifies the top 25."""

    __slots__ = ("asks", "bids")

    def __init__(self) -> None:
        self.bids = _BookSide(-1)
        self.asks = _BookSide(1)

    def clear(self) -> None:
        self.bids.clear()
        self.asks.clear()

    def set_level(self, is_bid: bool, ticks: int, price: str, size: str, empty: bool) -> None:
        """Replace the level at ``ticks`` (``empty``: delete it; deleting a missing level is a no-op)."""
        (self.bids if is_bid else self.asks).set(ticks, price, size, empty)

    def checksum(self) -> int:
        return okx_checksum(self.bids.top(CHECKSUM_DEPTH), self.asks.top(CHECKSUM_DEPTH))

    def depth(self, is_bid: bool, n: int | None = None) -> list[tuple[int, str, str]]:
        """Best ``n`` levels (all when ``None``) of one side as ``(ticks, price, size)``, best first."""
        side = self.bids if is_bid else self.asks
        keys = side.keys if n is None else side.keys[:n]
        return [(side.sign * k, *side.levels[side.sign * k]) for k in keys]

    def best_bid(self) -> int | None:
        return -self.bids.keys[0] if self.bids.keys else None

    def best_ask(self) -> int | None:
        return self.asks.keys[0] if self.asks.keys else None

    def __len__(self) -> int:
        return len(self.bids.levels) + len(self.asks.levels)
