"""Counted, logged drops: bad input never stops the feed, and never disappears silently."""

from __future__ import annotations

import logging

from cryptoscalp_core.ports.market_feed import FeedStats

log = logging.getLogger("cryptoscalp_exchange_bybit")


class DropLog:
    """Counts drops in :attr:`FeedStats.dropped` and logs the first of each reason with its context.

    A venue that sends a million bad frames thus gives a handful of log lines, not a million; the counters
    in :attr:`FeedStats.dropped` keep the totals.
    """

    #: Reasons that are part of normal operation (the sync procedure, the venue's heartbeat resends):
    #: logged at INFO, the others at WARNING.
    ROUTINE = frozenset({"awaiting_snapshot", "resyncing", "block_trade", "unsubscribed_topic"})

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
            log.log(level, "bybit: dropped %d event(s): %s%s (further drops for this reason are only counted)",
                    n, reason, f" ({where})" if where else "")
