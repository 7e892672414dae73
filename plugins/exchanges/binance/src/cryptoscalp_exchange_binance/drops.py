"""Counted, logged drops: bad input never stops the feed, and never disappears silently."""

from __future__ import annotations

import logging

from cryptoscalp_core.ports.market_feed import FeedStats

log = logging.getLogger("cryptoscalp_exchange_binance")


class DropLog:
    """Counts drops in :attr:`FeedStats.dropped` and logs the first of each reason.

    A venue that starts sending garbage at a thousand frames a second gives one log line per reason,
    not a thousand; the counters carry the totals.
    """

    #: Reasons that are part of normal operation (sync procedure, overlapping connections): INFO.
    ROUTINE = frozenset({"pre_snapshot", "duplicate", "stale_diff", "stale_snapshot"})

    def __init__(self, stats: FeedStats) -> None:
        self.stats = stats
        self._seen: set[str] = set()

    def drop(self, reason: str, where: str = "", n: int = 1) -> None:
        if n <= 0:
            return
        self.stats.drop(reason, n)
        if reason not in self._seen:
            self._seen.add(reason)
            level = logging.INFO if reason in self.ROUTINE else logging.WARNING
            log.log(level, "binance-usdm: dropped %d message(s): %s%s (further drops of this kind are only "
                    "counted)", n, reason, f" ({where})" if where else "")
