"""The fake venue's own book per symbol: what its REST depth snapshot serves at any point of the tape.

It starts from the tape's snapshot (``lastUpdateId`` = L0) and applies every published diff with
``u >= L0`` (the diff that straddles L0 is applied whole: quantities are absolute, so that is exact).
Prices and quantities stay the venue's strings, so a snapshot repeats them byte for byte.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any


class VenueBook:
    def __init__(self, snapshot: dict[str, Any]) -> None:
        self.last_u = int(snapshot["lastUpdateId"])
        self.start_u = self.last_u
        self.bids: dict[str, str] = {p: q for p, q in snapshot["bids"] if Decimal(q) > 0}
        self.asks: dict[str, str] = {p: q for p, q in snapshot["asks"] if Decimal(q) > 0}
        self.ts_ms = int(snapshot.get("T") or snapshot.get("E") or 0)

    def apply(self, diff: dict[str, Any]) -> None:
        if diff["u"] < self.start_u:
            return  # already contained in the starting snapshot
        for levels, side in ((diff["b"], self.bids), (diff["a"], self.asks)):
            for price, qty in levels:
                if Decimal(qty) > 0:
                    side[price] = qty
                else:
                    side.pop(price, None)
        self.last_u = diff["u"]
        self.ts_ms = int(diff.get("T") or diff.get("E") or self.ts_ms)

    def snapshot(self, limit: int) -> dict[str, Any]:
        bids = sorted(self.bids.items(), key=lambda kv: Decimal(kv[0]), reverse=True)[:limit]
        asks = sorted(self.asks.items(), key=lambda kv: Decimal(kv[0]))[:limit]
        return {"lastUpdateId": self.last_u, "E": self.ts_ms + 1, "T": self.ts_ms,
                "bids": [list(level) for level in bids], "asks": [list(level) for level in asks]}
